set terminal svg size 760,380 dynamic font 'sans,11' background rgb 'white'
set output 'sweep-partitions.svg'
set title 'Throughput against partitions (pipeline full; median of the repetitions)'
set grid ytics
set key outside right
set logscale x 2
set logscale y
set xlabel 'partitions'
set ylabel 'records/s (log scale)'
set key autotitle columnhead
plot for [i=2:6] 'sweep-partitions.dat' using 1:i with linespoints lw 2
