set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'
set output 'timeline-1.svg'
set title 'm-broker-others-checkpoint (checkpoint, seed 31): records/s'
set grid ytics
set key outside right
set xlabel 's from the first batch'
set ylabel 'records/s'
set yrange [0:*]
unset key
set arrow from 3.315, graph 0 to 3.315, graph 1 nohead lc rgb 'red' dt 2
set label 'partition' at 3.415, graph 0.95 tc rgb 'red' font ',9'
plot 'timeline-1.dat' using 1:2 with steps lw 2
