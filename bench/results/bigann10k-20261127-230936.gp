$quiver_1t << EOD
0.994 129277 16
0.997 66701.6 32
1 34784.3 64
1 17636.2 128
1 9675.81 256
1 5537.92 512
EOD
$quiver_nt << EOD
0.994 216652 16
0.997 116852 32
1 62648.9 64
1 32414.7 128
1 18139 256
1 10407 512
EOD
$hnswlib_1t << EOD
0.992 92043.7 16
0.997 48463 32
1 26125.3 64
1 13542.3 128
1 7983.98 256
1 4415.83 512
EOD
$hnswlib_nt << EOD
0.992 133428 16
0.997 79458.5 32
1 45898.4 64
1 25136.8 128
1 14227.5 256
1 8246.91 512
EOD
$faiss_1t << EOD
0.991 23132.1 16
0.995 14493.4 32
1 8838.77 64
1 4840.27 128
1 2775.64 256
1 1357.18 512
EOD
$faiss_nt << EOD
0.991 60355.3 16
0.995 33064 32
1 18563.8 64
1 10347.2 128
1 5468.92 256
1 2701.04 512
EOD
$flat_quiver_1t << EOD
1 10581.8
EOD
$flat_quiver_nt << EOD
1 18561.6
EOD
$flat_faiss_1t << EOD
1 1756.8
EOD
$flat_faiss_nt << EOD
1 21452.5
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/bigann10k-20261127-230936.png'
set multiplot layout 1,2 title 'bigann10k: recall@10 vs QPS  (n=10000, dim=128, M=16, efC=200, 2026-11-27T23:09:36Z)'
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
