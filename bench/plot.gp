# bench/plot.gp: the plot of `make bench`. gnuplot -e "dir='RESULTS_DIR'" bench/plot.gp
# Left: client latency (connect -> response complete) CDF of the cold cycle, zerg vs the
# fork/exec peer. Right: spawn -> ready CDF, zerg (shared and per-instance netns) vs the peer.
# Data: the *.dat files bench/report.py writes (value, cumulative fraction).
if (!exists("dir")) dir = "bench/results"
set terminal pngcairo size 1400,560 font "sans,10"
set output dir."/bench.png"
set multiplot layout 1,2 title "zerg vs fork/exec peer (same fixture guest)"
set grid
set key bottom right
set logscale x
set ylabel "fraction of connections"
set yrange [0:1]
set title "cold cycle: connect -> response complete"
set xlabel "ms (log scale)"
plot dir."/cdf-zerg-cycle.dat" using 1:2 with lines lw 2 title "zerg (sandbox on)", \
     dir."/cdf-peer-cycle.dat" using 1:2 with lines lw 2 title "fork/exec peer"
set title "spawn -> ready (boot)"
set ylabel "fraction of instances"
plot dir."/boot-zerg.dat" using 1:2 with lines lw 2 title "zerg, netns shared", \
     dir."/boot-zerg-pi.dat" using 1:2 with lines lw 2 title "zerg, netns per-instance", \
     dir."/boot-peer.dat" using 1:2 with lines lw 2 title "fork/exec peer (fork -> ready)"
unset multiplot
