#!/usr/bin/env bash
# Runs every end-to-end test; each builds and removes its own namespaces.
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
# Each test's seconds are printed after it: CI must stay under an hour.
for t in tests/e2e/test_*.sh; do
	echo "== $t"
	start=$SECONDS
	if SUFFIX=$$-$passed-$failed bash "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "not ok - $t"
	fi
	echo "-- $t: $((SECONDS - start)) s"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
