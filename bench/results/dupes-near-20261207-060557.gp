$quiver_1t << EOD
0.9478 43282.3 10
0.9733 28528.3 16
0.9858 23560.1 24
0.9897 22730.1 32
0.9978 14809.3 48
0.9995 13274.6 64
0.9999 10386.3 96
1 7118.65 128
1 3533.28 256
EOD
$quiver_nt << EOD
0.9478 41088.9 10
0.9733 30074.4 16
0.9858 25920 24
0.9897 21087 32
0.9978 14043 48
0.9995 10956.9 64
0.9999 8954.08 96
1 7197.14 128
1 3060.29 256
EOD
$hnswlib_1t << EOD
0.9511 26997.9 10
0.9756 18623.9 16
0.9888 16364.7 24
0.991 14996.7 32
0.9978 9294.48 48
0.9995 8358.37 64
0.9999 5471.13 96
1 4181.86 128
1 2265.26 256
EOD
$hnswlib_nt << EOD
0.9511 35639.4 10
0.9756 19883.5 16
0.9888 17779.4 24
0.991 16381.6 32
0.9978 8459.43 48
0.9995 7551.41 64
0.9999 5825.4 96
1 4898.52 128
1 2131.54 256
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/dupes-near-20261207-060557.png'
set multiplot layout 1,2 title 'dupes-near: recall@10 vs QPS  (n=20000, dim=128, M=16, efC=200, 2026-12-07T06:05:57Z)'
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
