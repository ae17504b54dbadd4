#!/usr/bin/env bash
# Runs every fuzzer: `run.sh SECONDS` for SECONDS each (make fuzz), or
# `run.sh smoke` over each seed corpus plus a few thousand runs (make test).
# New inputs a fuzzer finds go to build-fuzz/corpus/TARGET, crashes to
# build-fuzz/crashes/; the seeds in tests/fuzz/corpus/ are never written.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mode=${1:-60}
if [ "$mode" = smoke ]; then
	libfuzzer_args=(-runs=3000)
	prog_args=(--frames 50000)
else
	libfuzzer_args=(-max_total_time="$mode")
	prog_args=(--seconds "$mode")
fi
mkdir -p build-fuzz/crashes
for bin in build-fuzz/fuzz_*; do
	target=${bin#build-fuzz/fuzz_}
	mkdir -p "build-fuzz/corpus/$target"
	echo "== fuzz $target"
	log=build-fuzz/$target.log
	if ! "$bin" "${libfuzzer_args[@]}" -artifact_prefix="build-fuzz/crashes/$target-" \
		"build-fuzz/corpus/$target" "tests/fuzz/corpus/$target" > "$log" 2>&1; then
		tail -40 "$log"
		echo "FAIL: fuzz $target (input saved under build-fuzz/crashes/)" >&2
		exit 1
	fi
	grep -E '^Done [0-9]+ runs' "$log" || tail -3 "$log"
done
echo "== fuzz the XDP program"
if [ "$mode" = smoke ]; then
	# Seeds that once broke the fuzzer itself (66: a frame cut shorter than
	# its Ethernet header before a VLAN tag went in); they replay the same
	# frames only while the generator stays as it is.
	for seed in 66; do
		"$BUILD/tests/prog_fuzz" "${prog_args[@]}" --seed "$seed"
	done
fi
"$BUILD/tests/prog_fuzz" "${prog_args[@]}"
