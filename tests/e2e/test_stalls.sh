#!/usr/bin/env bash
# Never stall: while a large zone loads and a transfer hangs on a primary
# that stopped answering, the daemon's loop keeps its cadence. NSD dies in
# the middle of it and the PoP withdraws (the BIRD include file loses its
# routes) while the load still runs; `xdpcastctl status` answers
# throughout. However fast the machine, the load is held there: the zone
# ends with an $INCLUDE whose open the shim (tests/tools/stall_write.c)
# holds until the test has seen the withdrawal; the compile follows. The
# status latencies and the loop's own longest turn are printed, and held
# against the compile's own time in the same run (no absolute timing
# thresholds here: `make bench` is for numbers).
source "$(dirname "$0")/lib.sh"

BIG_NAMES=${BIG_NAMES:-300000}
EXAMPLE=$ROOT/tests/zones/example.test.zone
INCLUDE=$WORK/bird.conf

# scale.test with N names, serial 1 whatever N (NSD keeps the small one)
big_zone() { "$ROOT/tests/tools/names_zone.sh" scale.test "$1" > "$2"; }
echo "tail 300 IN A 192.0.2.9" > "$WORK/held-tail.zone"

setup_network
big_zone 10 "$WORK/scale.zone"
# The slow primary: Knot on the PoP, SOA refresh 1 s, later stopped with
# SIGSTOP so that every refresh hangs until transfer.timeout_ms.
cat > "$WORK/slow.zone" <<ZONE
\$ORIGIN slow.test.
@    300 IN SOA ns1.slow.test. hostmaster.slow.test. 1 1 1 3600 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
ZONE
mkdir -p "$WORK/knot"
cp "$WORK/slow.zone" "$WORK/knot/slow.test.zone"
start_local_knot slow.test
# NSD serves the same data (the backend check compares serials).
start_nsd "$EXAMPLE" "$WORK/scale.zone" "$WORK/slow.zone"
NSD_PID=${PIDS[-1]}

cat > "$WORK/xdpcastd.yaml" <<YAML
health: {interval_ms: 200, rise: 2, fall: 2, backend: $ANYCAST4}
zone_watch: {enabled: false}
transfer:
  timeout_ms: 4000
  zones:
    - {zone: slow.test, primary: 127.0.0.1@5300}
YAML
# No BIRD: the include file is written all the same, and is what we watch.
HOLD_OPEN_NAME=held-tail HOLD_OPEN_MARKER=$WORK/held HOLD_OPEN_RELEASE=$WORK/release HOLD_S=60 XDPCASTD=$(shimmed) \
	start_xdpcastd --zone "$EXAMPLE" --zone "$WORK/scale.zone" --config "$WORK/xdpcastd.yaml" \
	--bird-socket "$WORK/no-bird.ctl" --bird-include "$INCLUDE"
announced() { grep -q "route 192.0.2.0/24" "$INCLUDE" 2>/dev/null; }
wait_for "announced" announced
status_field() { ctl status --json | python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }

# The slow transfer: Knot stopped, the next refresh hangs.
kill -STOP "$KNOT_PID"
wait_for "a transfer hanging" eval '[ "$(status_field "v[\"transfers\"][0][\"running\"]")" = True ]'

# The large compile.
big_zone "$BIG_NAMES" "$WORK/scale.zone.new"
echo "\$INCLUDE held-tail.zone" >> "$WORK/scale.zone.new"
mv "$WORK/scale.zone.new" "$WORK/scale.zone"
kill -HUP "$XDPCASTD_PID"
wait_for "the load held at its \$INCLUDE" test -e "$WORK/held"
[ "$(status_field "v[\"zones_loading\"]")" = True ] || fail "status does not say a load is running while it is held"

# status, every 50 ms, timed (xdpcastctl alone), with whether a load and a
# transfer were running.
(
	while :; do
		start=$(date +%s%N)
		if ctl status --json > "$WORK/probe.json"; then
			ms=$(( ($(date +%s%N) - start) / 1000000 ))
			echo "$ms $(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["zones_loading"], v["transfers"][0]["running"])' "$WORK/probe.json")"
		else
			echo "failed"
		fi
		sleep 0.05
	done
) > "$WORK/probe.txt" 2> /dev/null &
PROBE=$!
PIDS+=($PROBE)
sleep 0.3
kill "$NSD_PID"
wait "$NSD_PID" 2>/dev/null || true
killed=$(date +%s%N)
wait_within "withdrawn after NSD died" 10 eval '! announced'
withdraw_ms=$(ms_since "$killed")
[ "$(status_field "v[\"zones_loading\"]")" = True ] || fail "status does not say the load is running"
! grep -q "generation 2:" "$WORK/xdpcastd.log" || fail "a generation published while its zone's load was held"
grep -q "health check backend: down (2 failures in a row)" "$WORK/xdpcastd.log" || fail "no backend failure logged"
echo "ok - NSD died during a $BIG_NAMES-name load and a hanging transfer: withdrawn ${withdraw_ms} ms later (health every 200 ms, fall 2), the load still running"

released=$(date +%s%N)
touch "$WORK/release"
wait_within "the compile to end" 300 grep -q "generation 2:" "$WORK/xdpcastd.log"
compile_ms=$(ms_since "$released")
kill "$PROBE"; wait "$PROBE" 2>/dev/null || true
kill -CONT "$KNOT_PID"
probes=$(wc -l < "$WORK/probe.txt")
! grep -q failed "$WORK/probe.txt" || fail "status failed during the compile: $(grep -c failed "$WORK/probe.txt") of $probes"
during=$(grep -c " True " "$WORK/probe.txt" || true)
[ "$during" -gt 0 ] || fail "no status answer came while the compile ran"
longest=$(sort -n "$WORK/probe.txt" | tail -1 | cut -d' ' -f1)
turn=$(status_field 'round(v["loop_longest_turn_ms"], 1)')
# A loop that did the compile's work, or stalled as long another way, took
# a turn as long as the compile, and a status waited as long: answered in
# time for ctl's 30 s, that passed above.
[ "${turn%.*}" -lt $((compile_ms / 2)) ] && [ "$longest" -lt $((compile_ms / 2)) ] ||
	fail "the loop stalled: its longest turn ${turn} ms, the slowest status ${longest} ms, in a compile of ${compile_ms} ms"
echo "ok - status answered all $probes probes ($during during the compile of ${compile_ms} ms): slowest ${longest} ms; the loop's longest turn ${turn} ms"
