set terminal svg size 760,380 dynamic font 'sans,11' background rgb 'white'
set output 'timeline-3.svg'
set title 'crash-direct (direct, seed 2): records/s'
set grid ytics
set key outside right
set xlabel 's from the first batch'
set ylabel 'records/s'
set yrange [0:*]
unset key
set arrow from 2.005, graph 0 to 2.005, graph 1 nohead lc rgb 'red' dt 2
set label 'kill' at 2.105, graph 0.95 tc rgb 'red' font ',9'
plot 'timeline-3.dat' using 1:2 with steps lw 2
