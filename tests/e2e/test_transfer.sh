#!/usr/bin/env bash
# Zones from a hidden primary: Knot in a namespace of its own, TSIG
# (hmac-sha256) on every transfer and NOTIFY. xdpcastd and NSD behind it are
# both secondaries of that primary. Initial AXFR, then a change committed on
# the primary reaches the fast path by NOTIFY and IXFR while a client in a
# loop only ever sees the old or the new answer; NOTIFYs with a wrong key or
# from elsewhere are refused; past the SOA expire without the primary the
# zone is passed to userspace and the zones check fails; the primary back
# at the same serial serves it from XDP again.
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
SECRET=$(head -c 32 /dev/urandom | base64)
WRONG=$(head -c 32 /dev/urandom | base64)

kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }
log_has() { grep -q "$1" "$WORK/xdpcastd.log"; }

start_knot() {
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot/transfer.test.zone" <<ZONE
\$ORIGIN transfer.test.
@    300 IN SOA ns1.transfer.test. hostmaster.transfer.test. 1 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   192.0.2.101
ZONE
	cat > "$WORK/knot.conf" <<CONF
$(knot_conf_head $PRIMARY@53 info)
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: xdpcast
    address: $POP_SIDE@$NOTIFY_PORT
    key: xfr
  - id: nsd
    address: $POP_SIDE@53
    key: xfr
acl:
  - id: pop
    address: $POP_SIDE
    key: xfr
    action: transfer
zone:
$(knot_zone transfer.test pop "notify: [xdpcast, nsd]")
CONF
	run_knot
}

run_knot() {
	ip netns exec "$NS_PRI" knotd -c "$WORK/knot.conf" >> "$WORK/knot.log" 2>&1 &
	KNOT_PID=$!
	PIDS+=($KNOT_PID)
	wait_for "Knot" eval 'pri kdig +short +time=1 +retry=0 @$PRIMARY transfer.test SOA 2>/dev/null | grep -q "^ns1"'
}

# NSD behind xdpcastd: example.test from its file, transfer.test as a
# secondary of the same primary with the same key.
start_nsd_secondary() {
	cat > "$WORK/nsd.conf" <<CONF
server:
  ip-address: $ANYCAST4
  ip-address: $UNICAST4
  ip-address: $POP_SIDE
  database: ""
  pidfile: "$WORK/nsd.pid"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"          # else /tmp/nsd-xfr-PID outlives the test
  zonelistfile: "$WORK/zone.list"
  zonesdir: "$WORK"
  username: ""
  rrl-ratelimit: 0
  verbosity: 1
remote-control:
  control-enable: no
key:
  name: xfr
  algorithm: hmac-sha256
  secret: "$SECRET"
zone:
  name: example.test.
  zonefile: $ZONE
zone:
  name: transfer.test.
  request-xfr: AXFR $PRIMARY xfr
  allow-notify: $PRIMARY xfr
CONF
	ip netns exec "$NS_SRV" nsd -c "$WORK/nsd.conf" -d > "$WORK/nsd.log" 2>&1 &
	PIDS+=($!)
	wait_for "NSD's copy of transfer.test" eval \
		'cli kdig +short +time=1 +retry=0 @$UNICAST4 www.transfer.test A 2>/dev/null | grep -qx 192.0.2.101'
}


setup_network
setup_primary_link
start_knot
start_nsd_secondary
# A key the primary does not know: no zone, a clear error, the rest runs.
cat > "$WORK/wrong-key.yaml" <<YAML
transfer:
  keys: [{name: xfr, secret: "$WRONG"}]
  zones: [{zone: transfer.test, primary: $PRIMARY, key: xfr}]
YAML
start_xdpcastd --zone "$ZONE" --config "$WORK/wrong-key.yaml"
grep -q "zone transfer.test.: AXFR from $PRIMARY@53: TSIG: the primary refused our key xfr.: BADSIG" "$WORK/xdpcastd.log" ||
	fail "a wrong key is not reported: $(grep transfer.test "$WORK/xdpcastd.log")"
wait_for "the zones check to say so" eval \
	'grep -q "^check zones down: zone transfer.test.: AXFR from $PRIMARY@53: TSIG: " <<< "$(ctl status)"'
xdp_answers ns1.example.test A 192.0.2.53 || fail "the file zone is not answered while the transfer fails"
stop_xdpcastd
echo "ok - a TSIG key the primary does not know: $(grep -m1 -o "AXFR from $PRIMARY@53: TSIG: [^;]*" "$WORK/xdpcastd.log")"
: > "$WORK/xdpcastd.log"

cat > "$WORK/xdpcastd.yaml" <<YAML
health: {interval_ms: 300, rise: 1, fall: 1, backend: $ANYCAST4}
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
  zones:
    - {zone: transfer.test, primary: $PRIMARY, key: xfr}
YAML
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"

log_has "zone transfer.test.: AXFR from $PRIMARY@53, serial 0 -> 1, 4 records" ||
	fail "no initial AXFR: $(grep transfer.test "$WORK/xdpcastd.log")"
