#!/usr/bin/env bash
# tests/fuzz/run.sh runs the fuzzers of $FUZZ_BUILD and the program fuzzer
# of $BUILD, with their corpora and crashes there; without fuzzers it says
# where it looked. Stubs stand in for the fuzzers: each records how it
# was run.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "fuzz run_test: $*" >&2; exit 1; }

mkdir -p "$tmp/empty" "$tmp/fuzz" "$tmp/build/tests"
if out=$(FUZZ_BUILD=$tmp/empty BUILD=$tmp/build tests/fuzz/run.sh smoke 2>&1); then
	fail "ran without fuzzers: $out"
fi
[ "$out" = "FAIL: no fuzzers in $tmp/empty/ (make fuzz or make test-fuzz builds them there)" ] ||
	fail "without fuzzers it said: $out"

for stub in "$tmp/fuzz/fuzz_zone" "$tmp/build/tests/prog_fuzz"; do
	cat > "$stub" <<STUB
#!/bin/sh
echo "\$*" >> "$stub.ran"
echo "Done 3 runs in 0 second(s)"
STUB
	chmod +x "$stub"
done
out=$(FUZZ_BUILD=$tmp/fuzz BUILD=$tmp/build tests/fuzz/run.sh 5 2>&1) || fail "stubs failed: $out"
[ "$(cat "$tmp/fuzz/fuzz_zone.ran")" = "-max_total_time=5 -artifact_prefix=$tmp/fuzz/crashes/zone- $tmp/fuzz/corpus/zone tests/fuzz/corpus/zone" ] ||
	fail "fuzz_zone ran as: $(cat "$tmp/fuzz/fuzz_zone.ran")"
[ "$(cat "$tmp/build/tests/prog_fuzz.ran")" = "--seconds 5" ] ||
	fail "prog_fuzz ran as: $(cat "$tmp/build/tests/prog_fuzz.ran")"
[ -d "$tmp/fuzz/crashes" ] && [ -d "$tmp/fuzz/corpus/zone" ] || fail "no crashes or corpus directory in FUZZ_BUILD"

printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer"\nexit 77\n' > "$tmp/fuzz/fuzz_zone"
if out=$(FUZZ_BUILD=$tmp/fuzz BUILD=$tmp/build tests/fuzz/run.sh 5 2>&1); then
	fail "a failing fuzzer passed: $out"
fi
grep -qx "FAIL: fuzz zone (input saved under $tmp/fuzz/crashes/)" <<< "$out" || fail "a failing fuzzer: $out"
echo "fuzz run_test: ok"
