set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'
set output 'ratio.svg'
set title 'Throughput by mode as a ratio to the bare reference, per pipeline level'
set grid ytics
set key outside right
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'throughput / reference (same run)'
set yrange [0:*]
plot for [i=2:3] 'ratio.dat' using i:xtic(1) title columnheader(i)
