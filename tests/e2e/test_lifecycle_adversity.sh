#!/usr/bin/env bash
# xdpcastd when what it relies on is not as it left it, all in ~35 s:
# - a pin directory mounted read-only: refused at once (it failed at
#   pinning, after the zones and the program were loaded);
# - a directory where a pin belongs: a fresh start is refused naming it
#   and leaves no pin behind; a takeover is refused the same way and
#   leaves the previous program running with its pins exactly as they
#   were (half the pins had been replaced by maps nothing used);
# - signals during a long start (first transfers from a slow primary):
#   SIGHUP waits and reloads after it; SIGTERM ends the start at once with
#   nothing attached (it waited for every transfer, attached, said ready,
#   then detached), and during a takeover leaves the previous program
#   attached, exiting 3 for the stop hook to withdraw; xdpcastctl status
#   answers meanwhile (phase starting, the transfers done and failed) and
#   a reload is refused until started;
# - an include file that cannot be written while no BIRD listens: status
#   and the stop (exit 3) name it, not only BIRD's socket;
# - the pin directory, then a pin, removed while xdpcastd runs: pinned and
#   locked again at the next health round, healthy all along (the fast_path
#   check failed on the missing pin and withdrew the PoP for good);
# - a takeover that fails at attaching after writing the source filter it
#   shares with the previous program: that program keeps its blocklist and
#   the interface swapped before the one that failed;
# - a takeover that failed took the previous xdpcastd's "handed over
#   healthy": the next start does not stay announced on that word, unless
#   a handover ended the takeover's start.
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

# A pin directory on a BPF filesystem mounted read-only: refused at the
# start, before the zones and the program are loaded for nothing.
mkdir "$WORK/ro-bpffs"
mount -t bpf bpf "$WORK/ro-bpffs"
mkdir -m 0700 "$WORK/ro-bpffs/xdpcast"
mount -o remount,ro "$WORK/ro-bpffs"
rc=0
srv "$BUILD/xdpcastd" --iface veth-s --anycast 192.0.2.0/24 --bird-socket none --pop e2e --pin-dir "$WORK/ro-bpffs/xdpcast" \
	--control-socket "$CONTROL_SOCKET" --state-file "$WORK/state.json" --zone "$ZONE" > "$WORK/ro.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "failed: --pin-dir $WORK/ro-bpffs/xdpcast: mounted read-only: nothing can be pinned there" \
	"$WORK/ro.log" || fail "a read-only pin directory: exit $rc, $(tail -1 "$WORK/ro.log")"
grep -q "zone example.test" "$WORK/ro.log" && fail "a read-only pin directory: the zones were loaded first"
umount "$WORK/ro-bpffs"
echo "ok - a pin directory mounted read-only: refused at once, naming it"

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

