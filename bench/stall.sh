#!/usr/bin/env bash
# make bench, stalls: while xdpcastd reloads a zone of N names (SIGHUP), how
# long `xdpcastctl status` takes at worst (asked every 20 ms) and the longest
# turn of the daemon's event loop (its own stall probe, from status).
# Then, with MANY_ZONES=N, xdpcastd serving N zones of 10 names: how long
# a status of every zone takes (the slowest of 3), the loop's longest
# turn since the start, status included (encoding one held the loop
# ~0.6 s at 100,000 zones before replies were encoded on a worker) and
# the daemon's resident memory before and after.
# XDPCASTD=path compares another build (e.g. an older one). A reload that
# has not ended after RELOAD_LIMIT_S (default 900) seconds fails the run.
#   bench/stall.sh N...
set -euo pipefail
BUILD=${BUILD:-build}
XDPCASTD=${XDPCASTD:-$BUILD/xdpcastd}
RELOAD_LIMIT_S=${RELOAD_LIMIT_S:-900}
WORK=$(mktemp -d /tmp/xdpcast-stall.XXXXXX)
NS=xc-stall-$$
PID=
cleanup() {
	local rc=$?
	# Every step whatever the one before did (a daemon that exits non-zero
	# when stopped, nothing mounted yet): set -e would end the cleanup there.
	set +e
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	umount "$WORK/bpffs" 2>/dev/null
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS"
ip -n "$NS" link add st0 type veth peer name st1
ip -n "$NS" link set st0 up
ip -n "$NS" link set st1 up
mkdir -p "$WORK/bpffs"
mount -t bpf bpf "$WORK/bpffs"

zone() {        # zone N FILE
	tests/tools/names_zone.sh scale.test "$1" > "$2"
}
ctl() { "$BUILD/xdpcastctl" --control-socket "$WORK/ctl.sock" "$@"; }

# start_daemon ARGS...: xdpcastd on st0 with ARGS, waited for until ready. Its log
# emptied first, not only by the background job's redirection, which may
# come late: the previous daemon's "ready" would pass for this one's.
start_daemon() {
	local begun
	: > "$WORK/log"
	ip netns exec "$NS" "$XDPCASTD" --iface st0 --anycast 192.0.2.0/24 --pop bench --pin-dir "$WORK/bpffs/xdpcast" \
		--control-socket "$WORK/ctl.sock" --bird-socket none --state-file "$WORK/state.json" "$@" \
		> "$WORK/log" 2>&1 &
	PID=$!
	begun=$(date +%s)
	until grep -q "ready: pop" "$WORK/log"; do
		kill -0 "$PID" 2>/dev/null || { echo "xdpcastd exited:" >&2; cat "$WORK/log" >&2; exit 1; }
		[ $(($(date +%s) - begun)) -lt "$RELOAD_LIMIT_S" ] || { echo "not ready in $RELOAD_LIMIT_S s" >&2; exit 1; }
		sleep 0.1
	done
}
# longest_turn: the loop's longest turn since the start, ms, from status.
longest_turn() {
	ctl --json status | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["loop_longest_turn_ms"])'
}

echo "| names | reload s | slowest status ms | status probes | loop's longest turn ms |"
echo "|---:|---:|---:|---:|---:|"
for n in "$@"; do
	zone 10 "$WORK/scale.zone"
	start_daemon --zone "$WORK/scale.zone"
	zone "$n" "$WORK/scale.zone"
	start=$(date +%s%N)
	kill -HUP "$PID"
	slowest=0 probes=0
	until grep -q "generation 2:" "$WORK/log"; do
		kill -0 "$PID" 2>/dev/null || { echo "xdpcastd exited during the reload:" >&2; cat "$WORK/log" >&2; exit 1; }
		[ $(( ($(date +%s%N) - start) / 1000000000 )) -lt "$RELOAD_LIMIT_S" ] ||
			{ echo "no new generation $RELOAD_LIMIT_S s after the SIGHUP:" >&2; cat "$WORK/log" >&2; exit 1; }
		t=$(date +%s%N)
		ctl status > /dev/null
		ms=$(( ($(date +%s%N) - t) / 1000000 ))
		[ "$ms" -gt "$slowest" ] && slowest=$ms
		probes=$((probes + 1))
		sleep 0.02
	done
	reload=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
	echo "| $n | $reload | $slowest | $probes | $(longest_turn) |"
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=
done

[ "${MANY_ZONES:-0}" -gt 0 ] || exit 0
echo
echo "| zones | status ms (slowest of 3) | status MB | loop's longest turn since the start ms | xdpcastd RSS before, after MiB |"
echo "|---:|---:|---:|---:|---:|"
tests/tools/many_zones.sh "$MANY_ZONES" "$WORK/many"
{ echo "zones:"; sed 's/^/  - /' "$WORK/many/list"; } > "$WORK/many.yaml"
start_daemon --config "$WORK/many.yaml"
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$PID/status"; }
rss_before=$(rss_mb)
slowest=0
for i in 1 2 3; do
	t=$(date +%s%N)
	ctl --json status > "$WORK/status.json"
	ms=$(( ($(date +%s%N) - t) / 1000000 ))
	[ "$ms" -gt "$slowest" ] && slowest=$ms
done
echo "| $MANY_ZONES | $slowest | $(awk -v b="$(stat -c %s "$WORK/status.json")" 'BEGIN {printf "%.1f", b / 1e6}') | $(longest_turn) | $rss_before, $(rss_mb) |"
