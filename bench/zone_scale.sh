#!/usr/bin/env bash
# make bench, zone scale: zones of N names (an A record each, a few apex
# records), compiled and published by xdpcast's loader code, next to NSD's
# own load and check of the same file (nsd-checkzone) and the time knotd
# takes from start to answering the zone's SOA (in a namespace of its own).
set -euo pipefail
BUILD=${BUILD:-build}
WORK=$(mktemp -d /tmp/xdpcast-zones.XXXXXX)
NS=xc-zones-$$
trap 'pkill -f "knotd -c $WORK/knot.conf" || true; ip netns del "$NS" 2>/dev/null || true; rm -rf "$WORK"' EXIT
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

# knot_load_s FILE: seconds from starting knotd to the zone being loaded
# (knotc zone-status shows its serial; Knot answers it from then on).
knot_load_s() {
	local start pid
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot.conf" <<CONF
server:
    rundir: "$WORK/knot"
    listen: 127.0.0.1@53
control:
    listen: "$WORK/knot.sock"
database:
    storage: "$WORK/knot"
zone:
  - domain: scale.test
    file: "$1"
    journal-content: none
log:
  - target: stderr
    any: error
CONF
	start=$EPOCHREALTIME
	ip netns exec "$NS" knotd -c "$WORK/knot.conf" 2>/dev/null &
	pid=$!
	until knotc -s "$WORK/knot.sock" zone-status scale.test 2>/dev/null | grep -qE "serial: 1( |$)"; do
		kill -0 "$pid" 2>/dev/null || { echo "knotd exited"; return; }
		sleep 0.05
	done
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}'
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rm -rf "$WORK/knot"
}

zone() {        # zone N: a zone with N names under scale.test.
	tests/tools/names_zone.sh scale.test "$1" > "$WORK/$1.zone"
}

echo "| records | cache entries | compile s | publish s | map MiB | bytes/record | nsd-checkzone s | knotd load s |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "$@"; do
	zone "$n"
	row=$("$BUILD/bench/zone_bench" "$WORK/$n.zone")
	start=$EPOCHREALTIME
	nsd-checkzone scale.test "$WORK/$n.zone" > /dev/null
	printf '%s %s | %s |\n' "$row" "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}')" \
		"$(knot_load_s "$WORK/$n.zone")"
	rm -f "$WORK/$n.zone"
done
