#!/usr/bin/env bash
# What every sync reads back from BIRD (`show protocols`, then `show route
# export SESSION` of each established session) with real BIRDs, where the
# PoP's BIRD is not the minimal one of test_bgp.sh:
# - sessions whose names BIRD 2 takes only quoted ('transit-v4.ix': a
#   dash, a dot, or a keyword such as 'ibgp'), as IXP and generated
#   configs name them. Unquoted, BIRD answered such a name with a syntax
#   error, which ended the BIRD session as if BIRD were gone;
# - a session that exports more than the anycast prefixes (the PoP's other
#   routes, a table to a collector): past 100,000 lines the reply was taken
#   for garbage and ended the session the same way.
# Either way BIRD's exports were never read, xdpcast_bird_up stayed 0,
# withdrawals waited for the reconnect backoff (up to 30 s) and every stop
# exited 3 ("BIRD did not take the withdrawal") though BIRD had taken it.
# And `show static xdpcast4`/`xdpcast6`, what BIRD runs of the file: an
# operator's `birdc configure undo` of a withdrawal is put right.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone

announced() { transit_has 192.0.2.0/24 && transit_has 2001:db8:53::/48; }
withdrawn() { lacks transit_has 192.0.2.0/24 && lacks transit_has 2001:db8:53::/48; }
# bgp_status: "connected error exported sessions" from xdpcastctl status --json.
bgp_status() {
	ctl status --json | json '" ".join([str(v["bgp"]["connected"]), str(v["bgp"]["error"]),
		",".join(sorted(v["bgp"]["exported"])),
		",".join(s["protocol"] + "=" + str(s["established"]) for s in v["bgp"]["sessions"])])'
}
READ_BACK="True None 192.0.2.0/24,2001:db8:53::/48 transit-v4.ix=True,transit-v6.ix=True"

setup_network
start_nsd "$ZONE"
NSD_PID=${PIDS[-1]}
POP_SESSION="'transit-v%s.ix'" start_bgp_pair "4 6"
cat > "$WORK/xdpcastd.yaml" <<YAML
drain_ms: 500
health: {interval_ms: 300, rise: 2, fall: 2}
YAML
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "announced at the transit" 15 announced
wait_within "BIRD's sessions and exports read back" 10 eval '[ "$(bgp_status)" = "$READ_BACK" ]'
! grep -q "BIRD refused" "$WORK/xdpcastd.log" || fail "BIRD refused a command: $(grep "BIRD refused" "$WORK/xdpcastd.log")"
echo "ok - sessions named 'transit-v4.ix' and 'transit-v6.ix': status reads both established and both prefixes exported"

kill "$NSD_PID"
wait "$NSD_PID" 2>/dev/null || true
wait_within "withdrawn after NSD stopped" 10 withdrawn
wait_within "the withdrawal read back" 10 eval \
	'[ "$(bgp_status)" = "True None  transit-v4.ix=True,transit-v6.ix=True" ]'
echo "ok - NSD stopped: withdrawn at the transit, and status reads that BIRD exports nothing"

# An operator's `birdc configure undo` takes BIRD back to its config before
# xdpcastd's last `configure` (announcing) without reading the file, which
# still says withdrawn: it stayed announced until the next change.
# xdpcastd is stopped meanwhile, so that the transit surely sees the undo.
log_before=$(wc -l < "$WORK/xdpcastd.log")
kill -STOP "$XDPCASTD_PID"
srv birdc -s "$POP_SOCK" configure undo | grep -q "Reconfigured" || fail "BIRD did not undo"
wait_within "the undo at the transit" 10 eval 'transit_has 192.0.2.0/24 || transit_has 2001:db8:53::/48'
kill -CONT "$XDPCASTD_PID"
wait_within "withdrawn again" 10 withdrawn
tail -n +$((log_before + 1)) "$WORK/xdpcastd.log" |
	grep -qF "BIRD runs other routes than $INCLUDE says (a configure undo?): configuring BIRD again" ||
	fail "the undo is not logged: $(tail -n +$((log_before + 1)) "$WORK/xdpcastd.log")"
wait_within "the withdrawal read back" 10 eval \
	'[ "$(bgp_status)" = "True None  transit-v4.ix=True,transit-v6.ix=True" ]'
