#!/usr/bin/env bash
# make bench: program cost per path against the baseline, same run (and
# against revision BEFORE's program when given), then floods against a
# legitimate client, then zones at scale and zone changes next to NSD and
# Knot. QUICK=1 uses fewer repetitions, shorter floods, smaller zones.
# Results go to RESULTS (default bench/results), the day's file replaced
# only by a run that finished.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/figures.sh
BUILD=${BUILD:-build}
# Asked once for live.sh and servers.sh (each asks itself when run alone).
KNOT_XDP_REFUSED=$(knot_xdp_refusal)
export KNOT_XDP_REFUSED
samples=$([ "${QUICK:-0}" = 1 ] && echo 20000 || echo 200000)
flood_seconds=$([ "${QUICK:-0}" = 1 ] && echo 2 || echo 5)
server_loads=$([ "${QUICK:-0}" = 1 ] && echo "10000 40000" || echo "10000 40000 80000")
server_seconds=$([ "${QUICK:-0}" = 1 ] && echo 2 || echo 3)
server_repeats=$([ "${QUICK:-0}" = 1 ] && echo 1 || echo 3)
live_seconds=$([ "${QUICK:-0}" = 1 ] && echo 2 || echo 3)
live_runs=$([ "${QUICK:-0}" = 1 ] && echo 1 || echo 3)
stall_names=$([ "${QUICK:-0}" = 1 ] && echo 100000 || echo 1000000)
zone_sizes=$([ "${QUICK:-0}" = 1 ] && echo "10000 100000" || echo "10000 100000 1000000 10000000")
many_zones=$([ "${QUICK:-0}" = 1 ] && echo 10000 || echo 100000)
change_names=$([ "${QUICK:-0}" = 1 ] && echo 100000 || echo 1000000)
results=${RESULTS:-bench/results}
mkdir -p "$results"
out=$results/$(date -u +%Y-%m-%d).md
if [ "${QUICK:-0}" = 1 ]; then
	out=${out%.md}-quick.md         # never over a full run's results
