#!/usr/bin/env bash
# Runs every fuzzer: `run.sh SECONDS` for SECONDS each (make fuzz), or
# `run.sh smoke` over each seed corpus plus a few thousand runs (make test).
# The fuzzers are in $FUZZ_BUILD (build-fuzz), the program fuzzer in $BUILD.
# New inputs a fuzzer finds go to $FUZZ_BUILD/corpus/TARGET, crashes to
# $FUZZ_BUILD/crashes/; the seeds in tests/fuzz/corpus/ are never written.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
mode=${1:-60}
fuzzers=("$FUZZ_BUILD"/fuzz_*)
if [ ! -x "${fuzzers[0]}" ]; then
	echo "FAIL: no fuzzers in $FUZZ_BUILD/ (make fuzz or make test-fuzz builds them there)" >&2
	exit 1
fi
if [ "$mode" = smoke ]; then
	libfuzzer_args=(-runs=3000)
	prog_args=(--frames 50000)
else
	libfuzzer_args=(-max_total_time="$mode")
	prog_args=(--seconds "$mode")
fi
mkdir -p "$FUZZ_BUILD/crashes"
for bin in "${fuzzers[@]}"; do
	target=${bin#"$FUZZ_BUILD"/fuzz_}
	mkdir -p "$FUZZ_BUILD/corpus/$target"
	echo "== fuzz $target"
	log=$FUZZ_BUILD/$target.log
	if ! "$bin" "${libfuzzer_args[@]}" -artifact_prefix="$FUZZ_BUILD/crashes/$target-" \
		"$FUZZ_BUILD/corpus/$target" "tests/fuzz/corpus/$target" > "$log" 2>&1; then
		tail -40 "$log"
		echo "FAIL: fuzz $target (input saved under $FUZZ_BUILD/crashes/)" >&2
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
