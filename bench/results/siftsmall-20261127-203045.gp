$quiver_1t << EOD
0.971 79855.5 16
0.995 9458.55 32
0.997 10344.6 64
1 5526.51 128
1 2791.04 256
1 1878.88 512
EOD
$quiver_nt << EOD
0.971 43748.7 16
0.995 8314.56 32
0.997 17905 64
1 6174.74 128
1 2958.56 256
1 2794.8 512
EOD
$hnswlib_1t << EOD
0.964 43700.4 16
0.994 8118.39 32
0.997 28815.9 64
1 4273.8 128
1 1768.94 256
1 1284.35 512
EOD
$hnswlib_nt << EOD
0.964 34787.6 16
0.994 7799.99 32
0.997 22177.5 64
1 6484.59 128
1 3781.42 256
1 1885.68 512
EOD
$faiss_1t << EOD
0.957 19356.5 16
0.989 1972.33 32
0.998 2086.83 64
1 1376.57 128
1 645.847 256
1 1182.89 512
EOD
$faiss_nt << EOD
0.957 19103.6 16
0.989 2645.23 32
0.998 2999.3 64
1 2473.96 128
1 990.145 256
1 312.545 512
EOD
$flat_quiver_1t << EOD
1 2369.23
EOD
$flat_quiver_nt << EOD
1 2188.52
EOD
$flat_faiss_1t << EOD
1 401.563
EOD
$flat_faiss_nt << EOD
1 398.958
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/siftsmall-20261127-203045.png'
set multiplot layout 1,2 title 'siftsmall: recall@10 vs QPS  (n=10000, dim=128, M=16, efC=200, 2026-11-27T20:30:45Z)'
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
