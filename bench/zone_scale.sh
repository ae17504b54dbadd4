#!/usr/bin/env bash
# make bench, zone scale: zones of N names (an A record each, a few apex
# records), compiled and published by xdpcast's loader code, next to NSD's
# own load and check of the same file (nsd-checkzone).
set -euo pipefail
BUILD=${BUILD:-build}
WORK=$(mktemp -d /tmp/xdpcast-zones.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

zone() {        # zone N: a zone with N names under scale.test.
	awk -v n="$1" 'BEGIN {
		print "$ORIGIN scale.test."
		print "@ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 300"
		print "@ 3600 IN NS ns1"
		print "ns1 3600 IN A 192.0.2.53"
		for (i = 0; i < n; i++)
			printf "h%d 300 IN A 192.0.2.%d\n", i, i % 250 + 1
	}' > "$WORK/$1.zone"
}

echo "| records | cache entries | compile s | publish s | map MiB | bytes/record | nsd-checkzone s |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "$@"; do
	zone "$n"
	row=$("$BUILD/bench/zone_bench" "$WORK/$n.zone")
	start=$EPOCHREALTIME
	nsd-checkzone scale.test "$WORK/$n.zone" > /dev/null
	printf '%s %s |\n' "$row" "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}')"
	rm -f "$WORK/$n.zone"
done