echo "ok - birdc configure undo of the withdrawal: BIRD configured again, withdrawn"

start_nsd "$ZONE"
NSD_PID=${PIDS[-1]}
wait_within "announced again" 15 announced
wait_within "the announcement read back" 10 eval '[ "$(bgp_status)" = "$READ_BACK" ]'
# transit4 exports 100,001 routes of the PoP's besides the anycast prefix:
# what is read of it is the anycast prefixes.
awk 'BEGIN {
	print "protocol static many4 {\n\tipv4;"
	for (i = 0; i <= 100000; i++)
		printf "\troute 10.%d.%d.%d/32 blackhole;\n", int(i / 65536), int(i / 256) % 256, i % 256
	print "}"
}' >> "$WORK/bird-pop.conf"
sed -i 's/export where proto ~ "xdpcast\*"; };/export all; };/' "$WORK/bird-pop.conf"
grep -q "^	ipv4 { import none; export all; };" "$WORK/bird-pop.conf" || fail "transit4 not made to export all"
srv birdc -s "$POP_SOCK" configure | grep -q "Reconfigured" || fail "BIRD did not take its new config"
wait_within "the 100,001 routes at the transit" 60 eval \
	'[ "$(cli birdc -s "$TRANSIT_SOCK" show route table master4 count | awk "/routes/ {print \$1}")" -ge 100002 ]'
log_before=$(wc -l < "$WORK/xdpcastd.log")
kill "$NSD_PID"
wait "$NSD_PID" 2>/dev/null || true
wait_within "withdrawn after NSD stopped" 10 withdrawn
wait_within "the withdrawal read back" 10 eval \
	'[ "$(bgp_status)" = "True None  transit-v4.ix=True,transit-v6.ix=True" ]'
start_nsd "$ZONE"
NSD_PID=${PIDS[-1]}
wait_within "announced again" 15 announced
wait_within "the announcement read back" 10 eval '[ "$(bgp_status)" = "$READ_BACK" ]'
! tail -n +$((log_before + 1)) "$WORK/xdpcastd.log" | grep -q "BIRD control socket" ||
	fail "the BIRD session failed: $(tail -n +$((log_before + 1)) "$WORK/xdpcastd.log" | grep "BIRD control socket")"
echo "ok - transit4 exports 100,001 more routes: the withdrawal and the announcement read back, the BIRD session kept"

# BIRD takes the stop's withdrawal: exit 0 (stop_xdpcastd), not 3.
stop_xdpcastd
withdrawn || fail "still announced at the transit after the stop"
grep -q "withdrawn; answering for 500 ms more before detaching" "$WORK/xdpcastd.log" ||
	fail "the stop did not see the withdrawal taken: $(tail -3 "$WORK/xdpcastd.log")"
echo "ok - SIGTERM: BIRD takes the withdrawal, xdpcastd drains and exits 0"

# SIGTERM while BIRD runs other routes than the file and refuses to be
# configured again: an operator's `birdc configure undo` of the withdrawal
# after an edit of bird.conf left half done, the signal coming before a
# health round saw it. The stop judged from the last sync (withdrawn,
# nothing exported) that nothing was announced, or from the earlier
# configure alone that BIRD took the withdrawal, and exited 0: the unit's
# stop hook (which skips clean exits) left the PoP announced. Now it asks
# BIRD, configures it again, is refused, and exits 3.
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" --bird-include "$INCLUDE"
wait_within "announced at the transit" 15 announced
kill "$NSD_PID"
wait "$NSD_PID" 2>/dev/null || true
wait_within "withdrawn after NSD stopped" 10 withdrawn
break_bird_config
kill -STOP "$XDPCASTD_PID"
srv birdc -s "$POP_SOCK" configure undo | grep -q "Reconfigured" || fail "BIRD did not undo"
wait_within "the undo at the transit" 10 eval 'transit_has 192.0.2.0/24 || transit_has 2001:db8:53::/48'
kill -TERM "$XDPCASTD_PID"
kill -CONT "$XDPCASTD_PID"
ended_unwithdrawn "SIGTERM while BIRD runs the undone routes"
mend_bird_config
wait_within "withdrawn once BIRD read the file" 10 withdrawn
echo "ok - SIGTERM while BIRD runs an undone withdrawal and refuses its config: configured again, exit status 3"
