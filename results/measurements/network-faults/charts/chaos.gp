set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'
set output 'chaos.svg'
set title 'Duplicates and loss by scenario and mode'
set grid ytics
set key outside right
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -35
set ylabel 'records'
set yrange [0:*]
set bmargin 9
plot for [i=2:3] 'chaos.dat' using i:xtic(1) title columnheader(i)
