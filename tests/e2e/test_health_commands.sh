#!/usr/bin/env bash
# Operators' health commands that misbehave delay nothing but themselves:
# more slow commands than the checks lane used to have threads do not hold
# back the backend check (NSD dies: withdrawn within `fall` rounds), and a
# command that hangs does not hold up the stop. The BIRD include file is
# what we watch (no BIRD needed).
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
INCLUDE=$WORK/bird.conf
INTERVAL_MS=300
FALL=2
SLOW_COMMANDS=6

setup_network
start_nsd "$ZONE"
NSD_PID=${PIDS[-1]}
{
	echo "drain_ms: 0"
	echo "health:"
	echo "  {interval_ms: $INTERVAL_MS, rise: 2, fall: $FALL, commands: ["
	for i in $(seq 1 $SLOW_COMMANDS); do
		echo "    {name: slow$i, run: \"test ! -e $WORK/slow || exec sleep 33\", timeout_ms: 60000},"
	done
	echo "  ]}"
} > "$WORK/xdpcastd.yaml"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" \
	--bird-socket "$WORK/no-bird.ctl" --bird-include "$INCLUDE"
announced() { grep -q "route 192.0.2.0/24" "$INCLUDE" 2>/dev/null; }
wait_for "announced" announced

# Every slow command hangs (their checks stay up: no result yet).
slow_commands() { ns_running "$NS_SRV" "sleep 33"; }
touch "$WORK/slow"
wait_for "all $SLOW_COMMANDS slow commands running at once" eval '[ "$(slow_commands)" -eq $SLOW_COMMANDS ]'
kill "$NSD_PID"
wait "$NSD_PID" 2>/dev/null || true
killed=$(date +%s%N)
# fall rounds and one to spare, and the include file's write
wait_within "withdrawn while $SLOW_COMMANDS commands hang" 3 eval '! announced'
grep -q "health check backend 192.0.2.0/24: down ($FALL failures in a row)" "$WORK/xdpcastd.log" ||
	fail "withdrawn, but not for the backend check: $(tail -5 "$WORK/xdpcastd.log")"
echo "ok - $SLOW_COMMANDS hanging commands: NSD dead withdrawn $(ms_since "$killed") ms later (interval $INTERVAL_MS ms, fall $FALL)"

# The stop kills the hanging commands rather than waiting out their 60 s.
stopping=$(date +%s%N)
kill -TERM "$XDPCASTD_PID"
rc=0
wait "$XDPCASTD_PID" || rc=$?
stop_ms=$(ms_since "$stopping")
# 0: withdrawn already, nothing for BIRD (none runs here) to take.
[ "$rc" -eq 0 ] || fail "xdpcastd exited with $rc: $(tail -3 "$WORK/xdpcastd.log")"
[ "$stop_ms" -lt 5000 ] || fail "the stop took $stop_ms ms: it waited for the hanging commands"
[ "$(slow_commands)" -eq 0 ] || fail "$(slow_commands) commands outlived xdpcastd"
echo "ok - stopped $stop_ms ms after SIGTERM with $SLOW_COMMANDS commands hanging, none left running"

# What a command runs with, from the daemon itself (its worker threads hold
# CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN): nothing of it. Commands held
# those, enough to rewrite every map, and as root got the rest of the
# bounding set back at exec. With health.user: that user and its groups.
chmod o+x "$WORK"       # the way to who/ for health.user nobody
mkdir -m 0777 "$WORK/who"
identity_of() {         # identity_of [USER]: what a command under health.user USER writes
	local user=${1:-} out=$WORK/who/${1:-root}
	{
		echo "health:"
		echo "  interval_ms: 300"
		[ -z "$user" ] || echo "  user: $user"
		echo "  commands: [{name: who, run: \"{ id -u; id -g; id -G; grep -E '^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs)' /proc/\$\$/status; } > $out.tmp && mv $out.tmp $out\"}]"
	} > "$WORK/who.yaml"
	start_xdpcastd --zone "$ZONE" --config "$WORK/who.yaml" --bird-include "$INCLUDE"
	wait_for "the command to run" test -s "$out"
	stop_xdpcastd
	tr '\n\t' ' ' < "$out"
}
none="CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapAmb: 0000000000000000 NoNewPrivs: 1 "
got=$(identity_of)
[ "$got" = "0 0 0 $none" ] || fail "a command as the daemon's user ran with: $got"
echo "ok - health.user unset: the command is root without capabilities ($got)"
got=$(identity_of nobody)
[ "$got" = "65534 65534 65534 $none" ] || fail "a command as nobody ran with: $got"
echo "ok - health.user nobody: uid, gid and groups 65534, no capabilities"

# A handover while healthy, to a daemon with a prefix added that has no
# address on this host (its backend check cannot pass until one is
# added): the checks the previous daemon passed are trusted, that one not
# (a check new after a healthy handover starts up, but this one has
# nothing to ask). It was announced for `fall` rounds; it is never in the
# include file.
start_nsd "$ZONE"
printf 'health: {interval_ms: %s, rise: 2, fall: %s}\n' "$INTERVAL_MS" "$FALL" > "$WORK/plain.yaml"
start_xdpcastd --zone "$ZONE" --config "$WORK/plain.yaml" --bird-socket "$WORK/no-bird.ctl" --bird-include "$INCLUDE"
# Healthy: every check up, so that a new check starts up unless it cannot run.
healthy() { [ "$(ctl status --json | json 'v["healthy"]')" = True ]; }
wait_for "healthy" healthy
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID" || fail "the handover"
launch_xdpcastd --zone "$ZONE" --config "$WORK/plain.yaml" --bird-socket "$WORK/no-bird.ctl" --bird-include "$INCLUDE" \
	--anycast 203.0.113.0/24
wait_for "xdpcastd" xdpcastd_ready
# Every 20 ms from the first decision on, past `fall` rounds.
for i in $(seq 1 $((INTERVAL_MS * (FALL + 2) / 20))); do
	! grep -q "route 203.0.113.0/24" "$INCLUDE" 2>/dev/null || fail "203.0.113.0/24 announced: $(cat "$INCLUDE")"
	sleep 0.02
done
grep -q "handed over while healthy: staying announced" "$WORK/xdpcastd.log" || fail "the handover's word not taken"
# The daemon logs every route it writes: none for that prefix, however brief.
! grep -q "announcing 203.0.113.0/24" "$WORK/xdpcastd.log" || fail "203.0.113.0/24 announced: $(grep 203.0.113 "$WORK/xdpcastd.log")"
announced || fail "the prefixes the previous daemon announced were withdrawn: $(cat "$INCLUDE")"
grep -q "^anycast 203.0.113.0/24: withdrawn (check backend 203.0.113.0/24 down; not announced before the handover: waits for its checks to pass here)" <<< "$(ctl status)" ||
	fail "status of the prefix without an address: $(ctl status | grep 203.0.113)"
stop_xdpcastd
echo "ok - a handover to a daemon with a prefix that has no address here: the others stay announced, it never is"
