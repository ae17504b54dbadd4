#!/usr/bin/env bash
# make bench, zone scale: one zone of N names for each N in SIZES (an A
# record each, a few apex records), then MANY zones of 10 names, served by
# xdpcast, NSD and Knot in turn on the same files in the same run. For each:
# the answer cache's kernel memory per record (the maps' own accounting,
# and what the kernel's slab and vmalloc counters grew by, from
# bench/zone_bench), the time from starting the server to the last name
# being answered (for xdpcast by XDP: nothing else listens), and the
# server's peak RSS (for NSD the largest of its processes: the one that
# read the zones). Ratios are xdpcast's over NSD's.
source "$(dirname "$0")/../tests/e2e/lib.sh"

SIZES=${SIZES:-"10000 100000 1000000"}
MANY=${MANY:-100000}
TIMEOUT_S=600

# one_zone N FILE: scale.test with N names h0..h(N-1).
one_zone() {
	tests/tools/names_zone.sh scale.test "$1" > "$2"
}

# zone_lines FORMAT LIST: FORMAT (printf, with the zone's name then its
# file) for each zone file LIST names; the name from the file's $ORIGIN.
zone_lines() {
	awk -v format="$1" '{
		file = $0
		if ((getline line < file) > 0) {
			split(line, word, " ")
			name = word[2]
			sub(/\.$/, "", name)
			printf format, name, file
		}
		close(file)
	}' "$2"
}

# answered_s SERVER NAME WANT PID LOG: seconds from $STARTED (date +%s.%N)
# until NAME A is WANT at SERVER, whose process is PID, logging to LOG.
answered_s() {
	local at
	at=$(cli python3 "$ROOT/bench/first_answer.py" "$1" "$2" "$3" "$TIMEOUT_S" "$4")
	[ "$at" != ended ] || fail "the server at $1 exited before answering $2: $(tail -5 "$5")"
	[ "$at" != none ] || fail "$2 was not answered by $1 within $TIMEOUT_S s"
	awk -v a="$STARTED" -v b="$at" 'BEGIN {printf "%.2f", b - a}'
}

# peak_mib PID...: the largest peak RSS (VmHWM) of the processes, MiB.
peak_mib() {
	local pid
	for pid in "$@"; do awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null; done |
		sort -n | tail -1 | awk '{printf "%.0f", $1 / 1024}'
}

stop() {        # stop PID: SIGTERM, and wait for it to go
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# nsd_run LIST LAST WANT: NSD with the zone files LIST names; sets NSD_S
# (start to LAST answered) and NSD_MIB.
nsd_run() {
	local pid
	cat > "$WORK/nsd.conf" <<CONF
server:
  ip-address: $UNICAST4
  database: ""
  pidfile: "$WORK/nsd.pid"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"          # else /tmp/nsd-xfr-PID outlives the test
  zonelistfile: "$WORK/zone.list"
  username: ""
  server-count: 1
  # first_answer.py asks about 1000 times a second from one address: RRL
  # would slip or drop its replies (the bench's rule: RRL off).
  rrl-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
CONF
	zone_lines 'zone:\n  name: %s\n  zonefile: %s\n' "$1" >> "$WORK/nsd.conf"
	STARTED=$(date +%s.%N)
	ip netns exec "$NS_SRV" nsd -c "$WORK/nsd.conf" -d > "$WORK/nsd.log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	NSD_S=$(answered_s $UNICAST4 "$2" "$3" $pid "$WORK/nsd.log")
	# shellcheck disable=SC2046
	NSD_MIB=$(peak_mib $pid $(pgrep -P $pid))
	stop $pid
	rm -f "$WORK/zone.list" "$WORK/xfrd.state"
}

# knot_run LIST LAST WANT: the same for knotd (KNOT_S, KNOT_MIB).
knot_run() {
	local pid
	rm -rf "$WORK/knot"
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot.conf" <<CONF
server:
    rundir: "$WORK/knot"
    listen: $UNICAST4@53
database:
    storage: "$WORK/knot"
template:
  - id: default
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
log:
  - target: stderr
    any: error
zone:
CONF
	zone_lines '  - domain: %s\n    file: %s\n' "$1" >> "$WORK/knot.conf"
	STARTED=$(date +%s.%N)
	ip netns exec "$NS_SRV" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	KNOT_S=$(answered_s $UNICAST4 "$2" "$3" $pid "$WORK/knot.log")
	KNOT_MIB=$(peak_mib $pid)
	stop $pid
	rm -rf "$WORK/knot"
}

# xdpcast_run LIST LAST WANT: xdpcastd with the zone files, no NSD behind
# it (XDP_S, XDP_MIB).
xdpcast_run() {
	{
		# 10M names are past the default limits, as an operator serving
		# them would raise them (NSD and Knot have no such limits set).
		echo "limits: {zone_file_mb: 4096, zone_records: 20000000}"
		echo "zones:"
		sed 's/^/  - /' "$1"
	} > "$WORK/zones.yaml"
	STARTED=$(date +%s.%N)
	launch_xdpcastd --config "$WORK/zones.yaml"
	XDP_S=$(answered_s $ANYCAST4 "$2" "$3" "$XDPCASTD_PID" "$WORK/xdpcastd.log")
	XDP_MIB=$(peak_mib "$XDPCASTD_PID")
	wait_within "xdpcastd" 60 xdpcastd_ready
	stop_xdpcastd
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }

# row LABEL LIST LAST WANT: the memory, then each server in turn.
row() {
	local records map kernel
	read -r records _ _ _ map kernel <<< "$("$BUILD/bench/zone_bench" -l "$2")"
	nsd_run "$2" "$3" "$4"
	knot_run "$2" "$3" "$4"
	xdpcast_run "$2" "$3" "$4"
	printf '| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$records" \
		"$(awk -v a="$map" -v n="$records" 'BEGIN {printf "%.0f", a / n}')" \
		"$(awk -v a="$kernel" -v n="$records" 'BEGIN {printf "%.0f", a / n}')" \
		"$XDP_S" "$NSD_S" "$KNOT_S" "$(ratio "$XDP_S" "$NSD_S")" \
		"$XDP_MIB" "$NSD_MIB" "$KNOT_MIB" "$(ratio "$XDP_MIB" "$NSD_MIB")"
}

setup_network
echo "| zones | records | map B/record | kernel B/record | xdpcast start → answered s | NSD s | Knot s | xdpcast / NSD | xdpcastd peak RSS MiB | NSD MiB | Knot MiB | xdpcastd / NSD |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	one_zone "$n" "$WORK/scale.zone"
	echo "$WORK/scale.zone" > "$WORK/list"
	sleep 1         # files older than a second: xdpcastd reads them once
	row "one of $n names" "$WORK/list" "h$((n - 1)).scale.test" "192.0.2.$(( (n - 1) % 250 + 1 ))"
	rm -f "$WORK/scale.zone"
done
if [ "$MANY" -gt 0 ]; then
	tests/tools/many_zones.sh "$MANY" "$WORK/many"
	sleep 1
	row "$MANY of 10 names" "$WORK/many/list" "h7.z$((MANY - 1)).test" 192.0.2.8
	rm -rf "$WORK/many"
fi
