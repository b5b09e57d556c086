set terminal svg size 760,380 dynamic font 'sans,11' background rgb 'white'
set output 'timeline-0.svg'
set title 'async-rebalance-duplicates (async-commit, seed 108): records/s'
set grid ytics
set key outside right
set xlabel 's from the first batch'
set ylabel 'records/s'
set yrange [0:*]
unset key
set arrow from 2.509, graph 0 to 2.509, graph 1 nohead lc rgb 'red' dt 2
set label 'slow-batch' at 2.609, graph 0.95 tc rgb 'red' font ',9'
set arrow from 3.003, graph 0 to 3.003, graph 1 nohead lc rgb 'red' dt 2
set label 'add-worker' at 3.103, graph 0.88 tc rgb 'red' font ',9'
plot 'timeline-0.dat' using 1:2 with steps lw 2