fi
partial=$out.partial
trap '[ ! -e "$partial" ] || echo "make bench failed partway: what ran is in $partial, $out is as it was" >&2' EXIT
{
	echo "# xdpcast bench $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); kernel $(uname -r);"
	echo "clang $(clang --version | awk '/version/ {print $4; exit}'), libbpf $(pkg-config --modversion libbpf), libxdp $(pkg-config --modversion libxdp)"
	echo
	statistic="mean of the middle half"
	[ -z "${PROG_BENCH_PERCENTILE:-}" ] || statistic="percentile $PROG_BENCH_PERCENTILE"
	echo "## Program cost (BPF_PROG_TEST_RUN, $statistic of $samples single-packet runs)"
	echo
	echo "Baseline: bench/baseline.bpf.c parses the same frame with xdpcast's parser,"
	echo "swaps MACs, addresses and ports in place and returns XDP_TX. Each run's"
	echo "time includes the kernel's clock reads and the run's setup: what the empty"
	echo "program (bpf/xdp_pass.bpf.c, measured the same way) takes. The net ratio"
	echo "takes that out of both: (xdpcast - empty) / (baseline - empty)."
	echo "Each single run starts cold (here every bpf() call flushes the TLB: page"
	echo "table isolation without PCID); the warm columns, for the paths that leave"
	echo "the frame as it was (pass, drop), run it 100 times in one call."
	echo
	"$BUILD/bench/prog_bench" "$samples"
	echo
	if [ -n "${BEFORE:-}" ]; then
		echo "### Against revision $BEFORE (built alongside, the two run in turn 3 times; the lowest figure of each)"
		echo
		BUILD=$BUILD bench/prog_compare.sh "$BEFORE" "$samples"
		echo
	fi
	echo "## Live traffic (the generator at its highest rate, $live_seconds s, median of $live_runs runs; bpf_stats on)"
	echo
	echo "kxdpgun (AF_XDP, one thread; bench/floodgen where the kernel refuses"
	echo "kxdpgun's program, as a line below then says) in the client namespace; the program on the"
	echo "server's native-mode veth answers with XDP_TX. pps is kxdpgun's replies per"
	echo "second; ns/pkt is the program's own run_time_ns / run_cnt over the run"
	echo "(bpf_stats adds its own clock reads to each: the empty program's ns/pkt)."
	echo "bare (bench/bare.bpf.c)"
	echo "swaps and sets QR, nothing else: the ceiling. Knot-XDP's program only"
	echo "redirects to knotd's AF_XDP sockets; knotd answers. xdpcast has NSD"
	echo "behind it, limits and RRL off here, on in the third table. alu and"
	echo "alu-unrolled are bare with ~500 ns of ALU work a frame, in a loop and"
	echo "unrolled: the second table's last column, each program's time per reply"
	echo "beyond bare's (kxdpgun's one thread carries the whole path) less its own"
	echo "time beyond bare's, is what its code footprint costs the rest of the path."
	echo
	RUNS=$live_runs LIVE_SECONDS=$live_seconds BUILD=$BUILD bench/live.sh | grep -E '^(\||$|Not measured)'
	echo
	echo "## Scaling with cores (bench/floodgen, one per queue and core, $live_seconds s)"
	echo
	echo "Both cores also run the generators: compare each program's gain from one"
	echo "queue to two, not the rates. The last row is xdpcast's gain as a share of"
	echo "bare's, (speed-up - 1) / (bare's speed-up - 1): 1 scales as bare does, 0 not at all."
	echo
	LIVE_SECONDS=$live_seconds BUILD=$BUILD bench/scaling.sh | grep '^|'
	echo
	echo "## Against the servers users would pick instead (dnsperf, same zone and query mix; median of $server_repeats runs of $server_seconds s per load)"
	echo
	echo "Server process CPU is every thread of NSD or knotd (for xdpcast: NSD and"
	echo "xdpcastd, which answer nothing here: XDP does). Softirq is the whole"
	echo "machine's, where XDP and the veths run, the client's side included, so it"
	echo "is noisy (10 ms ticks of /proc/stat); compare rows at the same load. CPU"
	echo "per answer is (process + softirq) / answered qps; the median run by it is shown."
	echo
	REPEATS=$server_repeats LOAD_SECONDS=$server_seconds LOADS="$server_loads" BUILD=$BUILD bench/servers.sh | grep -E '^(\||$|Not measured)'
	echo
	echo "## Floods (bench/floodgen at its highest rate for $flood_seconds s each, dnsperf at 500 qps alongside)"
	echo
	echo "Offered is what floodgen wrote into the client's veth from one core; the XDP"
	echo "program runs in the veth's NAPI on that core. Answers to spoofed sources are"
	echo "XDP_TX'd back into the client namespace, whose kernel then drops them: that"
	echo "work, not xdpcast's, is what costs the legitimate client in the rows that"
	echo "are answered (random names under our zone, spoofed sources). CPU is what NSD"
	echo "and xdpcastd used in userspace meanwhile."
	echo
	FLOOD_SECONDS=$flood_seconds BUILD=$BUILD bench/flood.sh | grep '^|'
	echo
	echo "## Zone scale (same files for xdpcast, NSD 4.6 and Knot 3.2, one after the other)"
	echo
	echo "One zone of N names (an A record each), then $many_zones zones of 10 names. Map"
	echo "bytes per record are what the answer cache's maps take by the kernel's own"
	echo "accounting (memlock of the names map and of every blob page in use); kernel"
	echo "bytes what the slab and vmalloc counters grew by while bench/zone_bench built"
	echo "it. Start → answered is from starting the server to the last name answered"
	echo "(for xdpcast by XDP: nothing else listens), through the program load, the"
	echo "zone reads and compilation. Peak RSS is VmHWM (for NSD the largest of its"
	echo "processes). Ratios are xdpcast's over NSD's."
	echo
	SIZES="$zone_sizes" MANY=$many_zones BUILD=$BUILD bench/zone_scale.sh | grep '^|'
	echo
	echo "## The transferred zones' copies on disk (bench/zone_copies.sh)"
	echo
	echo "One zone of N names read from its file, written as transfer.copies keeps a"
	echo "transferred zone (libknot's text, names in full), then read back as a start"
	echo "without its primary reads it; ratios against reading the zone file. A write"
	echo "holds the zones lane: the daemon waits 50 times the last one before the next."
	echo
	SIZES="$zone_sizes" BUILD=$BUILD bench/zone_copies.sh
	echo
	echo "## The daemon while it reloads a large zone (bench/stall.sh)"
	echo
	echo "xdpcastctl status every 20 ms during a SIGHUP reload of a zone of N names:"
	echo "the slowest answer, and the longest turn of the daemon's event loop (its"
	echo "own probe). Before the event loop (a4fecc8) status waited for the whole"
	echo "reload: 124.8 s at 1M names. Then a status of $many_zones zones of 10 names"
	echo "(encoding one held the loop ~0.6 s at 100,000 zones before 2026-12-02)."
	echo
	BUILD=$BUILD MANY_ZONES=$many_zones bench/stall.sh $stall_names
	echo
	echo "## Zone changes (a Knot 3.2 primary, xdpcastd its secondary: NOTIFY, IXFR, written in place)"
	echo
	echo "A zone of $change_names names. Each change gives N names a new address in one"
	echo "transaction on the primary; times run from the start of knotc zone-commit to"
	echo "the last changed name answered with its new address, by the primary itself"
	echo "and by XDP, and the difference. Names written are those xdpcastd rewrote in"
	echo "the answer cache: the changed names, the apex (its SOA) and the names whose"
	echo "negative answers carry the SOA in a tail of their own (here ns1, the MNAME)."
	echo
	N=$change_names BUILD=$BUILD bench/zone_change.sh | grep '^|'
} | tee "$partial"
mv "$partial" "$out"
# The program-cost rows (path, ratio) as a bar chart next to the table.
awk -F'|' '/^## Program cost/ {p = 1; next} /^#/ {p = 0}
	p && /^\| / && $2 !~ /^ path|^---/ {gsub(/^ +| +$/, "", $2); gsub(/ /, "", $5); print $2 "\t" $5}' "$out" \
	> "${out%.md}.tsv"
gnuplot -e "data='${out%.md}.tsv'; out='${out%.md}.png'" bench/plot.gp
rm -f "${out%.md}.tsv"
echo "saved $out and ${out%.md}.png"
