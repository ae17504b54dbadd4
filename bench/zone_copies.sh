#!/usr/bin/env bash
# make bench, the transferred zones' copies (transfer.copies): a zone of N
# names for each N in SIZES read from its file, written as the daemon keeps
# a transferred zone, then read back as a start without its primary does
# (bench/zone_bench -c, the daemon's own code). The ratios are against
# reading the zone file in the same run: what a start from a copy costs
# next to one from a zone file, and what a write costs, which holds the
# zones lane (the daemon writes a copy 5 s after a change and no sooner
# than 50 times its last write took).
#   SIZES="10000 100000" bench/zone_copies.sh
set -euo pipefail
BUILD=${BUILD:-build}
SIZES=${SIZES:-"10000 100000 1000000"}
ZONE=$(mktemp /tmp/xdpcast-copies-bench.XXXXXX)
trap 'rm -f "$ZONE"' EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

echo "| names | zone file MiB | copy MiB | read the file s | write the copy s | read the copy s | write / read the file | read the copy / read the file |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	tests/tools/names_zone.sh scale.test "$n" > "$ZONE"
	read -r _ read_s write_s reread_s file_bytes copy_bytes <<< "$("$BUILD/bench/zone_bench" -c "$ZONE")"
	printf '| %d | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$(mib "$file_bytes")" "$(mib "$copy_bytes")" \
		"$read_s" "$write_s" "$reread_s" "$(ratio "$write_s" "$read_s")" "$(ratio "$reread_s" "$read_s")"
done
