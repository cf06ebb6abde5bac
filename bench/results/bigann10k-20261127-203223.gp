$quiver_1t << EOD
0.992 20856.6 16
0.996 13354.5 32
1 8356.73 64
1 8573.57 128
1 8351.37 256
1 1075.39 512
EOD
$quiver_nt << EOD
0.992 25433.3 16
0.996 10599.3 32
1 7976.58 64
1 9299.21 128
1 8384.08 256
1 1810.7 512
EOD
$hnswlib_1t << EOD
0.992 15759.3 16
0.998 9173.58 32
1 7011.34 64
1 6473.73 128
1 7990.24 256
1 823.397 512
EOD
$hnswlib_nt << EOD
0.992 32785.8 16
0.998 10163.9 32
1 8453.66 64
1 13034.5 128
1 7035.39 256
1 1155.68 512
EOD
$faiss_1t << EOD
0.991 4037.32 16
0.997 2375.04 32
1 1553.56 64
1 4566.16 128
1 1025.14 256
1 217.55 512
EOD
$faiss_nt << EOD
0.991 10170.4 16
0.997 2809.09 32
1 4354.31 64
1 4850.68 128
1 1405.37 256
1 324.737 512
EOD
$flat_quiver_1t << EOD
1 2317.53
EOD
$flat_quiver_nt << EOD
1 2061.09
EOD
$flat_faiss_1t << EOD
1 305.449
EOD
$flat_faiss_nt << EOD
1 6340.67
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/bigann10k-20261127-203223.png'
set multiplot layout 1,2 title 'bigann10k: recall@10 vs QPS  (n=10000, dim=128, M=16, efC=200, 2026-11-27T20:32:23Z)'
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
