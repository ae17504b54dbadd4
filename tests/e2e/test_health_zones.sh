#!/usr/bin/env bash
# The zone checks ask `health.zones_per_round` zones a round, in turn (at
# 100,000 zones, asking every zone every round floods the server behind),
# and a zone the server behind loses still withdraws: the round that fails
# starts the next at that zone, so its failures come in a row. A plain
# rotation would pass the next round on other zones and announce again
# after `rise`. The BIRD include file is what we watch (no BIRD needed).
source "$(dirname "$0")/lib.sh"

INCLUDE=$WORK/bird.conf
INTERVAL_MS=200
ZONES=(z1.test z2.test z3.test z4.test z5.test)

zone_files=()
for z in "${ZONES[@]}"; do
	cat > "$WORK/$z.zone" <<ZONE
$z. 300 IN SOA ns1.$z. hostmaster.$z. 7 7200 900 1209600 300
$z. 300 IN NS ns1.$z.
ns1.$z. 300 IN A 192.0.2.53
ZONE
	zone_files+=("$WORK/$z.zone")
done
without_z4=("${zone_files[@]:0:3}" "${zone_files[4]}")

setup_network
start_nsd "${zone_files[@]}"
cat > "$WORK/xdpcastd.yaml" <<CONF
drain_ms: 0
health: {interval_ms: $INTERVAL_MS, rise: 2, fall: 2, zones_per_round: 2}
CONF
zone_args=()
for f in "${zone_files[@]}"; do zone_args+=(--zone "$f"); done
start_xdpcastd "${zone_args[@]}" --config "$WORK/xdpcastd.yaml" \
	--bird-socket "$WORK/no-bird.ctl" --bird-include "$INCLUDE"
announced() { grep -q "route 192.0.2.0/24" "$INCLUDE" 2>/dev/null; }
wait_for "announced" announced

# The server behind loses z4.test: it refuses z4.test's SOA.
kill "${PIDS[-2]}"
wait "${PIDS[-2]}" 2>/dev/null || true
start_nsd "${without_z4[@]}"
# While NSD restarts its address refuses connections (a loaded machine
# takes rounds to restart it): that withdraws too, then passes again, so
# the withdrawal looked for is the one after z4.test's refusal.
wait_for "z4.test refused by the server behind" grep -q \
	"health check backend 192.0.2.0/24 failed: backend .*: REFUSED to z4.test. SOA" "$WORK/xdpcastd.log"
wait_for "withdrawn once NSD lost z4.test" eval '! announced'
# Ten rounds more: it must not pass on the other zones and come back.
for i in $(seq 1 20); do
	! announced || fail "announced again while NSD does not serve z4.test (round-robin past the failing zone)"
	sleep 0.1
done
echo "ok - a zone the server lost (1 of 5, 2 asked a round) keeps the prefix withdrawn"

kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null || true
start_nsd "${zone_files[@]}"
wait_for "announced again once NSD serves z4.test" announced
echo "ok - announced again once NSD serves every zone"

# The fast_path check's SOA queries are test runs the program counts as
# answers in its test-run slot (8): 2 a round, and now and then a run made
# again (the thread moved to another CPU during it, lookup.c), so at most
# 3 are allowed. The timer allows at most WINDOW / INTERVAL + 2 rounds in
# a window (the window runs from before the first read to after the
# second); every zone a round (the defect) made 5 a round.
probe_answers() {
	srv bpftool -j map lookup pinned "$PIN_DIR/xdpcast_stats" key 8 0 0 0 |
		python3 -c 'import json, sys; print(sum(int.from_bytes(bytes(int(b, 16) for b in v["value"][:8]), "little") for v in json.load(sys.stdin)["values"]))'
}
started=$(date +%s%N)
before=$(probe_answers)
sleep 2
after=$(probe_answers)
window_ms=$(ms_since "$started")
most=$((3 * (window_ms / INTERVAL_MS + 2)))
probes=$((after - before))
[ "$probes" -gt 0 ] || fail "no fast_path probe answered in $window_ms ms"
[ "$probes" -le "$most" ] || fail "$probes SOA probes in $window_ms ms: more than 2 zones a round (at most $most, with runs made again)"
echo "ok - $probes fast_path SOA probes in $window_ms ms (2 zones a round: at most $most)"

# A zone file whose origin changes: z5.test's file now holds z6.test, which
# NSD does not serve. Its failures count as any zone's, though the start
# read another origin from that file (they were taken for a zone removed
# meanwhile, never counted, and the prefix stayed announced).
sed 's/z5\.test/z6.test/g' "$WORK/z5.test.zone" > "$WORK/z5.test.zone.new"
mv "$WORK/z5.test.zone.new" "$WORK/z5.test.zone"
kill -HUP "$XDPCASTD_PID"
wait_for "withdrawn once z5.test's file holds z6.test, which NSD does not serve" eval '! announced'
grep -q "health check backend 192.0.2.0/24 failed: backend .*: REFUSED to z6.test. SOA" "$WORK/xdpcastd.log" ||
	fail "withdrawn, but not for z6.test: $(grep 'health check' "$WORK/xdpcastd.log" | tail -5)"
echo "ok - a zone file's new origin that the server behind lacks withdraws"
stop_xdpcastd
