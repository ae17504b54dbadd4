# gnuplot -e "data='answers.tsv'; events='events.tsv'; out='lab.png'" tests/system/lab_plot.gp
# The lab's answers per second per PoP through the failure sequence, one
# panel per client region, with each event (numbered as in the table) as
# a dashed line. Columns of data: seconds, then for region A pop1, pop2,
# pop3, lost, then the same for region B (tests/system/lab_report.py).
set terminal pngcairo size 1200,800 font ",10"
set output out
set datafile separator "\t"
set multiplot layout 2,1 title "xdpcast lab: which PoP answers each region (CHAOS id.server, IPv4 + IPv6)"
set xlabel "seconds since the baseline"
set ylabel "answers / s"
set xrange [0:*]
set autoscale xfixmax
set yrange [0:*]
set grid ytics
set key outside right top
do for [r = 0:1] {
	set title sprintf("region %s (behind transit %s)", r ? "B" : "A", r ? "B" : "A")
	plot events using 1:3 with impulses dt 2 lc rgb "#888888" notitle, \
	     events using 1:3:(sprintf("%d", $2)) with labels offset 0,0.6 notitle, \
	     data using 1:(column(2 + 4 * r)) with steps lw 2 lc rgb "#3b6ea8" title "pop1", \
	     data using 1:(column(3 + 4 * r)) with steps lw 2 lc rgb "#e08a1e" title "pop2", \
	     data using 1:(column(4 + 4 * r)) with steps lw 2 lc rgb "#4a9a4a" title "pop3", \
	     data using 1:(column(5 + 4 * r)) with steps lw 2 lc rgb "#c0392b" title "lost (timeouts)"
}
unset multiplot
