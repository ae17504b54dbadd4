#!/usr/bin/env bash
# The BGP health loop with real BIRDs: the PoP namespace runs BIRD, NSD and
# xdpcastd and peers over eBGP (IPv4 and IPv6 sessions) with BIRD in the
# transit namespace. The transit's routing table is the truth: the anycast
# prefixes are there only while every health check passes. BIRD contract
# v2: the routes live in a file xdpcastd owns and BIRD includes, so an
# operator's `birdc configure` or a BIRD restart changes nothing.
#
#   transit ns (AS 64500)  198.51.100.2  2001:db8:1::2 ──┐ eBGP
#   PoP ns     (AS 64501)  198.51.100.1  2001:db8:1::1 ──┘
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
INTERVAL_MS=${INTERVAL_MS:-500}   # INTERVAL_MS=1000 RISE=3 FALL=2: xdpcastd's defaults
RISE=${RISE:-3}
FALL=${FALL:-2}

announced() { transit_has 192.0.2.0/24 && transit_has 2001:db8:53::/48; }
withdrawn() { lacks transit_has 192.0.2.0/24 && lacks transit_has 2001:db8:53::/48; }

metrics() { http_get "http://$UNICAST4:9153/metrics"; }
gauge() { metrics | awk -v s="$1" 'index($0, s " ") == 1 {print $NF}'; }
# gauge_becomes SERIES VALUE WHY: /metrics may be a snapshot behind what the
# include file, BIRD or status already show (snapshots are paced: at most
# 1 s behind), so a change seen there reaches the series within 3 s.
gauge_becomes() { wait_within "$3 (${1%%\{*} $2)" 3 eval "[ \"\$(gauge '$1')\" = '$2' ]"; }
# control_plane: "healthy prefixes_announced sessions_up bird_up" from the pinned map.
control_plane() {
	bpftool -j map dump pinned "$PIN_DIR/xdpcast_control_plane" | python3 -c '
import json, sys
entry = json.load(sys.stdin)[0]
v = entry.get("formatted", entry)["value"]
print(v["healthy"], v["prefixes_announced"], v["sessions_up"], v["bird_up"])'
}

setup_network
start_nsd "$ZONE"
NSD_PID=${PIDS[-1]}
start_bgp_pair "4 6"
# BIRD's first start needed the file: written withdrawn, no daemon needed.
grep -q "^protocol static xdpcast4 {" "$INCLUDE" && ! grep -q "route" "$INCLUDE" ||
	fail "xdpcastctl withdraw wrote: $(cat "$INCLUDE")"
touch "$WORK/web-ok" "$WORK/v6-ok"
# No health.backend: the default checks the server behind on this host's
# addresses inside each anycast prefix. v6web gates the IPv6 prefix only,
# and drains it rather than withdrawing it.
cat > "$WORK/xdpcastd.yaml" <<YAML
drain_ms: 3000
bgp: {asn: 64501, drain: {prepend: 3, communities: ["64500:666"]}}
health:
  interval_ms: $INTERVAL_MS
  rise: $RISE
  fall: $FALL
  commands:
    - {name: web, run: "test -e $WORK/web-ok", timeout_ms: 1000}
    - {name: v6web, run: "test -e $WORK/v6-ok", prefixes: [2001:db8:53::/48]}
    - {name: slow1, run: "test ! -e $WORK/slow || exec sleep 7", timeout_ms: 60000}
    - {name: slow2, run: "test ! -e $WORK/slow || exec sleep 7", timeout_ms: 60000}
    - {name: slow3, run: "test ! -e $WORK/slow || exec sleep 7", timeout_ms: 60000}
    - {name: slow4, run: "test ! -e $WORK/slow || exec sleep 7", timeout_ms: 60000}
  actions: {v6web: drain}
YAML
started=$(date +%s%N)
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE" \
	--metrics $UNICAST4:9153

# Withdrawn until healthy: the include file holds no route for the first
# rounds (BIRD's sessions may not be up yet: the transit alone proves nothing).
grep -q "^protocol static xdpcast4 {" "$INCLUDE" && ! grep -q route "$INCLUDE" ||
	fail "announced before any health check passed: $(cat "$INCLUDE")"
withdrawn || fail "announced at the transit before any health check passed"
wait_within "announced at the transit" 15 announced
echo "ok - starts withdrawn; healthy after $RISE rounds, the transit has both prefixes ($(ms_since "$started") ms after start)"

wait_within "both sessions up in the metrics" 5 eval \
	'[ "$(gauge "xdpcast_bgp_session_up{pop=\"e2e\",protocol=\"transit4\"}")$(gauge "xdpcast_bgp_session_up{pop=\"e2e\",protocol=\"transit6\"}")" = 11 ]'
