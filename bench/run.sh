#!/usr/bin/env bash
# make bench: program cost per path against the baseline, same run, then
# floods against a legitimate client. QUICK=1 uses fewer repetitions and
# shorter floods.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
samples=$([ "${QUICK:-0}" = 1 ] && echo 20000 || echo 200000)
flood_seconds=$([ "${QUICK:-0}" = 1 ] && echo 2 || echo 5)
server_loads=$([ "${QUICK:-0}" = 1 ] && echo "10000 40000" || echo "10000 40000 80000")
server_seconds=$([ "${QUICK:-0}" = 1 ] && echo 2 || echo 3)
zone_sizes=$([ "${QUICK:-0}" = 1 ] && echo "10000 100000" || echo "10000 100000 1000000")
mkdir -p bench/results
out=bench/results/$(date -u +%Y-%m-%d).md
{
	echo "# xdpcast bench $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); kernel $(uname -r);"
	echo "clang $(clang --version | awk '/version/ {print $4; exit}'), libbpf $(pkg-config --modversion libbpf), libxdp $(pkg-config --modversion libxdp)"
	echo
	echo "## Program cost (BPF_PROG_TEST_RUN, median of $samples single-packet runs; each includes the kernel's clock reads)"
	echo
	echo "Baseline: bench/baseline.bpf.c parses the same frame with xdpcast's parser,"
	echo "swaps MACs, addresses and ports in place and returns XDP_TX."
	echo
	"$BUILD/bench/prog_bench" "$samples"
	echo
	echo "## Against the servers users would pick instead ($server_seconds s per load, dnsperf, same zone and query mix)"
	echo
	echo "Server process CPU is every thread of NSD or knotd (for xdpcast: NSD and"
	echo "xdpcastd, which answer nothing here: XDP does). Softirq is the whole"
	echo "machine's, where XDP and the veths run, the client's side included, so it"
	echo "is noisy; compare rows at the same load."
	echo
	LOAD_SECONDS=$server_seconds LOADS="$server_loads" BUILD=$BUILD bench/servers.sh | grep '^|'
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
	echo "## Zone scale (one A record per name; compile and publish with the loader's code)"
	echo
	echo "Each name gives three cache entries (its type, its other types, the names"
	echo "below it), each a fixed-size value of ~1.5 KB: memory is the price of"
	echo "answering NODATA and NXDOMAIN in XDP. nsd-checkzone reads and checks the"
	echo "same file, as NSD does when it loads it."
	echo
	BUILD=$BUILD bench/zone_scale.sh $zone_sizes
} | tee "$out"
echo "saved $out"
