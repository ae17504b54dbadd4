#!/usr/bin/env bash
# Restarts, upgrades and crashes without a gap: a client asks 200 q/s over
# UDP through each and must lose nothing, every answer coming from XDP (the
# answer counter, carried over from daemon to daemon, moves by exactly the
# number of answers). A daemon that hands over (SIGUSR1, what `systemctl
# restart` sends), one killed with -9 and an upgrade to a build whose maps
# changed layout are all taken over by the next start; a full stop
# (SIGTERM) detaches and the next start begins afresh. Then what must be
# refused and changes nothing: a second daemon, a foreign program, stale
# pins; and a descriptor count that stays flat over 10,000 health rounds.
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/zone
cp "$ROOT/tests/zones/example.test.zone" "$ZONE"
RATE=200

setup_network
start_nsd "$ZONE"
cat > "$WORK/xdpcastd.yaml" <<YAML
health: {interval_ms: 200, rise: 2, fall: 2, backend: $ANYCAST4}
YAML
healthy() { [ "$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["healthy"])')" = True ]; }

# start_loop SECONDS: the client, in the background.
start_loop() {
	cli python3 "$ROOT/tests/e2e/query_loop.py" $ANYCAST4 www.example.test "$1" A IN $RATE > "$WORK/loop.txt" &
	LOOP=$!
	PIDS+=($LOOP)
}
# end_loop WHAT ANSWERS_BEFORE: waits for the client; none lost, all from
# XDP. $total holds how many it asked.
end_loop() {
	local what=$1 before=$2 lost answered
	wait "$LOOP"
	total=$(wc -l < "$WORK/loop.txt")
	lost=$(grep -c timeout "$WORK/loop.txt" || true)
	answered=$(( $(counter dns_answer) - before ))
	[ "$total" -ge $((RATE * 2)) ] || fail "$what: the client sent only $total queries"
	[ "$lost" -eq 0 ] || fail "$what: $lost of $total queries lost"
	[ "$answered" -eq "$total" ] || fail "$what: $answered answers counted in XDP for $total queries"
}
# kept: our program still on veth-s and its pins in place.
kept() {
	srv ip -o link show veth-s | grep -q "prog/xdp" || fail "$1: the program was detached"
	[ -e "$PIN_DIR/xdpcast_prog" ] && [ -e "$PIN_DIR/xdpcast_stats" ] || fail "$1: the pins are gone"
}
save_log() { cp "$WORK/xdpcastd.log" "$WORK/xdpcastd.$1.log"; }
# bss NAME: a variable of the running program's .bss, by its BTF name.
bss() {
	local prog map
	prog=$(ctl status --json | json 'v["program_id"]')
	for map in $(bpftool -j prog show id "$prog" | json '" ".join(map(str, v["map_ids"]))'); do
		bpftool -j map show id "$map" | json 'v["name"]' | grep -q '\.bss$' || continue
		bpftool -j map dump id "$map" | python3 -c '
import json, sys
def find(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == sys.argv[1]:
                return x
            r = find(x)
            if r is not None:
                return r
    if isinstance(v, list):
        for x in v:
            r = find(x)
            if r is not None:
                return r
print(find(json.load(sys.stdin)))' "$1"
	done
}

start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
wait_for "healthy" healthy
first_prog=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["program_id"])')
BLOCKED4=198.51.100.99          # a second client address, blocked live before the restart
cli ip addr add $BLOCKED4/24 dev veth-c
ctl block add $BLOCKED4/32

# A restart as systemd does it (RestartKillSignal=SIGUSR1): hand over, start again.
before=$(counter dns_answer)
start_loop 4
sleep 1
kill -USR1 "$XDPCASTD_PID"
rc=0; wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "xdpcastd exited with $rc on SIGUSR1"
grep -q "signal 10: handing over" "$WORK/xdpcastd.log" || fail "the handover is not logged"
kept "handover"
save_log handover
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
grep -q "taking over program $first_prog of the previous xdpcastd" "$WORK/xdpcastd.log" ||
	fail "no takeover: $(cat "$WORK/xdpcastd.log")"
grep -q "handed over while healthy: staying announced" "$WORK/xdpcastd.log" ||
	fail "the handover's health was not inherited: $(cat "$WORK/xdpcastd.log")"
end_loop "restart" "$before"
ctl block list | grep -q "^$BLOCKED4/32 *live$" || fail "the live block did not survive the restart"
dropped=$(counter drop_blocklist)
cli kdig +short +norec +time=1 +retry=0 -b $BLOCKED4 @$ANYCAST4 www.example.test A > /dev/null 2>&1 || true
[ "$(counter drop_blocklist)" -eq $((dropped + 1)) ] || fail "the carried live block does not drop its source"
# The buckets carried over are looked up for two epochs (bpf/ratelimit.h).
until_ns=$(bss every_key_until_ns)
clock_ns=$(bss catchment_clock_ns)
[ "$until_ns" -gt "$clock_ns" ] && [ "$clock_ns" -gt 0 ] ||
	fail "after a takeover: every_key_until_ns $until_ns, catchment_clock_ns $clock_ns"
