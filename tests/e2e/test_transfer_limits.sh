#!/usr/bin/env bash
# A primary that sends more than the PoP takes. limits.zone_records bounds
# a transferred zone as it bounds a zone file: a Knot commit that grows the
# zone past it comes by NOTIFY and IXFR, and the change is refused whole;
# the AXFR that follows is refused at the limit too. The copy in force
# keeps answering at its serial (XDP, /metrics); the log and status name
# the zone and the limit, and xdpcast_zone_transfer_failing says so.
#
# A transfer's messages are bounded by limits.zone_file_mb as a zone's
# files are; SOA refresh and retry of 0, and a flood of NOTIFYs, do not
# flood the primary.
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"

METRICS=$UNICAST4:9553

kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }
knot_at() { pri kdig +short +time=1 +retry=0 @$PRIMARY limits.test SOA 2>/dev/null | grep -q " $1 "; }
serial_metric() { http_get "http://$METRICS/metrics" | awk '/^xdpcast_zone_serial.*zone="limits.test."/ {print $2}'; }
failing_metric() { http_get "http://$METRICS/metrics" | awk '/^xdpcast_zone_transfer_failing.*zone="limits.test."/ {print $2}'; }

setup_network
setup_primary_link
mkdir -p "$WORK/knot"
cat > "$WORK/knot/limits.test.zone" <<'ZONE'
$ORIGIN limits.test.
@ 300 IN SOA ns1 hostmaster 1 3600 600 604800 60
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.53
www 300 IN A 192.0.2.1
ZONE
# SOA refresh and retry 0: asked at once, again and again, they flooded
# the primary (and took a core), as a careless or hostile primary can say.
cat > "$WORK/knot/timers.test.zone" <<'ZONE'
$ORIGIN timers.test.
@ 300 IN SOA ns1 hostmaster 1 0 0 604800 60
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.53
ZONE
# bytes.test.: 40 TXT records of 30,000 octets, 1.2 MB of messages.
{
	printf '$ORIGIN bytes.test.\n@ 300 IN SOA ns1 hostmaster 1 3600 600 604800 60\n@ 300 IN NS ns1\n'
	printf 'ns1 300 IN A 192.0.2.53\n'
	text=$(printf '"%0250d" ' $(seq 120))
	for i in $(seq 40); do printf 'big%d 300 IN TXT %s\n' "$i" "$text"; done
} > "$WORK/knot/bytes.test.zone"
{
	knot_hidden_head info
	echo "zone:"
	knot_zone limits.test pop "notify: [xdpcast]"
	knot_zone bytes.test pop
	knot_zone timers.test pop
} > "$WORK/knot.conf"
pri knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
PIDS+=($!)
wait_for "Knot at serial 1" knot_at 1

cat > "$WORK/xdpcastd.yaml" <<YAML
limits:
  zone_records: 5
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: limits.test, primary: $PRIMARY}
    - {zone: timers.test, primary: $PRIMARY}
YAML
# A zone file within the limit too: the limit is every zone's.
printf '$ORIGIN file.test.\n@ 300 IN SOA ns1 hostmaster 1 3600 600 604800 60\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n' \
	> "$WORK/file.test.zone"
start_xdpcastd --zone "$WORK/file.test.zone" --metrics $METRICS --config "$WORK/xdpcastd.yaml"
grep -q "zone limits.test.: AXFR from $PRIMARY@53, serial 0 -> 1, 4 records" "$WORK/xdpcastd.log" ||
	fail "no initial AXFR: $(grep limits.test "$WORK/xdpcastd.log")"
xdp_answers www.limits.test A 192.0.2.1 || fail "www.limits.test: $XDP_GOT"
[ "$(failing_metric)" = 0 ] || fail "xdpcast_zone_transfer_failing of limits.test. after its AXFR: $(failing_metric)"

# Serial 2: two names more, 6 records of 5 (the changes alone, 4 records
# with their SOAs, are within the limit: they are read whole).
kctl zone-begin limits.test > /dev/null
kctl zone-set limits.test new1 300 A 192.0.2.11 > /dev/null
kctl zone-set limits.test new2 300 A 192.0.2.12 > /dev/null
kctl zone-commit limits.test > /dev/null
wait_for "the AXFR after the IXFR refused" grep -q "zone limits.test.: AXFR from $PRIMARY@53: " "$WORK/xdpcastd.log"
grep -q "zone limits.test.: the change from serial 1 does not apply: the change leaves 6 records, more than 5 (limits.zone_records); asking for an AXFR" \
	"$WORK/xdpcastd.log" || fail "the IXFR was not refused at the limit: $(grep limits.test "$WORK/xdpcastd.log")"
grep -q "zone limits.test.: AXFR from $PRIMARY@53: record of .*: more than 5 records (limits.zone_records); next try in 600 s" \
	"$WORK/xdpcastd.log" || fail "the AXFR was not refused at the limit: $(grep limits.test "$WORK/xdpcastd.log")"
