#!/usr/bin/env bash
# Starts that fail late, on a pin directory someone changed: a directory
# where a pin belongs. A fresh start is refused naming it and leaves no pin
# of its own behind; a takeover is refused the same way and leaves the
# previous program running with its pins exactly as they were (a start
# that failed half way through pinning had replaced some of them with maps
# nothing used: xdpcastctl read those, and the next takeover adopted none).
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/zone
cp "$ROOT/tests/zones/example.test.zone" "$ZONE"

setup_network
start_nsd "$ZONE"

# pin_ids: "NAME ID" of every pin, the program's and the maps'.
pin_ids() {
	local pin kind
	for pin in "$PIN_DIR"/*; do
		[ -d "$pin" ] && continue
		kind=map
		[ "${pin##*/}" = xdpcast_prog ] && kind=prog
		echo "${pin##*/} $(bpftool -j "$kind" show pinned "$pin" | json 'v["id"]')"
	done
}
# refused WHAT: the daemon exited 1 saying that xdpcast_stats is a directory.
refused() {
	local rc=0
	wait "$XDPCASTD_PID" || rc=$?
	[ "$rc" -eq 1 ] || fail "$1: xdpcastd exited with $rc: $(tail -3 "$WORK/xdpcastd.log")"
	grep -q "failed: pinning $PIN_DIR/xdpcast_stats: a directory is there, not a pin (nothing was replaced; remove it)" \
		"$WORK/xdpcastd.log" || fail "$1: $(tail -1 "$WORK/xdpcastd.log")"
}

# A fresh start on a pin directory left with a directory in a pin's place.
mkdir -p "$PIN_DIR/xdpcast_stats"
launch_xdpcastd --zone "$ZONE"
refused "a fresh start"
[ "$(ls "$PIN_DIR")" = xdpcast_stats ] || fail "a fresh start that failed left pins: $(ls "$PIN_DIR" | tr '\n' ' ')"
srv ip -o link show veth-s | grep -q "prog/xdp" && fail "a fresh start that failed left its program attached"
rmdir "$PIN_DIR/xdpcast_stats"
echo "ok - a directory where a pin belongs: a fresh start is refused naming it, nothing attached, no pin left"

# A takeover of a handed-over program, the same directory in the way.
start_xdpcastd --zone "$ZONE"
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
previous=$(bpftool -j prog show pinned "$PIN_DIR/xdpcast_prog" | json 'v["id"]')
rm "$PIN_DIR/xdpcast_stats"
mkdir "$PIN_DIR/xdpcast_stats"
pin_ids > "$WORK/pins.before"
launch_xdpcastd --zone "$ZONE"
refused "a takeover"
srv ip -o link show veth-s | grep -q "prog/xdp id $previous " ||
	fail "a takeover that failed left veth-s with: $(srv ip -o link show veth-s | grep -o 'prog/xdp.*')"
pin_ids > "$WORK/pins.after"
diff "$WORK/pins.before" "$WORK/pins.after" >&2 || fail "a takeover that failed changed the previous daemon's pins"
ls "$PIN_DIR" | grep -q _pinning && fail "a takeover that failed left temporary pins: $(ls "$PIN_DIR" | tr '\n' ' ')"
echo "ok - the same in a takeover: refused, program $previous still attached, its pins as they were"

# The next start, the directory gone, takes it over and a stop cleans up.
rmdir "$PIN_DIR/xdpcast_stats"
start_xdpcastd --zone "$ZONE"
grep -q "taking over program $previous" "$WORK/xdpcastd.log" || fail "the next start did not take over $previous"
stop_xdpcastd
echo "ok - once the directory is removed the next start takes the program over"