# A primary that answers each AXFR 0.5 s late; ZONES of its zones make a
# start of ZONES / 2 s, one transfer at a time.
echo 1 > "$WORK/serial"
srv python3 "$ROOT/tests/e2e/slow_primary.py" 127.0.0.1 5399 "$WORK/serial" 0 0.5 > "$WORK/primary.log" 2>&1 &
PIDS+=($!)
wait_for "the slow primary" eval 'srv python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 5399))" 2>/dev/null'
slow_config() {
	{
		echo "transfer:"
		echo "  workers: 1"
		echo "  zones:"
		for i in $(seq 1 "$1"); do echo "    - {zone: s$i.test, primary: 127.0.0.1@5399}"; done
	} > "$WORK/slow.yaml"
}
# alive: xdpcastd runs (not gone, not a zombie).
alive() {
	local state
	state=$(sed 's/.*) //' "/proc/$XDPCASTD_PID/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ]
}
# stopped_within MS STATUS WHAT: xdpcastd exited with STATUS within MS of
# now, without going on to ready. (5000: one transfer lane, 32 slow
# transfers of 0.5 s, 2 s in: waited out, they end 14 s later; an ASan
# build's exit scans for leaks.)
stopped_within() {
	local rc=0 i
	for i in $(seq 1 $(($1 / 100))); do
		alive || break
		sleep 0.1
	done
	alive && fail "$3: xdpcastd still starts $1 ms after the signal: $(tail -1 "$WORK/xdpcastd.log")"
	wait "$XDPCASTD_PID" || rc=$?
	[ "$rc" -eq "$2" ] || fail "$3: xdpcastd exited with $rc, not $2: $(tail -3 "$WORK/xdpcastd.log")"
	said_ready && fail "$3: the start went on to ready: $(grep "ready: pop" "$WORK/xdpcastd.log")"
	return 0
}

slow_config 6
launch_xdpcastd --zone "$ZONE" --config "$WORK/slow.yaml"
sleep 1
kill -HUP "$XDPCASTD_PID"
wait_for "the start" xdpcastd_ready
wait_for "the reload SIGHUP asked for" grep -q "SIGHUP: reloading" "$WORK/xdpcastd.log"
stop_xdpcastd
echo "ok - SIGHUP during the start: the start goes on, the reload follows it"

# xdpcastctl during a start of 24 slow transfers, 2 at once (6 s), and one
# whose primary refuses (failed at once): status answers with phase
# starting and how far the transfers are (it said nothing until the start
# was over, and xdpcastctl gave up after its --timeout), listing the failed
# one and counting those under way; a reload is refused; STATUS= tells
# systemd the same; the start then completes as ever.
{
	echo "transfer:"
	echo "  workers: 2"
	echo "  zones:"
	echo "    - {zone: refused.test, primary: 127.0.0.1@5398}"
	for i in $(seq 1 24); do echo "    - {zone: s$i.test, primary: 127.0.0.1@5399}"; done
} > "$WORK/progress.yaml"
listen_notify     # what the start tells systemd, in $WORK/notify.log
NOTIFY_SOCKET=$WORK/notify.sock launch_xdpcastd --zone "$ZONE" --config "$WORK/progress.yaml"
# Its status kept in starting.json: the fields of a start (start, the
# transfers) against the man page once the start is over.
starting_one_failed() {
	ctl --timeout 2 status --json > "$WORK/starting.json" 2>/dev/null &&
	[ "$(json '(v["phase"], v["start"]["step"], v["start"]["transfers"], v["start"]["failed"], v["start"]["done"] < 25)' \
		< "$WORK/starting.json" 2>/dev/null)" = "('starting', 'transferring', 25, 1, True)" ]
}
wait_for "status of the start, the refused zone failed" starting_one_failed
out=$(ctl --timeout 2 status)
grep -q "^starting: [0-9]* of 25 first transfers done, 1 failed (listed below); the program is attached once all are done$" \
	<<< "$out" || fail "status during the start: no progress line: $out"
grep -q "^transfers: 25, [0-9]* fresh, [1-9][0-9]* being transferred, 0 catalogs, 1 not served or failing, listed above (each with --all)$" \
	<<< "$out" || fail "status during the start: the transfers' line: $out"
grep -q "^transfer refused.test.* from 127.0.0.1@5398: serial 0, not served: " <<< "$out" ||
	fail "status during the start does not list the failed transfer: $out"
grep -q "^interface veth-s (ifindex [0-9]*): not attached, starting: attached once the zones are in$" <<< "$out" ||
	fail "status during the start: the interface: $out"
# No prefix said withdrawn: the routes are decided once started (BIRD's
# include stays as it was meanwhile, a takeover's predecessor announcing).
grep -q "^anycast " <<< "$out" && fail "status during the start: prefixes given a state: $out"
[ "$(json 'v["bgp"]["prefixes"]' < "$WORK/starting.json")" = "[]" ] ||
	fail "status --json during the start: prefixes given a state: $(cat "$WORK/starting.json")"
rc=0; out=$(ctl --timeout 2 reload 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: starting: try again once started" ] ||
	fail "a reload during the start: rc $rc, '$out'"
said_ready && fail "the start was over before status was asked: make its transfers slower"
json_documented status < "$WORK/starting.json"
wait_for "the start" xdpcastd_ready
[ "$(ctl status --json | json '(v["phase"], v["start"], sum(t["fresh"] for t in v["transfers"]))')" = \
	"('running', None, 24)" ] || fail "status once started: $(ctl status)"
grep -q "^EXTEND_TIMEOUT_USEC=[0-9]* STATUS=starting: [0-9]* of 25 first transfers done, 1 failed$" "$WORK/notify.log" ||
	fail "no STATUS= of the start's progress for systemd: $(cat "$WORK/notify.log")"
stop_xdpcastd
echo "ok - status during a start of 25 transfers: phase starting, 1 failed, a reload refused, STATUS= for systemd; then started"

# xdpcastctl while a start reads a zone and compiles it into the answer
# cache: the control socket was made only after the read, and the loop did
# not turn during the compile, so status said nothing (for 33 s at 10M
# names) and xdpcastctl gave up. Now each step answers, and systemd's
# STATUS= names it. The shim holds each step until the test has seen it
# (the read at the zone's last $INCLUDE, the compile before its pages are
# published), so that no machine is too fast for a poll to see it.
"$ROOT/tests/tools/names_zone.sh" scale.test 10000 > "$WORK/scale.zone"
echo "tail 300 IN A 192.0.2.9" > "$WORK/scale-tail.zone"
echo "\$INCLUDE scale-tail.zone" >> "$WORK/scale.zone"
told_before=$(wc -l < "$WORK/notify.log")      # the listener of the start above
HOLD_OPEN_NAME=scale-tail HOLD_OPEN_MARKER=$WORK/read-held HOLD_OPEN_RELEASE=$WORK/read-release \
	HOLD_PUBLISH_MARKER=$WORK/compile-held HOLD_PUBLISH_RELEASE=$WORK/compile-release HOLD_S=60 \
	XDPCASTD=$(shimmed) NOTIFY_SOCKET=$WORK/notify.sock \
	launch_xdpcastd --zone "$ZONE" --zone "$WORK/scale.zone" --metrics 127.0.0.1:9553
: > "$WORK/steps"
: > "$WORK/metrics_reading"
: > "$WORK/loading"
until said_ready; do
	kill -0 "$XDPCASTD_PID" || fail "xdpcastd exited during the start: $(tail -3 "$WORK/xdpcastd.log")"
	step=$({ ctl --timeout 10 status 2>/dev/null || true; } | tee -a "$WORK/status.txt" | grep "^starting: " || true)
	[ -z "$step" ] || echo "$step" >> "$WORK/steps"
	{ ctl --timeout 10 status --json 2>/dev/null || true; } |
		{ json '(v["start"] or {}).get("step"), v["zones_loading"]' 2>/dev/null || true; } >> "$WORK/loading"
	# /metrics is bound before the read (a taken port fails the start at
	# once): it answers 503 while the zone files are read.
	[[ "$step" != "starting: reading the zone files"* ]] ||
		srv curl -s -m 5 -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9553/metrics >> "$WORK/metrics_reading" || true
	[ -e "$WORK/read-held" ] && grep -q "^starting: reading" "$WORK/steps" && grep -q . "$WORK/metrics_reading" &&
		grep -qx "('reading', False)" "$WORK/loading" && touch "$WORK/read-release"
	[ -e "$WORK/compile-held" ] && grep -q "^starting: 0 of 0 first transfers done; compiling" "$WORK/steps" &&
		grep -qx "('loading', True)" "$WORK/loading" && touch "$WORK/compile-release"
	sleep 0.05
done
[ -e "$WORK/read-release" ] && [ -e "$WORK/compile-release" ] ||
	fail "ready before both held steps were seen: $(ls "$WORK" | grep -e held -e release)"
grep -qx "starting: reading the zone files and loading the program; the program is attached once the zones are in" \
	"$WORK/steps" || fail "no status while the zone files were read: $(sort -u "$WORK/steps")"
grep -qx "starting: 0 of 0 first transfers done; compiling the zones into the answer cache, then attaching the program" \
	"$WORK/steps" || fail "no status while the zones were compiled: $(sort -u "$WORK/steps")"
grep -qx 503 "$WORK/metrics_reading" && ! grep -vqx 503 "$WORK/metrics_reading" ||
	fail "/metrics while the zone files were read (expected 503 alone): $(sort "$WORK/metrics_reading" | uniq -c)"
# zones_loading said false while the start read and true while it
# compiled (only reloads set it otherwise).
grep -qx "('loading', True)" "$WORK/loading" && ! grep -q "('reading', True)" "$WORK/loading" ||
	fail "status --json's zones_loading is not true exactly while the start compiles: $(sort "$WORK/loading" | uniq -c)"
! grep -q "a reload is running" "$WORK/status.txt" || fail "status called the start's load a reload: $(sort -u "$WORK/status.txt")"
for step in "reading the zone files and loading the program" "compiling the zones into the answer cache, then attaching"; do
	tail -n +$((told_before + 1)) "$WORK/notify.log" | grep -qx "STATUS=starting: $step" ||
		fail "no STATUS= for systemd at '$step': $(tail -n +$((told_before + 1)) "$WORK/notify.log")"
done
xdp_answers tail.scale.test A 192.0.2.9 || fail "the held \$INCLUDE's record is not answered"
stop_xdpcastd
echo "ok - status while a start reads and compiles a zone, each step held until seen: each step answers (zones_loading while it compiles), STATUS= names it, /metrics says 503 starting"

slow_config 32
launch_xdpcastd --zone "$ZONE" --config "$WORK/slow.yaml"
sleep 2
kill -TERM "$XDPCASTD_PID"
stopped_within 5000 0 "SIGTERM during a fresh start"
grep -q "signal 15 during the start: stopped before attaching anything" "$WORK/xdpcastd.log" ||
	fail "SIGTERM during a fresh start: $(tail -1 "$WORK/xdpcastd.log")"
srv ip -o link show veth-s | grep -q "prog/xdp" && fail "SIGTERM during a fresh start left a program attached"
[ ! -e "$PIN_DIR" ] || fail "SIGTERM during a fresh start left $(ls "$PIN_DIR" | tr '\n' ' ') pinned"
[ ! -e "$CONTROL_SOCKET" ] || fail "SIGTERM during a fresh start left its control socket"
echo "ok - SIGTERM during a start of 32 slow transfers: stopped at once, nothing attached, pinned or left"

start_xdpcastd --zone "$ZONE"
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
previous=$(bpftool -j prog show pinned "$PIN_DIR/xdpcast_prog" | json 'v["id"]')
launch_xdpcastd --zone "$ZONE" --config "$WORK/slow.yaml"
sleep 2
# Meanwhile status says whose program runs, and a withdraw where to turn.
out=$(ctl --timeout 2 status 2>&1) || true
grep -q "^pop e2e, .*, starting, program id [0-9]* (taking over from the previous xdpcastd, whose program runs meanwhile)$" \
	<<< "$out" || fail "status during a takeover's start: $out"
rc=0; out=$(ctl --timeout 2 withdraw 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: starting: try again once started (to withdraw now, stop xdpcastd: the unit's stop hook withdraws)" ] ||
	fail "a withdraw during a takeover's start: rc $rc, '$out'"
kill -TERM "$XDPCASTD_PID"
stopped_within 5000 3 "SIGTERM during a takeover"
grep -q "signal 15 during the start: stopped before taking over; program $previous of the previous xdpcastd stays attached and BIRD may announce it: exiting with status 3 so that the stop hook withdraws" \
	"$WORK/xdpcastd.log" || fail "SIGTERM during a takeover: $(tail -1 "$WORK/xdpcastd.log")"
srv ip -o link show veth-s | grep -q "prog/xdp id $previous " || fail "SIGTERM during a takeover: program $previous is gone"
start_xdpcastd --zone "$ZONE"
grep -q "taking over program $previous" "$WORK/xdpcastd.log" || fail "the start after did not take over $previous"
stop_xdpcastd
echo "ok - SIGTERM during a takeover's start (status said so, a withdraw was refused): stopped at once, exit 3, program $previous left for the next start"

# The include file's path is a directory, and no BIRD listens: a
# withdrawal needs only the file, which cannot be written.
mkdir "$WORK/include-dir"
printf 'health: {interval_ms: 200, rise: 2, fall: 2, backend: %s}\n' $ANYCAST4 > "$WORK/health.yaml"
launch_xdpcastd --zone "$ZONE" --config "$WORK/health.yaml" --bird-socket "$WORK/no-bird.ctl" \
	--bird-include "$WORK/include-dir"
wait_for "xdpcastd" xdpcastd_ready
announced() { grep -q "^anycast 192.0.2.0/24: announced" <<< "$(ctl status)"; }
wait_for "the checks up, the prefixes announced" announced
include_said() { grep -q "^bgp: BIRD at $WORK/no-bird.ctl unreachable: .*BIRD include file $WORK/include-dir: Is a directory" <<< "$(ctl status)"; }
wait_for "status naming the include file" include_said
kill -TERM "$XDPCASTD_PID"
rc=0
wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 3 ] || fail "the stop with an include file that cannot be written exited $rc: $(tail -2 "$WORK/xdpcastd.log")"
grep -q "BIRD did not take the withdrawal (.*BIRD include file $WORK/include-dir: Is a directory)" "$WORK/xdpcastd.log" ||
	fail "the stop does not name the include file: $(grep withdrawal "$WORK/xdpcastd.log")"
echo "ok - an include file that cannot be written, BIRD away: status and the stop (exit 3) name the file"

# The pin directory removed under a running daemon, then a single pin.
launch_xdpcastd --zone "$ZONE" --config "$WORK/health.yaml"
wait_for "xdpcastd" xdpcastd_ready
healthy() { [ "$(ctl status --json | json 'v["healthy"]')" = True ]; }
wait_for "healthy" healthy
program=$(ctl status --json | json 'v["program_id"]')
# Moved away whole (bpffs takes no dot in a name), then removed: a round
# that finds a pin missing pins every one again, and one coming while rm
# was at it put pins back before rm removed the directory ("Directory not
# empty"); rm tried again, and the round after found them gone once more.
mv "$PIN_DIR" "$PIN_DIR-gone" && rm -rf "$PIN_DIR-gone" || fail "could not remove $PIN_DIR"
wait_for "the pins back" eval '[ -e "$PIN_DIR/xdpcast_prog" ]'
# The program's pin is the last one made; the line comes after it.
within 5 grep -q "$PIN_DIR: the directory was removed while xdpcastd runs: pinned again" "$WORK/xdpcastd.log" ||
	fail "the pins put back without a word: $(tail -1 "$WORK/xdpcastd.log")"
rm "$PIN_DIR/xdpcast_stats"
wait_for "xdpcast_stats back" eval '[ -e "$PIN_DIR/xdpcast_stats" ]'
back=$(wc -l < "$WORK/xdpcastd.log")
sleep 1
# A round may fail once while a pin is gone (the check opens the pins), never
# twice in a row; and none once they are back.
grep -q "health check fast_path: down" "$WORK/xdpcastd.log" && fail "the fast_path check fell: $(grep fast_path "$WORK/xdpcastd.log" | tail -1)"
tail -n +$((back + 1)) "$WORK/xdpcastd.log" | grep -q "health check fast_path failed" &&
	fail "a fast_path round failed with the pins back: $(grep fast_path "$WORK/xdpcastd.log" | tail -1)"
healthy || fail "not healthy with the pins back: $(ctl status | grep check)"
# The stats pin made again is the program's own map: an answer moves it by one.
xdp_answers ns1.example.test A 192.0.2.53 || fail "xdpcastctl stats on the pins made again: an answer ('$XDP_GOT') not counted once"
first=$XDPCASTD_PID
launch_xdpcastd --zone "$ZONE" --control-socket "$WORK/second.sock" --state-file "$WORK/second-state.json"
rc=0
wait "$XDPCASTD_PID" || rc=$?
grep -q "another xdpcastd runs with this pin directory" "$WORK/xdpcastd.log" ||
	fail "a second daemon on the directory made again: exit $rc, $(tail -1 "$WORK/xdpcastd.log")"
XDPCASTD_PID=$first
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
start_xdpcastd --zone "$ZONE"
grep -q "taking over program $program" "$WORK/xdpcastd.log" || fail "the restart did not take over $program"
stop_xdpcastd
echo "ok - the pin directory, then a pin, removed while running: pinned again and locked, healthy all along, taken over at the restart"

# The client blocked by the config; a takeover without that blocklist
# fails on veth-y, which another program holds.
srv ip link add veth-y type veth peer name veth-z
srv ip link set veth-y up
srv ip link set veth-z up
srv ip link set dev veth-y xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
printf 'filter:\n  blocklist: [%s/32]\n' $CLIENT4 > "$WORK/blocked.yaml"
start_xdpcastd --zone "$ZONE" --config "$WORK/blocked.yaml"
blocklisted $CLIENT4 || fail "the client is not dropped by its blocklist"
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
previous=$(bpftool -j prog show pinned "$PIN_DIR/xdpcast_prog" | json 'v["id"]')
launch_xdpcastd --zone "$ZONE" --iface veth-y
rc=0
wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 1 ] && grep -q "failed: veth-y: program .* holds the interface" "$WORK/xdpcastd.log" ||
	fail "a takeover onto a held veth-y: exit $rc, $(tail -1 "$WORK/xdpcastd.log")"
srv ip -o link show veth-s | grep -q "prog/xdp id $previous " ||
	fail "the takeover that failed on veth-y left veth-s with: $(srv ip -o link show veth-s | grep -o 'prog/xdp.*')"
blocklisted $CLIENT4 || fail "the failed takeover lifted the previous program's blocklist: the client is not dropped by it"
grep -q "xdpcast_source_filter: put back as the previous program had it" "$WORK/xdpcastd.log" ||
	fail "the source filter is not said to be put back: $(grep source_filter "$WORK/xdpcastd.log")"
srv ip link set dev veth-y xdpdrv off
start_xdpcastd --zone "$ZONE" --config "$WORK/blocked.yaml"
stop_xdpcastd
echo "ok - a takeover that failed at attaching on veth-y: the previous program keeps veth-s and its blocklist"

# A takeover that fails after a handover while healthy; the next start
# needs 10 checks up (2 s) to announce.
srv ip link set dev veth-y xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
printf 'health: {interval_ms: 200, rise: 10, fall: 2, backend: %s}\n' $ANYCAST4 > "$WORK/rising.yaml"
bird=(--bird-socket "$WORK/no-bird.ctl" --bird-include "$WORK/include.conf")
start_xdpcastd --zone "$ZONE" --config "$WORK/health.yaml" "${bird[@]}"
wait_for "the checks up, the prefixes announced" announced
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
launch_xdpcastd --zone "$ZONE" --iface veth-y "${bird[@]}"
rc=0
wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 1 ] || fail "a takeover onto a held veth-y: exit $rc, $(tail -1 "$WORK/xdpcastd.log")"
srv ip link set dev veth-y xdpdrv off
start_xdpcastd --zone "$ZONE" --config "$WORK/rising.yaml" "${bird[@]}"
grep -q "previous xdpcastd (pid [0-9]*) handed over" "$WORK/xdpcastd.log" &&
	fail "the start after a failed takeover took the handover's word: $(grep 'handed over' "$WORK/xdpcastd.log")"
ctl_lacks "^anycast 192.0.2.0/24: announced" status || fail "the start after a failed takeover announced before its checks rose"
stop_xdpcastd
echo "ok - after a failed takeover the next start does not stay announced on the handover's word"

# A handover asked while a takeover starts leaves that word to the next start.
start_xdpcastd --zone "$ZONE" --config "$WORK/health.yaml" "${bird[@]}"
wait_for "the checks up, the prefixes announced" announced
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
launch_xdpcastd --zone "$ZONE" --config "$WORK/slow.yaml" "${bird[@]}"
sleep 2
kill -USR1 "$XDPCASTD_PID"
stopped_within 5000 0 "SIGUSR1 during a takeover"
start_xdpcastd --zone "$ZONE" --config "$WORK/health.yaml" "${bird[@]}"
grep -q "handed over while healthy: staying announced" "$WORK/xdpcastd.log" ||
	fail "the start after a handover during a takeover's start did not take the handover's word"
stop_xdpcastd
echo "ok - a handover during a takeover's start: the next start stays announced on the previous xdpcastd's word"

# A handover with one prefix's check down: the other prefix stays
# announced through the restart (its checks were up), and the one down
# stays withdrawn until its check rises again. Only a healthy handover
# was trusted: the restart withdrew both for `rise` rounds (2 s here).
# Then a handover to a config where that check has another name: a check
# new after a handover that was not healthy starts down (taken as up, it
# would announce what the previous daemon withdrew).
printf 'health: {interval_ms: 200, rise: 10, fall: 5, backend: %s, commands: [{name: v6web, run: "test -e %s", prefixes: [2001:db8:53::/48]}]}\n' \
	$ANYCAST4 "$WORK/v6-ok" > "$WORK/partial.yaml"
in_include() { grep -q "route $1 " "$WORK/include.conf"; }
touch "$WORK/v6-ok"
start_xdpcastd --zone "$ZONE" --config "$WORK/partial.yaml" "${bird[@]}"
wait_within "both prefixes announced" 10 eval 'in_include 192.0.2.0/24 && in_include 2001:db8:53::/48'
rm "$WORK/v6-ok"
wait_within "the IPv6 prefix withdrawn" 10 eval '! in_include 2001:db8:53::/48'
while :; do
	echo "$(in_include 192.0.2.0/24 && echo v4 || echo no-v4) $(in_include 2001:db8:53::/48 && echo v6 || echo no-v6)"
	sleep 0.02
done > "$WORK/partial-samples" &
sampler=$!
PIDS+=($sampler)
# hand_over_to CONFIG CHECK: a handover, then a start with CONFIG that
# keeps IPv6's check CHECK down from the start, until it fails in its rounds.
hand_over_to() {
	kill -USR1 "$XDPCASTD_PID"
	wait "$XDPCASTD_PID"
	start_xdpcastd --zone "$ZONE" --config "$1" "${bird[@]}"
	grep -q "handed over with checks down: 1 of 4 start down, announcing what the others let it while the checks run" \
		"$WORK/xdpcastd.log" || fail "$2 did not start down after the handover: $(grep 'handed over' "$WORK/xdpcastd.log")"
	wait_for "$2 failing in this daemon's rounds" eval \
		"ctl status | grep -qx \"check $2 down: 'test -e $WORK/v6-ok' exited with status 1\""
}
hand_over_to "$WORK/partial.yaml" v6web
sed 's/name: v6web/name: v6dns/' "$WORK/partial.yaml" > "$WORK/renamed.yaml"
hand_over_to "$WORK/renamed.yaml" v6dns
sleep 0.5
kill "$sampler"; wait "$sampler" 2>/dev/null || true
[ "$(sort -u "$WORK/partial-samples")" = "v4 no-v6" ] ||
	fail "the include file across the handovers: $(sort "$WORK/partial-samples" | uniq -c)"
touch "$WORK/v6-ok"
wait_within "the IPv6 prefix back once v6dns rose" 10 in_include 2001:db8:53::/48
stop_xdpcastd
echo "ok - handovers with the IPv6 prefix's check down, then renamed: IPv4 announced throughout ($(wc -l < "$WORK/partial-samples") samples), IPv6 withdrawn until its check rose"

# A healthy handover to a config that adds a prefix: the checks' word was
# about the prefixes announced, so the new one waits for its checks to
# pass `rise` times in the new daemon's rounds (its v6web check, new, was
# taken as up and failing would have had it announced for `fall` rounds);
# the old one stays announced throughout.
printf 'health: {interval_ms: 200, rise: 10, fall: 5, backend: %s}\n' $ANYCAST4 > "$WORK/v4only.yaml"
rm -f "$WORK/v6-ok"
ANYCAST_PREFIXES=192.0.2.0/24 start_xdpcastd --zone "$ZONE" --config "$WORK/v4only.yaml" "${bird[@]}"
wait_within "the IPv4 prefix announced" 10 in_include 192.0.2.0/24
while :; do
	echo "$(in_include 192.0.2.0/24 && echo v4 || echo no-v4) $(in_include 2001:db8:53::/48 && echo v6 || echo no-v6)"
	sleep 0.02
done > "$WORK/added-samples" &
sampler=$!
PIDS+=($sampler)
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
start_xdpcastd --zone "$ZONE" --config "$WORK/partial.yaml" "${bird[@]}"
wait_for "v6web down after its fall" grep -q "health check v6web: down" "$WORK/xdpcastd.log"
kill "$sampler"; wait "$sampler" 2>/dev/null || true
[ "$(sort -u "$WORK/added-samples")" = "v4 no-v6" ] ||
	fail "the include file across a handover adding a prefix: $(sort "$WORK/added-samples" | uniq -c)"
grep -q "2001:db8:53::/48: not announced by the previous xdpcastd: withdrawn until its checks pass here" \
	"$WORK/xdpcastd.log" || fail "no line of the added prefix held: $(grep -i 'handed over\|2001:db8:53' "$WORK/xdpcastd.log")"
touch "$WORK/v6-ok"
wait_within "the added prefix announced once its checks passed here" 10 in_include 2001:db8:53::/48
grep -q "2001:db8:53::/48: its checks passed since the handover" "$WORK/xdpcastd.log" ||
	fail "no line of the added prefix proven: $(grep 2001:db8:53 "$WORK/xdpcastd.log")"
stop_xdpcastd
echo "ok - a handover adding a prefix: IPv4 announced throughout ($(wc -l < "$WORK/added-samples") samples), IPv6 only once its checks passed in the new daemon's rounds"

# The same with v6web's action drain: as at a fresh start, the new prefix
# is drained (announced with prepends) while v6web has not passed here,
# not withdrawn for as long as it fails.
rm -f "$WORK/v6-ok"
printf 'bgp: {asn: 64501}\nhealth: {interval_ms: 200, rise: 10, fall: 5, backend: %s, actions: {v6web: drain}, commands: [{name: v6web, run: "test -e %s", prefixes: [2001:db8:53::/48]}]}\n' \
	$ANYCAST4 "$WORK/v6-ok" > "$WORK/drain.yaml"
ANYCAST_PREFIXES=192.0.2.0/24 start_xdpcastd --zone "$ZONE" --config "$WORK/v4only.yaml" "${bird[@]}"
wait_within "the IPv4 prefix announced" 10 in_include 192.0.2.0/24
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
start_xdpcastd --zone "$ZONE" --config "$WORK/drain.yaml" "${bird[@]}"
wait_within "the added prefix drained while v6web fails" 10 \
	grep -q "route 2001:db8:53::/48 blackhole { bgp_path.prepend(64501);" "$WORK/include.conf"
stop_xdpcastd
echo "ok - a handover adding a prefix whose new check drains: drained while that check fails, as at a fresh start"
