#!/usr/bin/env bash
# A NOTIFY that arrives while a transfer of its zone runs is deferred, not
# dropped (RFC 1996 section 4.4): the primary does not send an
# acknowledged NOTIFY again, so dropping it would leave the zone stale
# until the SOA refresh (an hour here). The primary (slow_primary.py)
# answers IXFR 3 s late with the serial it had when the query came; its
# zone changes during that wait, and it notifies again.
source "$(dirname "$0")/lib.sh"

notify() { pri timeout 5 ldns-notify -z transfer.test -p $NOTIFY_PORT -r 1 -s "$1" $POP_SIDE > /dev/null 2>&1; }

setup_network
setup_primary_link
echo 1 > "$WORK/serial"
pri python3 "$ROOT/tests/e2e/slow_primary.py" $PRIMARY 53 "$WORK/serial" 3 > "$WORK/primary.log" 2>&1 &
PIDS+=($!)
wait_for "the primary" eval 'pri bash -c "exec 3<>/dev/tcp/$PRIMARY/53" 2>/dev/null'
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: transfer.test, primary: $PRIMARY}
YAML
start_xdpcastd --zone "$ROOT/tests/zones/example.test.zone" --config "$WORK/xdpcastd.yaml"
wait_for "serial 1 answered from XDP" xdp_answers www.transfer.test A 192.0.2.1

notify 1 || fail "NOTIFY 1 not acknowledged"
wait_for "the IXFR asked" grep -q "qtype 251 asked from serial 1" "$WORK/primary.log"
echo 2 > "$WORK/serial"          # the zone changes while the IXFR waits
notify 2 || fail "NOTIFY 2 not acknowledged"
wait_for "the IXFR at serial 1 answered" grep -q "qtype 251 answered at serial 1" "$WORK/primary.log"
wait_for "serial 2 answered from XDP" xdp_answers www.transfer.test A 192.0.2.2
grep -q "qtype 251 answered at serial 2" "$WORK/primary.log" || fail "no IXFR after the second NOTIFY: $(cat "$WORK/primary.log")"
echo "ok - a NOTIFY during a transfer: deferred, the next IXFR brought serial 2, answered from XDP"
stop_xdpcastd
