set terminal svg size 760,380 dynamic font 'sans,11' background rgb 'white'
set output 'timeline-2.svg'
set title 'crash-checkpoint (checkpoint, seed 4): records/s'
set grid ytics
set key outside right
set xlabel 's from the first batch'
set ylabel 'records/s'
set yrange [0:*]
unset key
set arrow from 2.007, graph 0 to 2.007, graph 1 nohead lc rgb 'red' dt 2
set label 'kill' at 2.107, graph 0.95 tc rgb 'red' font ',9'
plot 'timeline-2.dat' using 1:2 with steps lw 2
