# gnuplot -e "data='RATIOS.tsv'; out='PLOT.png'" bench/plot.gp
# The program-cost table as bars: each path's ns/packet over the baseline's
# from the same run (1 = as cheap as parsing, swapping and XDP_TX).
set terminal pngcairo size 1000,760 font ",10"
set output out
set datafile separator "\t"
set title "xdpcast: cost per packet relative to the baseline, parse and XDP\\_TX (BPF\\_PROG\\_TEST\\_RUN, same run)"
set xlabel "ns/packet ÷ baseline ns/packet"
set xrange [0:*]
set offsets 0, graph 0.06, 0, 0
set yrange [-1:*] reverse
set ytics nomirror
set grid xtics
set style fill solid 0.7 border -1
unset key
plot data using ($2/2):0:($2/2):(0.35):yticlabels(1) with boxxyerror lc rgb "#3b6ea8", \
     data using 2:0:(sprintf(" %.1f", $2)) with labels left