xdp_answers www.transfer.test A 192.0.2.101 || fail "transfer.test is not answered from XDP"
xdp_answers ns1.example.test A 192.0.2.53 ||
	fail "the file zone is not answered next to the transferred one"
grep -qx "transfer transfer.test. from $PRIMARY@53: serial 1, fresh" <<< "$(ctl status)" || fail "status: $(ctl status)"
wait_for "every check up" eval '[ "$(ctl status | grep -c "^check .* up$")" = 3 ]'
echo "ok - initial AXFR with TSIG: answered from XDP next to the file zone; backend has the same serial"

# A change on the primary while a client asks in a loop.
cli python3 "$ROOT/tests/e2e/query_loop.py" $ANYCAST4 www.transfer.test 60 > "$WORK/loop.txt" &
LOOP=$!
PIDS+=($LOOP)
sleep 1.5
kctl zone-begin transfer.test > /dev/null
kctl zone-unset transfer.test www A 192.0.2.101 > /dev/null
kctl zone-set transfer.test www 300 A 192.0.2.102 > /dev/null
committed=$(date +%s.%N)
kctl zone-commit transfer.test > /dev/null
end_loop_after 192.0.2.102 "$WORK/loop.txt" "$LOOP"
log_has "NOTIFY for transfer.test. from $PRIMARY$" || fail "no NOTIFY logged"
log_has "zone transfer.test.: IXFR from $PRIMARY@53, serial 1 -> 2" ||
	fail "not an IXFR: $(grep transfer.test "$WORK/xdpcastd.log")"
xdp_answers www.transfer.test A 192.0.2.102 || fail "the new data is not answered from XDP"
awk '{print $2}' "$WORK/loop.txt" > "$WORK/answers.txt"
sort "$WORK/answers.txt" | uniq -c > "$WORK/loop.counts"
old=$(grep -cx "192.0.2.101" "$WORK/answers.txt" || true)
new=$(grep -cx "192.0.2.102" "$WORK/answers.txt" || true)
total=$(wc -l < "$WORK/answers.txt")
[ "$old" -gt 0 ] && [ "$new" -gt 0 ] || fail "the loop did not see both generations: $(cat "$WORK/loop.counts")"
[ $((old + new)) -eq "$total" ] || fail "answers other than the old or the new one: $(cat "$WORK/loop.counts")"
[ "$(sed -n '/192.0.2.102/,$p' "$WORK/answers.txt" | grep -cx 192.0.2.101 || true)" -eq 0 ] ||
	fail "the old answer came back after the new one"
notify_ms=$(awk -v t="$committed" '$2 == "192.0.2.102" {printf "%d", ($1 - t) * 1000; exit}' "$WORK/loop.txt")
echo "ok - NOTIFY + IXFR: new answer from XDP ${notify_ms} ms after the commit; $total looped queries saw only old ($old) then new ($new)"

wait_for "the backend check with serial 2" eval '[ "$(ctl status | grep -c "^check .* up$")" = 3 ]'
echo "ok - NSD behind follows the same primary: backend serial check up at serial 2"

# NOTIFYs that must not count: wrong key, unsigned from elsewhere. The
# primary is at our serial, so a refresh they caused would transfer
# nothing: what shows one is the time stamped at each refresh.
transferred_at() { ctl status --json | json 'v["transfers"][0]["transferred_at"]'; }
refreshed=$(transferred_at)
sleep 1.1       # a refresh now would stamp another second
pri timeout 5 ldns-notify -z transfer.test -y "xfr:$WRONG:hmac-sha256" -p $NOTIFY_PORT -r 1 $POP_SIDE > /dev/null 2>&1 || true
wait_for "the wrong key refused" log_has "NOTIFY for transfer.test. from $PRIMARY refused: its TSIG does not verify"
cli ip route add 203.0.113.0/24 via $UNICAST4
cli timeout 5 ldns-notify -z transfer.test -p $NOTIFY_PORT -r 1 $POP_SIDE > /dev/null 2>&1 || true
wait_for "the stranger refused" log_has "NOTIFY for transfer.test. from $CLIENT4 refused: not from the zone's primary"
[ "$(grep -c "transfer.test.: IXFR\|transfer.test.: AXFR" "$WORK/xdpcastd.log")" -eq 2 ] ||
	fail "a refused NOTIFY caused a transfer"
[ "$(transferred_at)" = "$refreshed" ] || fail "a refused NOTIFY caused a refresh (transferred_at $refreshed -> $(transferred_at))"
echo "ok - NOTIFY with a wrong TSIG key or from another host: refused, logged, no transfer"

