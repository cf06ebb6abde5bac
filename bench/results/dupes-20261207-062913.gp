$quiver_1t << EOD
0.8534 46368.2 10
0.9109 33934.4 16
0.9457 26588.5 24
0.9681 20561.5 32
0.9896 14468.2 48
0.9944 11967.1 64
0.999 9973.56 96
0.9993 6609.22 128
0.9999 5800.71 256
EOD
$quiver_nt << EOD
0.8534 43490.6 10
0.9109 28989.6 16
0.9457 22910.8 24
0.9681 18787.6 32
0.9896 14547.7 48
0.9944 11701.9 64
0.999 11826.9 96
0.9993 8178.4 128
0.9999 5743.99 256
EOD
$hnswlib_1t << EOD
0.8471 36894.9 10
0.9 31558.5 16
0.9325 23340.2 24
0.9588 20542.1 32
0.9776 14035.3 48
0.9874 10905.5 64
0.997 7141.06 96
0.9991 6397.91 128
0.9998 4396.1 256
EOD
$hnswlib_nt << EOD
0.8471 38243.5 10
0.9 30755.3 16
0.9325 25091.6 24
0.9588 18972.1 32
0.9776 14174.6 48
0.9874 10973.4 64
0.997 9786.69 96
0.9991 6829.67 128
0.9998 4340.34 256
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/dupes-20261207-062913.png'
set multiplot layout 1,2 title 'dupes: recall@10 vs QPS  (n=100000, dim=128, M=16, efC=200, 2026-12-07T06:29:13Z)'
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