echo "ok - restart (hand over, start): $total queries at $RATE q/s, 0 lost, every one answered in XDP; counters, live blocks and buckets carried over"

# A crash: kill -9, then the same start.
before=$(counter dns_answer)
start_loop 4
sleep 1
kill -KILL "$XDPCASTD_PID"
wait "$XDPCASTD_PID" 2>/dev/null || true
kept "kill -9"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
grep -q "taking over program" "$WORK/xdpcastd.log" || fail "no takeover after kill -9"
grep -q "staying announced" "$WORK/xdpcastd.log" && fail "a crashed daemon's health was trusted"
end_loop "kill -9" "$before"
echo "ok - kill -9, then a start: $total queries, 0 lost, all in XDP; the new daemon starts withdrawn until its checks rise"

# The event loop failing (poll, or memory for its descriptors) ended as a
# clean stop: detached, exit 0, so the stop hook withdrew nothing and
# systemd started nothing while BIRD went on announcing. Now as a crash:
# the program stays, a status for the hook, the next start takes it over.
# (The shim fails the first poll of more than two descriptors, the loop's,
# once $WORK/poll_fail exists.)
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID" || fail "the handover before the failing loop's start"
POLL_FAIL_ARM=$WORK/poll_fail XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
before=$(counter dns_answer)
start_loop 4
sleep 1
touch "$WORK/poll_fail"
rc=0; wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 4 ] || fail "xdpcastd exited with $rc after its event loop failed: $(tail -3 "$WORK/xdpcastd.log")"
grep -q "poll: Cannot allocate memory" "$WORK/xdpcastd.log" &&
	grep -q "stopped: the event loop failed; the program stays attached on 1 interfaces" "$WORK/xdpcastd.log" ||
	fail "the loop's failure not said: $(tail -3 "$WORK/xdpcastd.log")"
kept "the event loop failing"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
grep -q "taking over program" "$WORK/xdpcastd.log" || fail "no takeover after the event loop failed"
end_loop "the event loop failing" "$before"
echo "ok - the event loop failing: exit status 4, the program left answering, the next start takes it over: $total queries, 0 lost, all in XDP"

# An upgrade to a build whose counters map grew (a reason appended, as the
# contract allows): taken over, the old counts migrated into the new map.
NEXT=$WORK/next
mkdir -p "$NEXT"
cp -r "$ROOT"/bpf "$ROOT"/loader "$ROOT"/userspace "$ROOT"/bench "$ROOT"/tests "$ROOT"/Makefile "$NEXT"/
# (the list's last line is the one without a continuation)
sed -i '/^#define XDPCAST_REASONS(X)/,/^$/ s/^\(\tX([a-z0-9_]*, [A-Z]*)\)$/\1 \\\n\tX(next_version_reason, PASS)/' "$NEXT/bpf/xdpcast.h"
grep -q "next_version_reason" "$NEXT/bpf/xdpcast.h" || fail "could not make the next version"
# ... and whose catchment sets have a way more (a per-CPU array growing at its end).
sed -i 's/^#define XDPCAST_CATCHMENT_WAYS    4$/#define XDPCAST_CATCHMENT_WAYS    5/' "$NEXT/bpf/xdpcast.h"
grep -q "^#define XDPCAST_CATCHMENT_WAYS    5$" "$NEXT/bpf/xdpcast.h" || fail "could not grow the catchment sets"
make -s -j2 -C "$NEXT" BUILD="$NEXT/build" SANITIZE= VERSION=next "$NEXT/build/xdpcastd" "$NEXT/build/xdpcastctl" \
	> "$WORK/next-build.log" 2>&1 || fail "building the next version: $(tail -5 "$WORK/next-build.log")"
before=$(counter dns_answer)
client_answers() { ctl --json catchment | json 'sum(e["answers"] for e in v if e["prefix"] == "'"$1"'")'; }
client_net=$(ctl --json catchment --top 1 | json 'v[0]["prefix"]')
caught_before=$(client_answers "$client_net")
start_loop 5
sleep 1
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
XDPCASTD=$NEXT/build/xdpcastd start_xdpcastd --zone "$ZONE"
XDPCASTCTL=$NEXT/build/xdpcastctl
grep -q "xdpcast_stats: layout changed since the previous version" "$WORK/xdpcastd.log" ||
	fail "the layout change is not logged: $(cat "$WORK/xdpcastd.log")"
