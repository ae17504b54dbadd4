#!/usr/bin/env bash
# One source of truth (docs/bgp.md): the server behind loads the zone file,
# and xdpcastd follows it as a secondary (NOTIFY from NSD, then IXFR or
# AXFR from it). A client asks the fast path and NSD for the zone's serial
# in turns while the file changes and NSD reloads it: the window in which
# the two differ is measured, and XDP must come to NSD's serial. A zone
# whose NOTIFY never comes (quiet.test: NSD is not told to send one) is
# caught up by the backend check, which finds NSD ahead of us; one whose
# primary lags NSD (lagging.test) is logged so once, not at every round.
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/follow.test.zone
write_zone() {  # write_zone SERIAL [NAME]: NAME (follow.test) at SERIAL
	local name=${2:-follow.test}
	cat > "$WORK/$name.zone.new" <<ZONE
\$ORIGIN $name.
@    300 IN SOA ns1.$name. hostmaster.$name. $1 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   192.0.2.$((100 + $1))
ZONE
	mv "$WORK/$name.zone.new" "$WORK/$name.zone"
}
write_zone 1
write_zone 1 quiet.test
write_zone 2 lagging.test
setup_network
cat > "$WORK/nsd.conf" <<CONF
server:
  ip-address: $ANYCAST4
  ip-address: $ANYCAST6
  ip-address: $UNICAST4
  ip-address: 127.0.0.1
  database: ""
  pidfile: "$WORK/nsd.pid"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"          # else /tmp/nsd-xfr-PID outlives the test
  zonelistfile: "$WORK/zone.list"
  username: ""
  rrl-ratelimit: 0
  verbosity: 1
remote-control:
  control-enable: yes
  control-interface: $WORK/nsd-control.sock
zone:
  name: follow.test.
  zonefile: $ZONE
  # What docs/bgp.md asks of the server behind: tell xdpcastd, let it transfer.
  notify: 127.0.0.1@5301 NOKEY
  provide-xfr: 127.0.0.1 NOKEY
zone:
  name: quiet.test.
  zonefile: $WORK/quiet.test.zone
  provide-xfr: 127.0.0.1 NOKEY
zone:
  name: lagging.test.
  zonefile: $WORK/lagging.test.zone
CONF
ip netns exec "$NS_SRV" nsd -c "$WORK/nsd.conf" -d > "$WORK/nsd.log" 2>&1 &
PIDS+=($!)
wait_for "NSD" dig_ok "$UNICAST4"
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: 127.0.0.1@5301
  zones:
    - {zone: follow.test, primary: 127.0.0.1@53}
    - {zone: quiet.test, primary: 127.0.0.1@53}
YAML
start_xdpcastd --config "$WORK/xdpcastd.yaml"
xdp_answers www.follow.test A 192.0.2.101 || fail "follow.test is not answered from XDP: '$XDP_GOT'"

# The client: the fast path's serial and NSD's (its unicast address is not
# protected, so the program passes those), in turns, with a time each,
# until both said serial 2 a second ago (or for 30 s).
cli python3 - "$ANYCAST4" "$UNICAST4" 30 > "$WORK/serials.txt" <<'PY' &
import sys, time
import dns.exception, dns.message, dns.query
def soa_serial(server):
    query = dns.message.make_query("follow.test", "SOA", use_edns=False, flags=0)
    try:
        reply = dns.query.udp(query, server, timeout=0.5)
    except dns.exception.Timeout:
        return "timeout"
    return str(reply.answer[0][0].serial) if reply.answer else "noanswer"
end = time.time() + float(sys.argv[3])
new = set()
while time.time() < end:
    for who, server in (("xdp", sys.argv[1]), ("nsd", sys.argv[2])):
        serial = soa_serial(server)
        print("%.4f %s %s" % (time.time(), who, serial), flush=True)
        if serial == "2" and who not in new:
            new.add(who)
            if len(new) == 2:
                end = min(end, time.time() + 1)
    time.sleep(0.002)
PY
LOOP=$!
PIDS+=($LOOP)
sleep 1
write_zone 2
srv nsd-control -c "$WORK/nsd.conf" reload follow.test > /dev/null
wait "$LOOP"
grep -q "zone follow.test.: [IA]XFR from 127.0.0.1@53, serial 1 -> 2" "$WORK/xdpcastd.log" ||
	fail "xdpcastd did not follow NSD: $(grep follow.test "$WORK/xdpcastd.log")"
