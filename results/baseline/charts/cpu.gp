set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'
set output 'cpu.svg'
set title 'CPU per record by mode (user + system of the worker)'
set grid ytics
set key outside right
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'CPU seconds per million records'
set yrange [0:*]
plot for [i=2:3] 'cpu.dat' using i:xtic(1) title columnheader(i)