grep -q "xdpcast_stats: [0-9]* entries of the previous version carried over" "$WORK/xdpcastd.log" ||
	fail "the counters were not migrated"
grep -q "xdpcast_source_filter: carried over as it is" "$WORK/xdpcastd.log" || fail "the blocklist map was not reused"
end_loop "upgrade" "$before"
ctl stats --all | grep -q "^next_version_reason " ||
	fail "the new layout is not in force"
# Every answer of the loop came from XDP to this network: the counts carried
# over and the loop's add up exactly.
caught_after=$(client_answers "$client_net")
[ "$caught_after" -eq $((caught_before + total)) ] ||
	fail "the catchment was not carried over: $client_net had $caught_before answers, then $total more, now $caught_after"
echo "ok - upgrade to a build with bigger counters and catchment maps: $total queries, 0 lost, all in XDP; counters and catchment migrated"

# And back (a downgrade): the maps shrink, the counts still add up.
before=$(counter dns_answer)
caught_before=$(client_answers "$client_net")
start_loop 4
sleep 1
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
start_xdpcastd --zone "$ZONE"
XDPCASTCTL=
end_loop "downgrade" "$before"
grep -q "xdpcast_catchment: [0-9]* entries (a network on a CPU) of the previous version carried over$" \
	"$WORK/xdpcastd.log" || fail "the catchment's migration is not logged: $(grep xdpcast_catchment "$WORK/xdpcastd.log")"
caught_after=$(client_answers "$client_net")
[ "$caught_after" -eq $((caught_before + total)) ] ||
	fail "the catchment after the downgrade: $client_net had $caught_before answers, then $total more, now $caught_after"
echo "ok - downgrade to this build: $total queries, 0 lost, all in XDP; the catchment adds up"

# A full stop detaches; the next start is a fresh one. The server behind
# answers meanwhile, so nothing is lost, but not from XDP.
start_loop 4
sleep 1
stop_xdpcastd
start_xdpcastd --zone "$ZONE"
wait "$LOOP"
lost=$(grep -c timeout "$WORK/loop.txt" || true)
[ "$lost" -eq 0 ] || fail "stop and start: $lost queries lost"
grep -q "taking over" "$WORK/xdpcastd.log" && fail "a start after a full stop took something over"
ctl_lacks "$BLOCKED4" block list || fail "a live block survived a full stop"
[ "$(bss every_key_until_ns)" = 0 ] || fail "a fresh start looks every key up: $(bss every_key_until_ns)"
echo "ok - stop (SIGTERM) then start: 0 of $(wc -l < "$WORK/loop.txt") lost (NSD answered while nothing was attached); nothing carried over"

# A second daemon while the first runs: refused, nothing touched.
prog=$(srv ip -o link show veth-s | grep -o 'prog/xdp id [0-9]*')
second() { ip netns exec "$NS_SRV" "$BUILD/xdpcastd" --iface veth-s --anycast 192.0.2.0/24 --zone "$ZONE" --pop e2e \
	--state-file "${SECOND_STATE:-$WORK/second-state.json}" \
	--bird-socket none "$@" 2>&1; }
out=$(second --pin-dir "$PIN_DIR" --control-socket "$WORK/second.sock") && fail "a second daemon on the same pins started"
grep -q "another xdpcastd runs with this pin directory" <<< "$out" || fail "second daemon, same pins: $out"
out=$(second --pin-dir "$WORK/bpffs/other" --control-socket "$WORK/second.sock") && fail "a second daemon on the same interface started"
grep -q "veth-s: program [0-9]* 'xdpcast' in native mode holds the interface and is not the program pinned in this --pin-dir" <<< "$out" ||
	fail "second daemon, same interface: $out"
[ ! -e "$WORK/bpffs/other" ] || fail "the refused daemon left its pin directory"
out=$(second --pin-dir "$WORK/bpffs/other" --control-socket "$CONTROL_SOCKET") && fail "a second daemon on the same socket started"
grep -q -- "--control-socket $CONTROL_SOCKET: another xdpcastd listens there" <<< "$out" || fail "second daemon, same socket: $out"
# The state file and BIRD's include: two daemons sharing them undid each
# other's drains and rewrote the include in turn, BIRD configured every
# round (the first runs with --state-file $WORK/state.json).
out=$(SECOND_STATE=$WORK/state.json second --pin-dir "$WORK/bpffs/other" --control-socket "$WORK/second.sock") &&
	fail "a second daemon on the same state file started"
grep -q -- "--state-file $WORK/state.json: another xdpcastd uses it (it holds $WORK/state.json.lock): give each its own" <<< "$out" ||
	fail "second daemon, same state file: $out"