xdp_answers www.follow.test A 192.0.2.102 || fail "the new data is not answered from XDP: '$XDP_GOT'"
window=$(awk '$3 == 2 && $2 == "nsd" && !n {n = $1} $3 == 2 && $2 == "xdp" && !x {x = $1}
	END {if (n && x) printf "%d", (x - n) * 1000; else print "none"}' "$WORK/serials.txt")
[ "$window" != none ] || fail "the client never saw serial 2 from both: $(sort -k2 "$WORK/serials.txt" | uniq -c -f2 | head)"
# One reader: grep -q ending a pipe early would have failed its writer and
# passed the check.
awk '$2 == "xdp" && $3 == 2 {new = 1} new && $2 == "xdp" && $3 == 1 {back = 1} END {exit !new || back}' "$WORK/serials.txt" ||
	fail "the fast path went back to serial 1"
echo "ok - the fast path follows NSD (NOTIFY, transfer): serial 2 from XDP ${window} ms after NSD served it ($(wc -l < "$WORK/serials.txt") queries in turns)"

# No NOTIFY for quiet.test: its SOA refresh is an hour away. The backend
# check finds NSD ahead (serial 2, ours 1) and xdpcastd transfers at once.
xdp_answers www.quiet.test A 192.0.2.101 || fail "quiet.test is not answered from XDP: '$XDP_GOT'"
write_zone 2 quiet.test
srv nsd-control -c "$WORK/nsd.conf" reload quiet.test > /dev/null
started=$(date +%s%N)
wait_for "quiet.test's serial 2 answered from XDP without a NOTIFY" xdp_answers www.quiet.test A 192.0.2.102
grep -q "zone quiet.test.: backend [^ ]*: quiet.test. serial 2, ours 1: asking 127.0.0.1@53 now, as a NOTIFY would" \
	"$WORK/xdpcastd.log" || fail "the catch-up is not logged: $(grep quiet.test "$WORK/xdpcastd.log")"
! grep -q "health check .*: down" "$WORK/xdpcastd.log" ||
	fail "a check went down on the way: $(grep 'health check' "$WORK/xdpcastd.log")"
echo "ok - a zone whose NOTIFY never came is caught up by the backend check: serial 2 from XDP $(ms_since "$started") ms after NSD loaded it, no check down"

# lagging.test: NSD has serial 2, our primary (slow_primary.py) serial 1.
# Every round finds NSD ahead and the transfer it asks for brings nothing
# newer. The two backend checks (one per anycast prefix, NSD on both
# addresses) name the server each asks; the catch-up was logged at every
# round of either, 20 lines a second here, and asked our primary as often.
stop_xdpcastd
echo 1 > "$WORK/lagging.serial"
srv python3 "$ROOT/tests/e2e/slow_primary.py" 127.0.0.1 5302 "$WORK/lagging.serial" 0 > "$WORK/primary.log" 2>&1 &
PIDS+=($!)
wait_for "the lagging primary" eval 'srv ss -ltn | grep -q "127.0.0.1:5302 "'
cat > "$WORK/lagging.yaml" <<YAML
health: {interval_ms: 100}
transfer:
  zones:
    - {zone: lagging.test, primary: 127.0.0.1@5302}
YAML
: > "$WORK/xdpcastd.log"
start_xdpcastd --config "$WORK/lagging.yaml"
wait_for "the first catch-up of lagging.test" grep -q "^qtype 251 asked" "$WORK/primary.log"
sleep 3
caught_up=$(grep -c "zone lagging.test.: .*asking 127.0.0.1@5302 now" "$WORK/xdpcastd.log" || true)
[ "$caught_up" -eq 1 ] || fail "a primary lagging the server behind: $caught_up catch-up lines in 3 s (rounds every 100 ms): \
$(grep -m4 'lagging.test.: ' "$WORK/xdpcastd.log")"
asked=$(grep -c "^qtype 251 asked" "$WORK/primary.log" || true)
[ "$asked" -eq 1 ] || fail "a primary lagging the server behind was asked $asked IXFRs in 3 s (rounds every 100 ms)"
echo "ok - a primary that lags the server behind: the catch-up asked it and was logged once in 3 s, not at every round"
stop_xdpcastd
