set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'
set output 'timeline-0.svg'
set title 'm-broker-others-async-commit (async-commit, seed 31): records/s'
set grid ytics
set key outside right
set xlabel 's from the first batch'
set ylabel 'records/s'
set yrange [0:*]
unset key
set arrow from 3.31, graph 0 to 3.31, graph 1 nohead lc rgb 'red' dt 2
set label 'partition' at 3.41, graph 0.95 tc rgb 'red' font ',9'
plot 'timeline-0.dat' using 1:2 with steps lw 2