wait_within "announced in the metrics" 5 eval \
	'[ "$(gauge "xdpcast_prefix_announced{pop=\"e2e\",prefix=\"192.0.2.0/24\"}")" = 1 ]'
for check in fast_path zones "backend 192.0.2.0/24" "backend 2001:db8:53::/48" web v6web; do
	[ "$(gauge "xdpcast_health_up{pop=\"e2e\",check=\"$check\"}")" = 1 ] || fail "health check $check not up: $(metrics | grep health_up)"
done
[ "$(gauge "xdpcast_bird_up{pop=\"e2e\"}")" = 1 ] || fail "xdpcast_bird_up is not 1"
# Said once, on the prefix's line ("announced PREFIX" lines listed BIRD's
# exports too, a withdrawn prefix's among them until BIRD's next answer).
grep -qx "anycast 2001:db8:53::/48: announced, exported by BIRD" <<< "$(ctl status)" || fail "status: $(ctl status)"
ctl_lacks "^announced " status || fail "status: $(ctl status)"
json_documented status <<< "$(ctl --json status)"     # with BIRD's sessions
[ "$(control_plane)" = "1 2 2 1" ] || fail "xdpcast_control_plane map: $(control_plane)"
echo "ok - metrics, status and the xdpcast_control_plane map: sessions, prefixes and every check up"

# The userspace server fails: withdrawn after FALL failed rounds, not before.
log_before=$(wc -l < "$WORK/xdpcastd.log")
kill "$NSD_PID"
wait "$NSD_PID" 2>/dev/null || true
failed_at=$(date +%s%N)
wait_within "withdrawn after NSD stopped" 10 withdrawn
withdraw_ms=$(ms_since "$failed_at")
grep -q "health check backend 192.0.2.0/24: down ($FALL failures in a row)" "$WORK/xdpcastd.log" || fail "no hysteresis logged"
gauge_becomes 'xdpcast_prefix_announced{pop="e2e",prefix="2001:db8:53::/48"}' 0 "withdrawn in the metrics"
grep -q "^check backend 192.0.2.0/24 down: backend $ANYCAST4@53: " <<< "$(ctl status)" || fail "status: $(ctl status)"
grep -q "^check backend 2001:db8:53::/48 down: backend $ANYCAST6@53: " <<< "$(ctl status)" || fail "status: $(ctl status)"
wait_within "the map to say withdrawn" 3 eval '[ "$(control_plane)" = "0 0 2 1" ]'
# Each check's result may rewrite the include: each write logs what it changes.
for prefix in 192.0.2.0/24 2001:db8:53::/48; do
	n=$(tail -n +$((log_before + 1)) "$WORK/xdpcastd.log" | grep -c "withdrawing $prefix ")
	[ "$n" -eq 1 ] || fail "$prefix's withdrawal logged $n times: $(tail -n +$((log_before + 1)) "$WORK/xdpcastd.log" | grep withdrawing)"
done
echo "ok - NSD stopped (no health.backend: the default checks it on the anycast addresses): withdrawn after $FALL failed checks, ${withdraw_ms} ms after the failure (interval $INTERVAL_MS ms)"

recovered_at=$(date +%s%N)
start_nsd "$ZONE"
wait_within "announced after NSD came back" 10 announced
announce_ms=$(ms_since "$recovered_at")
grep -q "health check backend 192.0.2.0/24: up ($RISE passes in a row)" "$WORK/xdpcastd.log" || fail "no rise logged"
echo "ok - NSD back: announced after $RISE passing checks, ${announce_ms} ms after recovery"

# An operator's command fails: the same.
rm "$WORK/web-ok"
wait_within "withdrawn after the web check failed" 10 withdrawn
grep -q "health check web failed: 'test -e $WORK/web-ok' exited with status 1" "$WORK/xdpcastd.log" ||
	fail "the command's failure is not logged"
touch "$WORK/web-ok"
wait_within "announced after the web check passed" 10 announced
echo "ok - a failing health command withdraws, its recovery announces"

# Per prefix and graded: v6web fails and drains the IPv6 prefix only.
path_of() { cli birdc -s "$TRANSIT_SOCK" show route "$1" all 2>/dev/null | awk '/BGP.as_path:/ {$1 = ""; print substr($0, 2)}'; }
community_of() { cli birdc -s "$TRANSIT_SOCK" show route "$1" all 2>/dev/null | awk '/BGP.community:/ {$1 = ""; print substr($0, 2)}'; }
rm "$WORK/v6-ok"
wait_within "the IPv6 prefix drained" 10 eval '[ "$(path_of 2001:db8:53::/48)" = "64501 64501 64501 64501" ]'
[ "$(path_of 192.0.2.0/24)" = 64501 ] || fail "the IPv4 prefix was drained too: $(path_of 192.0.2.0/24)"
[ "$(community_of 2001:db8:53::/48)" = "(64500,666)" ] || fail "the drain's community: '$(community_of 2001:db8:53::/48)'"
grep -qx "anycast 2001:db8:53::/48: prepended (prepend 3) (check v6web down), exported by BIRD" <<< "$(ctl status)" ||
	fail "status: $(ctl status)"
gauge_becomes 'xdpcast_prefix_state{pop="e2e",prefix="2001:db8:53::/48",state="prepended"}' 1 \
	"the metrics say prepended"
touch "$WORK/v6-ok"
wait_within "the IPv6 prefix undrained" 10 eval '[ "$(path_of 2001:db8:53::/48)" = 64501 ]'
echo "ok - a check gating the IPv6 prefix with action drain: that prefix alone got 3 prepends and the community at the transit, then came back"

# Maintenance by hand, kept across a restart.
ctl drain --prepend 2 192.0.2.0/24 | grep -qx "192.0.2.0/24: prepended (prepend 2) (drained by xdpcastctl)" ||
	fail "drain: $(ctl drain --prepend 2 192.0.2.0/24)"
wait_within "drained at the transit" 10 eval '[ "$(path_of 192.0.2.0/24)" = "64501 64501 64501" ]'
grep -q '"192.0.2.0/24"' "$WORK/state.json" || fail "the drain is not kept: $(cat "$WORK/state.json")"
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE" \
	--metrics $UNICAST4:9153
grep -q "192.0.2.0/24: drained by an operator" "$WORK/xdpcastd.log" || fail "the drain was forgotten by the restart"
# The new daemon's first word to BIRD (the include written just before),
# then time for BGP to carry what it changed.
wait_for "the new daemon on BIRD" grep -q "connected to BIRD" "$WORK/xdpcastd.log"
sleep 1
[ "$(path_of 192.0.2.0/24)" = "64501 64501 64501" ] || fail "the restart undid the drain: $(path_of 192.0.2.0/24)"
ctl withdraw 2001:db8:53::/48 > /dev/null
wait_within "the IPv6 prefix withdrawn by hand" 10 lacks transit_has 2001:db8:53::/48
transit_has 192.0.2.0/24 || fail "withdrawing the IPv6 prefix took the IPv4 one"
ctl undrain > /dev/null
wait_within "both back to plain" 10 eval '[ "$(path_of 192.0.2.0/24)" = 64501 ] && [ "$(path_of 2001:db8:53::/48)" = 64501 ]'
out=$(ctl drain 198.51.100.0/24 2>&1) && fail "drained a prefix that is not ours"
grep -q "198.51.100.0/24 is not one of the anycast prefixes" <<< "$out" || fail "drain of a stranger: $out"
rc=0; out=$(ctl drain --prepend 11 192.0.2.0/24 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: --prepend takes 0..10" ] || fail "drain --prepend 11: rc $rc, '$out'"
echo "ok - xdpcastctl drain (2 prepends) and withdraw of one prefix, kept across a restart in the state file; undrain lifts both; 11 prepends refused"

# Four slow checks running (each on a worker of its own): an operator's
# withdraw still reaches the include file meanwhile.
slow_checks() { ns_running "$NS_SRV" "sleep 7"; }
touch "$WORK/slow"
wait_within "four slow checks running" 10 eval '[ "$(slow_checks)" -eq 4 ]'
ctl withdraw 2001:db8:53::/48 > /dev/null
wait_within "the include without the IPv6 route" 10 eval '! grep -q "route 2001:db8:53::/48" "$INCLUDE"'
[ "$(slow_checks)" -eq 4 ] || fail "the include was written only once a slow check ended ($(slow_checks) still run)"
rm "$WORK/slow"
ctl undrain > /dev/null
wait_within "the slow checks over and both announced" 30 eval '[ "$(slow_checks)" -eq 0 ] && announced'
echo "ok - four slow checks running: a withdraw reaches BIRD's include meanwhile"

# The program detached behind xdpcastd's back: put back at the next round,
# counted, and the PoP stays announced.
srv ip link set dev veth-s xdp off
wait_within "the program attached again" 5 eval 'grep -q "\"reattached\": 1" <<< "$(ctl status --json)"'
grep -q "veth-s: the xdpcast program had been detached by someone; attached again in native mode" \
	"$WORK/xdpcastd.log" || fail "the re-attach is not logged"
gauge_becomes 'xdpcast_iface_reattached_total{pop="e2e",iface="veth-s"}' 1 "the re-attach counted"
announced || fail "withdrawn although the program was put back"
echo "ok - the program detached by hand: attached again by the next round, logged and counted, still announced"

# Another program replaced ours: not fought over, withdrawn, and said so.
srv ip -force link set dev veth-s xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
wait_within "withdrawn after the program was replaced" 10 withdrawn
grep -q "^check fast_path down: veth-s: replaced by program [0-9]* 'xdp_pass' in native mode" <<< "$(ctl status)" ||
	fail "status: $(ctl status)"
gauge_becomes 'xdpcast_iface_attached{pop="e2e",iface="veth-s"}' 0 "the metrics say not attached"
grep -q "^interface veth-s (ifindex [0-9]*): not attached, $(srv ip -j link show veth-s | python3 -c 'import json,sys; print("program %d" % json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')" <<< "$(ctl status)" ||
	fail "status does not say what holds veth-s: $(ctl status)"
srv ip link set dev veth-s xdp off
wait_within "announced after the foreign program left" 10 announced
echo "ok - another program replaced ours: withdrawn, status and metrics name it; once it left, ours is back and announced"

# Operators reconfigure BIRD all day: the routes must not blink.
monitor_transit() {
	while :; do
		route_sample transit_has 192.0.2.0/24
		sleep 0.02
	done > "$WORK/monitor.txt"
}
# When the transit learned each route, in ms: a route withdrawn and learned
# again during the configures, however briefly, reads at least 0.5 s later.
# (BIRD keeps the time on the monotonic clock and prints it through the
# wall clock's offset of the moment: the same route reads a ms or so apart.)
# The samples say the same for gaps longer than one (loaded machines take
# fewer of them).
learned() {
	local at
	at=$(cli birdc -s "$TRANSIT_SOCK" show route "$1" 2>/dev/null | sed -n "s|^$1 .*\[pop[46] \([^]]*\)\].*|\1|p")
	[ -n "$at" ] && date -d "$at" +%s%3N
}
before=("$(learned 192.0.2.0/24)" "$(learned 2001:db8:53::/48)")
[[ "${before[0]} ${before[1]}" =~ ^[0-9]{13}\ [0-9]{13}$ ]] || fail "the transit's route times: '${before[*]}'"
monitor_transit &
MONITOR=$!
PIDS+=($MONITOR)
sleep 0.5
for i in 1 2 3 4 5; do
	srv birdc -s "$POP_SOCK" configure > /dev/null || fail "birdc configure failed"
	sleep 0.3
done
sleep 1
kill "$MONITOR"; wait "$MONITOR" 2>/dev/null || true
samples=$(wc -l < "$WORK/monitor.txt")
gaps=$(grep -c down "$WORK/monitor.txt" || true)
after=("$(learned 192.0.2.0/24)" "$(learned 2001:db8:53::/48)")
for i in 0 1; do
	[ -n "${after[i]}" ] && [ $((after[i] - before[i])) -le 100 ] ||
		fail "the transit learned the routes again (at ${before[*]} ms, then ${after[*]}): a flap"
done
[ "$samples" -gt 10 ] && [ "$gaps" -eq 0 ] || fail "the transit lost the route in $gaps of $samples samples"
echo "ok - five operator 'birdc configure' in a row: the transit kept both prefixes (not learned again since; $samples samples, 0 gaps)"

# The include file cannot be written (a directory in its place): BIRD keeps
# what it has, status and metrics still follow what BIRD does (a transit
# session lost meanwhile), and the error is logged once, not every round.
# Each round puts a missing file back, so a round may come between the rm
# and the mkdir: try again until the directory is in place.
for try in $(seq 20); do
	rm -f "$INCLUDE"
	mkdir "$INCLUDE" 2> /dev/null && break
done
[ -d "$INCLUDE" ] || fail "could not put a directory in place of $INCLUDE"
cli birdc -s "$TRANSIT_SOCK" disable pop4 > /dev/null
wait_within "the lost session in the metrics" 10 eval \
	'[ "$(gauge "xdpcast_bgp_session_up{pop=\"e2e\",protocol=\"transit4\"}")" = 0 ]'
[ "$(gauge "xdpcast_prefix_announced{pop=\"e2e\",prefix=\"192.0.2.0/24\"}")" = 0 ] ||
	fail "192.0.2.0/24 said exported with its only session down"
grep -q "^bgp: BIRD at $POP_SOCK.*BIRD include file $INCLUDE: .*Is a directory" <<< "$(ctl status)" ||
	fail "status: $(ctl status)"
sleep $((INTERVAL_MS * 4 / 1000 + 1))
logged=$(grep -c "BIRD include file $INCLUDE: .*Is a directory" "$WORK/xdpcastd.log")
[ "$logged" -eq 1 ] || fail "the write error logged $logged times"
rmdir "$INCLUDE"
cli birdc -s "$TRANSIT_SOCK" enable pop4 > /dev/null
wait_within "announced once the file is written again" 15 announced
# The transit may have the routes back before the next round writes the
# file: BIRD kept them, and the session came back up.
wait_within "the recovery logged" 5 grep -q "BIRD include file $INCLUDE: written again after [0-9]* failed tries" \
	"$WORK/xdpcastd.log"
echo "ok - the include file unwritable: status and metrics still follow BIRD (a lost session), the error logged once"

# BIRD dies: xdpcastd stays, answers from XDP and says BIRD is down.
kill -KILL "$POP_BIRD"
wait "$POP_BIRD" 2>/dev/null || true
wait_within "xdpcast_bird_up 0" 5 eval '[ "$(gauge "xdpcast_bird_up{pop=\"e2e\"}")" = 0 ]'
kill -0 "$XDPCASTD_PID" || fail "xdpcastd exited when BIRD died"
xdp_answers ns1.example.test A 192.0.2.53 || fail "not answered from XDP while BIRD is down"
grep -q "BIRD control socket $POP_SOCK: .*retrying" "$WORK/xdpcastd.log" || fail "BIRD's death is not logged"
grep -q "^bgp: BIRD at $POP_SOCK unreachable: " <<< "$(ctl status)" || fail "status: $(ctl status)"
[ "$(gauge "xdpcast_prefix_announced{pop=\"e2e\",prefix=\"192.0.2.0/24\"}")" = 0 ] || fail "announced without BIRD"
echo "ok - BIRD killed: xdpcastd keeps answering from XDP, logs it, metrics say BIRD is down"

# Garbage on the socket is a broken BIRD, not a crash.
rm -f "$POP_SOCK"
srv python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4); s.settimeout(40)
end = time.time() + 40
while time.time() < end:
    try: c, _ = s.accept()
    except socket.timeout: break
    c.sendall(b"HTTP/1.1 200 OK\r\n\r\nnot bird\n"); c.close()
' "$POP_SOCK" &
FAKE=$!
PIDS+=($FAKE)
wait_within "garbage reported" 40 grep -q "BIRD control socket $POP_SOCK: not BIRD's greeting: 'HTTP/1.1 200 OK" "$WORK/xdpcastd.log"
kill "$FAKE" 2>/dev/null; wait "$FAKE" 2>/dev/null || true
kill -0 "$XDPCASTD_PID" || fail "xdpcastd exited on garbage"
rm -f "$POP_SOCK"
echo "ok - garbage on the BIRD socket: logged, xdpcastd stays"

# BIRD back: it reads the include file at start; xdpcastd need not do a
# thing (it is frozen meanwhile to prove it).
kill -STOP "$XDPCASTD_PID"
start_pop_bird
wait_within "re-announced after BIRD restarted" 45 announced
kill -CONT "$XDPCASTD_PID"
echo "ok - BIRD restarted: the include file alone announces again (xdpcastd stopped meanwhile)"

# BIRD down while xdpcastd changes its mind: BIRD starts withdrawn.
kill -KILL "$POP_BIRD"
wait "$POP_BIRD" 2>/dev/null || true
rm "$WORK/web-ok"
wait_within "the include file withdrawn" 10 eval '! grep -q route "$INCLUDE"'
start_pop_bird
wait_within "both sessions up again" 20 eval \
	'[ "$(cli birdc -s "$TRANSIT_SOCK" show protocols | grep -c Established)" = 2 ]'
sleep 1
withdrawn || fail "BIRD announced what xdpcastd withdrew while it was down"
touch "$WORK/web-ok"
wait_within "announced once healthy again" 10 announced
echo "ok - BIRD down while the PoP went unhealthy: BIRD started withdrawn, announced once healthy"

# The anycast address configured after the start (a boot where the
# address comes later, say): its prefix is withdrawn and status says why;
# once the address is added, the next rounds ask it and announce. It was
# looked for at the start only, so the prefix stayed withdrawn until a
# restart. Taken away while running: withdrawn, the same reason.
only_v6() { transit_has 2001:db8:53::/48 && lacks transit_has 192.0.2.0/24; }
no_address="no address inside 192.0.2.0/24 on this host: the server behind cannot be checked (add one, or set health.backend)"
stop_xdpcastd
srv ip addr del $ANYCAST4/32 dev lo
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
grep -q "warning: check backend 192.0.2.0/24: $no_address: down until then" "$WORK/xdpcastd.log" ||
	fail "the start did not warn of the missing address: $(grep "backend 192" "$WORK/xdpcastd.log")"
wait_within "the IPv6 prefix announced alone" 15 only_v6
grep -qx "check backend 192.0.2.0/24 down: $no_address" <<< "$(ctl status)" || fail "status: $(ctl status)"
srv ip addr add $ANYCAST4/32 dev lo
wait_within "announced once the address was added" 10 announced
srv ip addr del $ANYCAST4/32 dev lo
wait_within "withdrawn once the address was taken away" 10 only_v6
grep -qx "check backend 192.0.2.0/24 down: $no_address" <<< "$(ctl status)" || fail "status: $(ctl status)"
srv ip addr add $ANYCAST4/32 dev lo
wait_within "announced once the address was back" 10 announced
echo "ok - an anycast address added after the start: its prefix withdrawn meanwhile (status says why), announced once added; taken away: withdrawn"

# SIGTERM: withdrawn while the program is still attached, then detached.
kill -TERM "$XDPCASTD_PID"
stopped_at=$(date +%s%N)
wait_within "withdrawn on SIGTERM" 3 withdrawn
drain_seen=$(ms_since "$stopped_at")
srv ip -o link show veth-s | grep -q "prog/xdp" || fail "detached before the withdrawal was seen"
xdp_answers ns1.example.test A 192.0.2.53 || fail "not answered during the drain"
rc=0
wait "$XDPCASTD_PID" || rc=$?
drained=$(ms_since "$stopped_at")
[ "$rc" -eq 0 ] || fail "xdpcastd exited with $rc on SIGTERM"
[ "$drained" -ge 3000 ] || fail "detached after $drained ms, before drain_ms 3000"
srv ip -o link show | grep -q "prog/xdp" && fail "still attached after exit"
[ ! -e "$PIN_DIR" ] || fail "maps still pinned after exit"
echo "ok - SIGTERM: withdrawn at the transit after ${drain_seen} ms while XDP still answered; detached after the ${drained} ms drain"

# The event loop failing during that drain: the stop still ends detached and
# unpinned (no program left answering from a cache no daemon keeps), with
# the status of a stop BIRD may not have taken: the hook withdraws, the
# unit does not start it again. (The shim fails the
# first poll of more than two descriptors, the loop's, once
# $WORK/poll_fail exists.)
POLL_FAIL_ARM=$WORK/poll_fail XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" \
	--bird-include "$INCLUDE"
wait_within "announced at the transit" 15 announced
kill -TERM "$XDPCASTD_PID"
wait_for "the drain begun" grep -q "answering for 3000 ms more before detaching" "$WORK/xdpcastd.log"
touch "$WORK/poll_fail"
rc=0
wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 3 ] && tail -1 "$WORK/xdpcastd.log" | grep -q "error: stopped: detached and unpinned, the event loop having failed during the stop: exiting with status 3 so that the stop hook withdraws the anycast prefixes" ||
	fail "the loop failing during the drain: exit $rc, $(tail -3 "$WORK/xdpcastd.log")"
grep -q "poll: Cannot allocate memory" "$WORK/xdpcastd.log" || fail "the loop did not fail: $(tail -5 "$WORK/xdpcastd.log")"
srv ip -o link show | grep -q "prog/xdp" && fail "still attached after the loop failed during the stop"
[ ! -e "$PIN_DIR" ] || fail "maps still pinned after the loop failed during the stop"
echo "ok - the event loop failing during the stop's drain: detached and unpinned all the same, exit status 3 for the stop hook"

# A drain kept in the state file by a config that could drain, read by one
# that cannot (no bgp.asn nor bgp.drain.communities): that prefix alone is
# withdrawn, said in the log and in status; the other one is announced.
printf '{"maintenance": {"192.0.2.0/24": {"action": "drain", "prepend": 2}}}\n' > "$WORK/state.json"
sed -e '/^bgp:/d' -e '/^  actions:/d' "$WORK/xdpcastd.yaml" > "$WORK/no-asn.yaml"
start_xdpcastd --zone "$ZONE" --config "$WORK/no-asn.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "the prefix not drained announced" 15 eval 'transit_has 2001:db8:53::/48'
lacks transit_has 192.0.2.0/24 || fail "a drain that cannot be expressed announced 192.0.2.0/24: $(cat "$INCLUDE")"
grep -q "state.json: 192.0.2.0/24: drained by an operator (2 prepends), but the config has no bgp.asn nor bgp.drain.communities to drain with: withdrawn instead" \
	"$WORK/xdpcastd.log" || fail "not logged: $(cat "$WORK/xdpcastd.log")"
grep -q "^anycast 192.0.2.0/24: withdrawn (drained by xdpcastctl, withdrawn: no bgp.asn nor bgp.drain.communities to drain with)" \
	<<< "$(ctl status)" || fail "status: $(ctl status)"
echo "ok - a drain in the state file this config cannot express: that prefix withdrawn and said so, the other announced"

# The IPv6 prefix announced by the xdpcastd running now, BIRD told: after
# an exit with status 3 BIRD still exports the previous one's routes, so
# the transit alone would let the next step run before this xdpcastd's
# first configure (then taken, with nothing left to refuse).
announced_here() {
	grep -qx "anycast 2001:db8:53::/48: announced, exported by BIRD" <<< "$(ctl status)" &&
		grep -q "route 2001:db8:53::/48 " "$INCLUDE"
}

# SIGTERM while BIRD hangs: the withdrawal never reached BIRD, so the exit is
# not clean and the unit's stop hook (which skips clean exits) withdraws.
kill -STOP "$POP_BIRD"
kill -TERM "$XDPCASTD_PID"
rc=0
wait "$XDPCASTD_PID" || rc=$?
kill -CONT "$POP_BIRD"
[ "$rc" -eq 3 ] || fail "xdpcastd exited with $rc although BIRD never took the withdrawal"
tail -1 "$WORK/xdpcastd.log" | grep -q "error: stopped: detached and unpinned, but BIRD may still announce the anycast prefixes (.*): exiting with status 3 so that the stop hook withdraws them" ||
	fail "last log line: $(tail -1 "$WORK/xdpcastd.log")"
echo "ok - SIGTERM while BIRD hung: exit status 3 and a last line saying BIRD may still announce"

# A second SIGTERM before BIRD took the withdrawal cuts the stop short: not
# a clean exit either, so the hook still withdraws.
start_xdpcastd --zone "$ZONE" --config "$WORK/no-asn.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "the IPv6 prefix announced by this xdpcastd" 15 announced_here
kill -STOP "$POP_BIRD"
kill -TERM "$XDPCASTD_PID"
wait_for "the withdrawal begun" grep -q "withdrawing the anycast prefixes" "$WORK/xdpcastd.log"
kill -TERM "$XDPCASTD_PID"
rc=0
wait "$XDPCASTD_PID" || rc=$?
kill -CONT "$POP_BIRD"
[ "$rc" -eq 3 ] || fail "a second SIGTERM before BIRD took the withdrawal: exit $rc"
echo "ok - a second SIGTERM before BIRD took the withdrawal: exit status 3"

# SIGTERM after a withdrawal BIRD refused (its config broken by an edit half
# done, then the PoP unhealthy): every prefix is decided withdrawn, but BIRD
# still exports the old routes. The stop said "nothing announced" and
# exited 0, so the stop hook did not withdraw either.
start_xdpcastd --zone "$ZONE" --config "$WORK/no-asn.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "the IPv6 prefix announced by this xdpcastd" 15 announced_here
break_bird_config
rm "$WORK/web-ok"
wait_within "every prefix decided withdrawn" 10 eval '! grep -q route "$INCLUDE"'
wait_for "BIRD's refusal in status" eval 'grep -q "bird-pop.conf:[0-9]*:[0-9]* syntax error" <<< "$(ctl status)"'
transit_has 2001:db8:53::/48 || fail "BIRD took a configure of a broken config"
kill -TERM "$XDPCASTD_PID"
ended_unwithdrawn "SIGTERM with a withdrawal BIRD refused"
mend_bird_config
touch "$WORK/web-ok"
echo "ok - SIGTERM after a withdrawal BIRD refused: exit status 3 for the stop hook, not a clean stop"

# The same with nothing left to change at the stop: xdpcastctl withdrew the
# last announced prefix while BIRD refused its config. The stop synced only
# when a route changed, so it waited for the next health round to ask BIRD
# again (here a minute; systemd's stop timeout is 30 s); now at once.
sed -e 's/^  interval_ms: .*/  interval_ms: 60000/' -e 's/^  rise: .*/  rise: 1/' "$WORK/no-asn.yaml" \
	> "$WORK/long-rounds.yaml"
start_xdpcastd --zone "$ZONE" --config "$WORK/long-rounds.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "the IPv6 prefix announced by this xdpcastd" 15 announced_here
break_bird_config
ctl withdraw 2001:db8:53::/48 > "$WORK/withdraw.out" 2>&1 || true
wait_for "BIRD's refusal in status" eval 'grep -q "bird-pop.conf:[0-9]*:[0-9]* syntax error" <<< "$(ctl status)"'
kill -TERM "$XDPCASTD_PID"
ended_unwithdrawn "SIGTERM after xdpcastctl withdraw BIRD refused (the stop waits for a health round?)"
mend_bird_config
echo "ok - SIGTERM after a withdrawal BIRD refused, nothing changing at the stop: BIRD asked again at once, exit status 3"

# An IXP-connected PoP: 70 more BGP peers (disabled) configured before the
# transits. Every session is read, and each prefix counts once as exported.
rm -f "$WORK/state.json"
python3 - "$WORK/bird-pop.conf" <<'PY'
import sys
path = sys.argv[1]
conf = open(path).read()
peers = "".join(f"protocol bgp ixp{i} {{ disabled; local as 64501; neighbor 203.0.113.{i + 10} as {65000 + i}; "
                "ipv4 { import none; export none; }; }\n" for i in range(70))
open(path, "w").write(conf.replace("protocol bgp transit4", peers + "protocol bgp transit4", 1))
PY
srv birdc -s "$POP_SOCK" configure > /dev/null || fail "BIRD refused the 70 peers"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE" \
	--metrics $UNICAST4:9153
wait_within "announced at the transit" 15 announced
wait_within "both prefixes exported in the metrics" 5 eval \
	'[ "$(gauge "xdpcast_prefix_announced{pop=\"e2e\",prefix=\"192.0.2.0/24\"}")$(gauge "xdpcast_prefix_announced{pop=\"e2e\",prefix=\"2001:db8:53::/48\"}")" = 11 ]'
status=$(ctl status)
grep -qx "session transit4 up" <<< "$status" && grep -qx "session transit6 up" <<< "$status" || fail "status: $status"
[ "$(grep -c "^session " <<< "$status")" -eq 72 ] || fail "$(grep -c "^session " <<< "$status") sessions in status, not 72"
stop_xdpcastd
echo "ok - 72 BGP sessions (70 IXP peers before the transits): every one read, both prefixes exported"

# A stop with no BIRD listening (it died; its socket file is left): BIRD
# announces nothing and reads the include file when it starts, so the
# stop is clean: exit 0 (DESIGN: SIGTERM exits 0), the file withdrawn.
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "announced at the transit" 15 announced
kill -KILL "$POP_BIRD"
wait "$POP_BIRD" 2>/dev/null || true
wait_within "BIRD seen gone" 10 grep -q "BIRD control socket $POP_SOCK: connect: Connection refused" "$WORK/xdpcastd.log"
stop_xdpcastd
grep -q "no BIRD listening at $POP_SOCK (connect: Connection refused): it announces nothing" "$WORK/xdpcastd.log" ||
	fail "the stop without BIRD is not logged: $(tail -3 "$WORK/xdpcastd.log")"
# There, and withdrawn: BIRD's next start needs the file.
grep -q "^protocol static xdpcast4 {" "$INCLUDE" && ! grep -q route "$INCLUDE" ||
	fail "the include file is not left withdrawn: $(cat "$INCLUDE" 2>&1)"
echo "ok - SIGTERM with no BIRD listening: exit 0, the include file withdrawn for BIRD's next start"

# A BIRD that has not answered yet (the daemon's first try waits for its
# greeting, 2 s at most): status says so, where it printed
# "unreachable: (null)".
srv python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
held = [s.accept()[0] for _ in range(2)]
time.sleep(30)' "$WORK/silent-bird.ctl" &
SILENT=$!
PIDS+=($SILENT)
wait_for "the silent BIRD socket" test -S "$WORK/silent-bird.ctl"
# Asked from the start on: the daemon's wait is 2 s from its first try,
# which comes before it says ready.
launch_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$WORK/silent-bird.ctl" --bird-include "$INCLUDE"
not_reached() { ctl --timeout 1 status 2>/dev/null | grep -qx "bgp: BIRD at $WORK/silent-bird.ctl not reached yet"; }
within 10 not_reached || fail "status before BIRD answered: $(ctl status 2>&1)"
wait_for "xdpcastd" xdpcastd_ready
kill "$SILENT"; wait "$SILENT" 2>/dev/null || true
rm -f "$WORK/silent-bird.ctl"
stop_xdpcastd
echo "ok - status before BIRD answered the first time: not reached yet"
