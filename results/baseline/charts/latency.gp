set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'
set output 'latency.svg'
set title 'End-to-end latency percentiles by mode'
set grid ytics
set key outside right
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'ms (log scale)'
plot for [i=2:6] 'latency.dat' using i:xtic(1) title columnheader(i)
