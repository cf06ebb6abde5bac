$quiver_1t << EOD
0.965 143364 16
0.995 75455 32
0.997 41316.7 64
1 21605.3 128
1 12012.6 256
1 6507.92 512
EOD
$quiver_nt << EOD
0.965 239541 16
0.995 134280 32
0.997 73907.7 64
1 38126.7 128
1 21681.3 256
1 12261.8 512
EOD
$hnswlib_1t << EOD
0.965 113789 16
0.994 60644 32
0.997 32741.8 64
1 18023.2 128
1 9754.16 256
1 5817.9 512
EOD
$hnswlib_nt << EOD
0.965 161118 16
0.994 93416.4 32
0.997 53974.3 64
1 30997.7 128
1 17234 256
1 9101.72 512
EOD
$faiss_1t << EOD
0.958 28062.5 16
0.989 17724.6 32
0.998 10281.4 64
1 5776.27 128
1 3146.47 256
1 1507.86 512
EOD
$faiss_nt << EOD
0.958 68150 16
0.989 40732 32
0.998 21410.2 64
1 12285.6 128
1 6271.03 256
1 2986.19 512
EOD
$flat_quiver_1t << EOD
1 10066.3
EOD
$flat_quiver_nt << EOD
1 18251.9
EOD
$flat_faiss_1t << EOD
1 1796.08
EOD
$flat_faiss_nt << EOD
1 21441
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/siftsmall-20261127-230840.png'
set multiplot layout 1,2 title 'siftsmall: recall@10 vs QPS  (n=10000, dim=128, M=16, efC=200, 2026-11-27T23:08:40Z)'
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
