$quiver_1t << EOD
0.9586 37420.7 10
0.9812 30120.1 16
0.9947 23039.8 24
0.9978 19589.3 32
0.9996 11455.5 48
0.9997 13404.8 64
1 7322.69 96
1 9450.38 128
1 6477.94 256
EOD
$quiver_nt << EOD
0.9586 32721.8 10
0.9812 26735.9 16
0.9947 22639.5 24
0.9978 17708 32
0.9996 12324.1 48
0.9997 11926.6 64
1 8436.42 96
1 11024.3 128
1 7681.2 256
EOD
$hnswlib_1t << EOD
0.954 23613.8 10
0.9772 23643.5 16
0.9908 17134.3 24
0.9945 14232.2 32
0.9981 8539.44 48
0.9997 8586.39 64
0.9999 5744.18 96
1 9726.31 128
1 4463.54 256
EOD
$hnswlib_nt << EOD
0.954 26557.9 10
0.9772 23667.7 16
0.9908 16602.7 24
0.9945 14884.4 32
0.9981 9018.32 48
0.9997 8969.86 64
0.9999 5911.3 96
1 8385.17 128
1 4887.36 256
EOD
set terminal pngcairo noenhanced size 1400,600 font 'sans,10'
set output '/work/main/bench/results/dupes-20261207-060450.png'
set multiplot layout 1,2 title 'dupes: recall@10 vs QPS  (n=20000, dim=128, M=16, efC=200, 2026-12-07T06:04:50Z)'
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
