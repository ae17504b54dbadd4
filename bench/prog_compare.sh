#!/usr/bin/env bash
# make bench BEFORE=REV: the program's cost per path (bench/prog_bench) of
# revision REV next to this tree's, in the same run: REV is built in a
# temporary worktree, then the two run in turn ROUNDS times (the first of
# each round alternating); each path
# shows the lowest of its per-run figures (bench/prog_bench's statistic)
# on either side, and after / before.
# Usage: bench/prog_compare.sh REV SAMPLES
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
rev=$1 samples=$2 rounds=${ROUNDS:-3}
before=$(mktemp -d /tmp/xdpcast-before.XXXXXX)
runs=$(mktemp -d /tmp/xdpcast-runs.XXXXXX)
trap 'git worktree remove --force "$before" 2>/dev/null || rm -rf "$before"; rm -rf "$runs"' EXIT
git worktree add --detach "$before" "$rev" > /dev/null 2>&1
make -C "$before" BUILD=build build/bench/prog_bench > "$runs/build.log" 2>&1 ||
	{ echo "building $rev failed:"; tail -20 "$runs/build.log"; exit 1; }
# Which side goes first alternates by round: the first of a pair can read
# faster or slower for the machine's sake, not the program's.
run_before() { (cd "$before" && build/bench/prog_bench "$samples") > "$runs/before.$1"; }
run_after() { "$BUILD/bench/prog_bench" "$samples" > "$runs/after.$1"; }
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		run_before "$r"
		run_after "$r"
	else
		run_after "$r"
		run_before "$r"
	fi
done
awk -F' *\\| *' -v rev="$(git rev-parse --short "$rev")" '
	/^\| [a-zA-Z]/ && $2 != "path" {
		key = (FILENAME ~ /before/ ? "before" : "after") SUBSEP $2
		if (!(key in best) || $3 + 0 < best[key])
			best[key] = $3 + 0
		if (!($2 in seen)) {
			seen[$2] = 1
			order[n++] = $2
		}
	}
	END {
		print "| path | before (" rev ") ns/pkt | after ns/pkt | after / before |"
		print "|---|---:|---:|---:|"
		for (i = 0; i < n; i++) {
			b = best["before" SUBSEP order[i]]
			a = best["after" SUBSEP order[i]]
			if (a && b)
				printf "| %s | %.0f | %.0f | %.2f |\n", order[i], b, a, a / b
		}
	}' "$runs"/before.* "$runs"/after.*