[ ! -e "$WORK/bpffs/other" ] || fail "the refused daemon left its pin directory"
# --check-config beside the daemon it checks for takes no lock.
out=$(srv "$BUILD/xdpcastd" --check-config "$WORK/xdpcastd.yaml" --iface veth-s --anycast 192.0.2.0/24 --zone "$ZONE" \
	--pop e2e --state-file "$WORK/state.json" 2>&1) || fail "--check-config beside the running daemon: $out"
[ "$(srv ip -o link show veth-s | grep -o 'prog/xdp id [0-9]*')" = "$prog" ] || fail "the refusals changed the program"
ctl status > /dev/null || fail "the first daemon's control socket is gone"
xdp_answers ns1.example.test A 192.0.2.53 || fail "the first daemon stopped answering"
echo "ok - a second xdpcastd on the same pins, interface, socket or state file: refused by name, the first untouched"

# Stale pins: the daemon killed, its program detached by hand. The next
# start must not inherit its prefixes or live blocks.
ctl block add $CLIENT4/32
kill -KILL "$XDPCASTD_PID"
wait "$XDPCASTD_PID" 2>/dev/null || true
srv ip link set dev veth-s xdp off
save_log stale
: > "$WORK/xdpcastd.log"     # now: the background redirection may come after the wait
ip netns exec "$NS_SRV" "$BUILD/xdpcastd" --iface veth-s --anycast 192.0.2.0/24 --zone "$ZONE" --pop e2e \
	--state-file "$WORK/state.json" \
	--bird-socket none --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" > "$WORK/xdpcastd.log" 2>&1 &
XDPCASTD_PID=$!
PIDS+=($XDPCASTD_PID)
wait_for "xdpcastd" xdpcastd_ready
grep -q "holds pins of an xdpcastd whose program runs nowhere: replacing them" "$WORK/xdpcastd.log" ||
	fail "stale pins not reported: $(cat "$WORK/xdpcastd.log")"
xdp_answers ns1.example.test A 192.0.2.53 || fail "the stale live block still drops the client"
before=$(counter not_protected)
cli kdig +short +time=2 +retry=0 @$ANYCAST6 www.example.test AAAA > /dev/null || fail "NSD did not answer on IPv6"
[ "$(counter not_protected)" -gt "$before" ] || fail "the stale IPv6 anycast prefix is still protected"
echo "ok - stale pins of a killed and detached daemon: replaced, not adopted (no old prefix, no old live block)"

# Someone unloads everything with xdp-loader: put back, counted.
srv xdp-loader unload veth-s --all > /dev/null 2>&1 || fail "xdp-loader unload failed"
wait_for "the program attached again" eval 'grep -q "^interface veth-s (ifindex [0-9]*): native mode (attached again 1 times" <<< "$(ctl status)"'
xdp_answers ns1.example.test A 192.0.2.53 || fail "not answered after the re-attach"
echo "ok - xdp-loader unload --all: the program is attached again at the next health round, and status says so"

# Descriptors over many rounds of the health checks' own code.
out=$(srv "$BUILD/tests/health_rounds" "$PIN_DIR" veth-s "$ZONE" $ANYCAST4 10000) || fail "health rounds: $out"
echo "ok - $out"

# Least privilege once running (loader/caps.h): every thread keeps CAP_BPF,
# CAP_NET_ADMIN and CAP_SYS_ADMIN, nothing else (bits 39, 12, 21).
for status in /proc/"$XDPCASTD_PID"/task/*/status; do
	grep -q "^CapEff:[[:space:]]*0000008000201000$" "$status" ||
		fail "a thread kept more capabilities: $(grep -H CapEff "$status")"
done
echo "ok - every thread of the running daemon holds CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN only"

stop_xdpcastd

# A foreign program on one interface: refused by name, nothing attached
# anywhere; with --replace-foreign, replaced.
srv ip link add xc-a type veth peer name xc-b
srv ip link set xc-a up
srv ip link set xc-b up
srv ip link set dev xc-a xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
foreign=$(srv ip -o link show xc-a | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}')
out=$(second --iface xc-a --pin-dir "$PIN_DIR" --control-socket "$WORK/second.sock") && fail "started over a foreign program"
grep -q "xc-a: program $foreign 'xdp_pass' in native mode holds the interface and is not xdpcast's; stop what runs it, or give --replace-foreign to replace it" <<< "$out" ||
	fail "foreign program: $out"
srv ip -o link show veth-s | grep -q "prog/xdp" && fail "veth-s was left attached"
[ "$(srv ip -o link show xc-a | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}')" = "$foreign" ] || fail "the foreign program was touched"
start_xdpcastd --zone "$ZONE" --iface xc-a --replace-foreign
grep -q "xc-a: replaced program $foreign 'xdp_pass' in native mode" "$WORK/xdpcastd.log" || fail "the replacement is not logged"
stop_xdpcastd
echo "ok - a foreign XDP program: refused naming it and --replace-foreign (nothing attached); with the flag, replaced"
