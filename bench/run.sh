#!/usr/bin/env bash
# make bench: program cost per path against the baseline, same run.
# QUICK=1 uses fewer repetitions.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
samples=$([ "${QUICK:-0}" = 1 ] && echo 20000 || echo 200000)
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
} | tee "$out"
echo "saved $out"