# Freshness: short SOA timers, then the primary goes away.
kctl zone-begin transfer.test > /dev/null
kctl zone-set transfer.test @ 300 SOA ns1.transfer.test. hostmaster.transfer.test. 3 1 1 4 60 > /dev/null
kctl zone-commit transfer.test > /dev/null
wait_for "serial 3" log_has "serial 2 -> 3"
kctl zone-flush transfer.test > /dev/null      # its file at serial 3, for the return below
kill "$KNOT_PID"
wait "$KNOT_PID" 2>/dev/null || true
gone=$(date +%s%N)
wait_for "the zone to expire" log_has "zone transfer.test.: expired"
expired_ms=$(ms_since "$gone")
before_answer=$(counter dns_answer)
passed=$(counter dns_pass_miss)
cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.transfer.test A > /dev/null || true
[ "$(counter dns_answer)" -eq "$before_answer" ] || fail "an expired zone was answered from XDP"
[ "$(counter dns_pass_miss)" -eq $((passed + 1)) ] || fail "the expired zone's query was not passed as a miss"
wait_for "the zones check to fail" eval 'grep -q "^check zones down: zone transfer.test.: expired" <<< "$(ctl status)"'
grep -qx "transfer transfer.test. from $PRIMARY@53: serial 3, not served: .*" <<< "$(ctl status)" || fail "status: $(ctl status)"
xdp_answers ns1.example.test A 192.0.2.53 || fail "the file zone stopped being answered"
echo "ok - primary gone: expired ${expired_ms} ms later (SOA expire 4 s), passed to userspace, zones check down"

# The primary comes back at the serial the expired copy has: up to date,
# and the copy is served from XDP again (it was left out until the next
# serial while status said fresh).
run_knot
wait_for "the zone fresh again" log_has "zone transfer.test.: fresh again"
wait_for "the zones check up" eval 'grep -q "^check zones up" <<< "$(ctl status)"'
xdp_answers www.transfer.test A 192.0.2.102 || fail "fresh again at the same serial, but not answered from XDP"
echo "ok - the primary back at the same serial: fresh again, answered from XDP"

# A start whose primary does not answer served nothing of the zone from
# XDP (it had transferred each afresh): the last good copy is kept on
# disk beside the state file and served until its SOA expire, counted
# from the last refresh that found it current.
COPY="$WORK/zones/transfer.test.zone"
kctl zone-begin transfer.test > /dev/null
kctl zone-set transfer.test @ 300 SOA ns1.transfer.test. hostmaster.transfer.test. 4 1 1 3600 60 > /dev/null
kctl zone-commit transfer.test > /dev/null
wait_for "serial 4" log_has "serial 3 -> 4"
for i in $(seq 100); do grep -q "SOA.* 4 1 1 3600 60$" "$COPY" 2>/dev/null && break; sleep 0.1; done
grep -q "SOA.* 4 1 1 3600 60$" "$COPY" || { ls -la "$WORK/zones"; cat "$COPY"; grep -i "copy\|zone transfer" "$WORK/xdpcastd.log"; fail "no copy"; }
[ "$(stat -c %a "$WORK/zones")" = 700 ] || fail "the copies' directory is mode $(stat -c %a "$WORK/zones")"
stop_xdpcastd
kill "$KNOT_PID"
wait "$KNOT_PID" 2>/dev/null || true
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
log_has "zone transfer.test. serial 4: the copy kept on disk (current at [0-9T:-]*Z) answers until a transfer" ||
	fail "the copy was not taken: $(grep transfer.test "$WORK/xdpcastd.log")"
xdp_answers www.transfer.test A 192.0.2.102 || fail "the copy kept on disk is not answered from XDP"
grep -q "^transfer transfer.test. from $PRIMARY@53: serial 4, fresh" <<< "$(ctl status)" ||
	fail "status: $(ctl status | grep transfer)"
echo "ok - a start without its primary: the copy kept on disk answered from XDP (serial 4), the transfer retried"

# Past its expire (counted from the file's time), or not a copy of the
# zone: not served.
stop_xdpcastd
touch -d "2 hours ago" "$COPY"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
log_has "zone transfer.test.: the copy kept on disk, current at [0-9T:-]*Z, is past its SOA expire: removed" ||
	fail "an expired copy: $(grep transfer.test "$WORK/xdpcastd.log")"
[ ! -e "$COPY" ] || fail "the expired copy is still there"
before_answer=$(counter dns_answer)
passed=$(counter dns_pass_miss)
cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.transfer.test A > /dev/null || true
[ "$(counter dns_answer)" -eq "$before_answer" ] || fail "a copy past its expire was answered from XDP"
[ "$(counter dns_pass_miss)" -eq $((passed + 1)) ] || fail "the query of a copy past its expire was not passed as a miss"
stop_xdpcastd
printf '$ORIGIN other.test.\n@ 60 SOA ns hm 1 1 1 3600 60\n' > "$COPY"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml"
log_has "zone transfer.test.: the copy kept on disk is not taken: $COPY: a copy of another zone" ||
	fail "a copy of another zone: $(grep transfer.test "$WORK/xdpcastd.log")"
echo "ok - a copy past its SOA expire is removed and not served, a copy of another zone not taken"
stop_xdpcastd