grep -q "^transfer limits.test. from $PRIMARY@53: serial 1, fresh: AXFR from .*(limits.zone_records); last AXFR because IXFR: .*(limits.zone_records)" <<< "$(ctl status)" ||
	fail "status: $(ctl status | grep limits.test)"
xdp_answers www.limits.test A 192.0.2.1 || fail "www.limits.test after the refusal: $XDP_GOT"
[ "$(serial_metric)" = 1 ] || fail "xdpcast_zone_serial of limits.test.: $(serial_metric)"
[ "$(failing_metric)" = 1 ] || fail "xdpcast_zone_transfer_failing of limits.test. after the refusal: $(failing_metric)"
echo "ok - an IXFR growing the zone past limits.zone_records: refused whole, the AXFR after it too;" \
     "serial 1 still answered from XDP, the log and status name the zone and the limit, /metrics says it fails"

# Each NOTIFY asked the primary at once (1,200 transfers a second): one
# from anyone who spoofs the primary, for a zone without a key. Now a zone
# is transferred at most once a second, the NOTIFYs between merged.
notify_flood() {
	pri python3 - "$POP_SIDE" "$NOTIFY_PORT" <<'PY'
import socket, sys, time
import dns.flags, dns.message, dns.opcode
notify = dns.message.make_query("limits.test", "SOA", use_edns=False, flags=dns.flags.AA)
notify.set_opcode(dns.opcode.NOTIFY)
query = notify.to_wire()
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    end = time.time() + 3
    while time.time() < end:
        s.sendto(query, (sys.argv[1], int(sys.argv[2])))
        time.sleep(0.001)
PY
}
accepted() { pri awk '/^Tcp:/ { if (n++) print $c; else for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i }' /proc/net/snmp; }
before=$(accepted)
notify_flood
flooded=$(( $(accepted) - before ))
# limits.test's at most once a second, timers.test's refreshes as well.
[ "$flooded" -le 12 ] || fail "a NOTIFY flood of 3 s: $flooded transfers asked of the primary"
echo "ok - 3 s of NOTIFYs from the primary's address: $flooded transfers asked of it"

# timers.test.: refresh 0 and retry 0 are taken as 1 s (Knot's own
# minimum as a secondary is 2 s for refresh, 1 s for retry). Each refresh
# or try is a connection the primary accepts.
asked_in_3s() { local before; before=$(accepted); sleep 3; echo $(( $(accepted) - before )); }
refreshes=$(asked_in_3s)
# About three: at least two (a refresh 0 never taken would pass an upper bound alone).
[ "$refreshes" -ge 2 ] && [ "$refreshes" -le 6 ] || fail "SOA refresh 0: $refreshes refreshes of timers.test. in 3 s"
# The flood's 3 s held as many refreshes, and limits.test's transfers the NOTIFYs asked for.
[ "$flooded" -gt "$refreshes" ] ||
	fail "a NOTIFY flood of 3 s: $flooded transfers asked of the primary, as many as $refreshes refreshes alone"
kctl conf-begin > /dev/null
kctl conf-unset 'zone[timers.test.].acl' > /dev/null
kctl conf-commit > /dev/null
wait_for "a refused refresh" grep -q "zone timers.test.: IXFR from $PRIMARY@53: .*; next try in 1 s" "$WORK/xdpcastd.log"
retries=$(asked_in_3s)
[ "$retries" -ge 2 ] && [ "$retries" -le 6 ] || fail "SOA retry 0: $retries tries of timers.test. in 3 s"
echo "ok - SOA refresh and retry 0 taken as 1 s: $refreshes refreshes, then $retries refused tries in 3 s"
stop_xdpcastd

# Records of up to 64 KiB each: within limits.zone_records, a primary's
# AXFR was held whole however large (zone files stop at
# limits.zone_file_mb); the transfer's messages are bounded by it too.
cat > "$WORK/bytes.yaml" <<YAML
limits:
  zone_file_mb: 1
transfer:
  zones:
    - {zone: bytes.test, primary: $PRIMARY}
YAML
start_xdpcastd --zone "$WORK/file.test.zone" --config "$WORK/bytes.yaml"
grep -q "zone bytes.test.: AXFR from $PRIMARY@53: the transfer is more than 1 MiB (limits.zone_file_mb); next try in 5 s" \
	"$WORK/xdpcastd.log" || fail "a transfer over limits.zone_file_mb: $(grep bytes.test "$WORK/xdpcastd.log")"
grep -q "^transfer bytes.test. from $PRIMARY@53: serial 0, not served: .*(limits.zone_file_mb)" <<< "$(ctl status)" ||
	fail "status: $(ctl status | grep bytes.test)"
echo "ok - an AXFR of 1.2 MB with limits.zone_file_mb 1: refused, the log and status say why"
stop_xdpcastd
