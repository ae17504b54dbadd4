#!/usr/bin/env bash
# Runs every end-to-end test; each builds and removes its own namespaces.
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
for t in tests/e2e/test_*.sh; do
	echo "== $t"
	if SUFFIX=$$-$passed-$failed bash "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "not ok - $t"
	fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
