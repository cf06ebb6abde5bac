$quiver_1t << EOD
0.3105 15931.7 16
0.3711 11364 24
0.416 5842.48 32
0.4797 4916.27 48
0.5203 3801.1 64
0.5742 2170.49 96
0.6027 1873.2 128
0.6495 1579.3 192
0.6867 1503.81 256
0.7508 690.776 384
0.7954 580.62 512
EOD
$quiver_nt << EOD
0.3105 14201.9 16
0.3711 11073.6 24
0.416 6266.76 32
0.4797 5528.98 48
0.5203 4265.98 64
0.5742 1848.73 96
0.6027 1819.52 128
0.6495 1446.1 192
0.6867 1014.86 256
0.7508 676.255 384
0.7954 505.114 512
EOD
$hnswlib_1t << EOD
0.3066 9844.38 16
0.3727 6415.55 24
0.4173 4794.47 32
0.4724 3910.24 48
0.5094 2712.25 64
0.5628 1346.02 96
0.596 1474.88 128
0.6433 988.039 192
0.6812 758.309 256
0.7429 514.943 384
0.7907 464.585 512
EOD
$hnswlib_nt << EOD
0.3066 11083.9 16
0.3727 6659.07 24
0.4173 5021.71 32
0.4724 4164.58 48
0.5094 2651.08 64
0.5628 1455.92 96
0.596 1488.3 128
0.6433 1176.64 192
0.6812 725.646 256
0.7429 763.111 384
0.7907 635.627 512
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/random-self-20261207-061141.png'
set multiplot layout 1,2 title 'random-self: recall@10 vs QPS  (n=200000, dim=128, M=16, efC=200, 2026-12-07T06:11:41Z)'
set logscale y
set grid
set key bottom left
set xlabel 'recall@10'
set ylabel 'queries per second (log)'
set xrange [*:1.002]
set title '1 thread, one query per call'
plot $quiver_1t using 1:2 with linespoints lw 2 pt 7 lc rgb '#d62728' title 'quiver HNSW', \
     $hnswlib_1t using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'hnswlib HNSW'
set title '2 threads (batch)'
plot $quiver_nt using 1:2 with linespoints lw 2 pt 7 lc rgb '#d62728' title 'quiver HNSW', \
     $hnswlib_nt using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'hnswlib HNSW'
unset multiplot
