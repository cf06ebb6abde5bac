$quiver_1t << EOD
0.9818 31164.5 16
0.9959 19188 32
0.9996 12225 64
0.9998 7421.58 128
1 4176.76 256
1 1988.79 512
EOD
$quiver_nt << EOD
0.9818 62379.6 16
0.9959 41057.3 32
0.9996 24990.2 64
0.9998 14481.5 128
1 8774.36 256
1 4511.09 512
EOD
$hnswlib_1t << EOD
0.9807 21992.5 16
0.996 13969.4 32
0.9996 8029.2 64
0.9998 5123.57 128
1 2858.41 256
1 1263.02 512
EOD
$hnswlib_nt << EOD
0.9807 42498 16
0.996 27562.9 32
0.9996 16632.1 64
0.9998 10047.6 128
1 5558.18 256
1 3303.67 512
EOD
$faiss_1t << EOD
0.9738 5346.41 16
0.9961 3499.05 32
0.9992 2090.17 64
0.9999 1314.33 128
1 773.273 256
1 382.573 512
EOD
$faiss_nt << EOD
0.9738 10820.8 16
0.9961 7001.82 32
0.9992 4525.62 64
0.9999 2595.13 128
1 1593.48 256
1 730.575 512
EOD
$flat_quiver_1t << EOD
1 1149.49
EOD
$flat_quiver_nt << EOD
1 2475.95
EOD
$flat_faiss_1t << EOD
1 252.838
EOD
$flat_faiss_nt << EOD
1 11781.5
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/mnist-20261127-231034.png'
set multiplot layout 1,2 title 'mnist: recall@10 vs QPS  (n=9000, dim=784, M=16, efC=200, 2026-11-27T23:10:34Z)'
set logscale y
set grid
set key bottom left
set xlabel 'recall@10'
set ylabel 'queries per second (log)'
set xrange [*:1.002]
set title '1 thread, one query per call'
plot $quiver_1t using 1:2 with linespoints lw 2 pt 7 lc rgb '#d62728' title 'quiver HNSW', \
     $hnswlib_1t using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'hnswlib HNSW', \
     $faiss_1t using 1:2 with linespoints lw 2 pt 7 lc rgb '#2ca02c' title 'faiss HNSW', \
     $flat_quiver_1t using 1:2 with points pt 5 ps 1.5 lc rgb '#d62728' title 'quiver flat (exact)', \
     $flat_faiss_1t using 1:2 with points pt 9 ps 1.5 lc rgb '#2ca02c' title 'faiss flat (exact)'
set title '2 threads (batch)'
plot $quiver_nt using 1:2 with linespoints lw 2 pt 7 lc rgb '#d62728' title 'quiver HNSW', \
     $hnswlib_nt using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'hnswlib HNSW', \
     $faiss_nt using 1:2 with linespoints lw 2 pt 7 lc rgb '#2ca02c' title 'faiss HNSW', \
     $flat_quiver_nt using 1:2 with points pt 5 ps 1.5 lc rgb '#d62728' title 'quiver flat (exact)', \
     $flat_faiss_nt using 1:2 with points pt 9 ps 1.5 lc rgb '#2ca02c' title 'faiss flat (exact)'
unset multiplot
