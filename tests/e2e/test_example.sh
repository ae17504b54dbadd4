#!/usr/bin/env bash
# The shipped example works as shipped: docs/xdpcastd.example.yaml, with
# only its paths and interface replaced by this test's, passes
# --check-config without a warning, starts, and the PoP's BIRD (which
# includes the file xdpcastd owns) gets both anycast routes. Its blocklist
# holds the health probes' own source network: they must not care.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
setup_network
start_nsd "$ZONE"
sed -e "s|interfaces: \[eth0\]|interfaces: [veth-s]|" \
    -e "s|/etc/nsd/zones/example.net.zone|$ZONE|" \
    -e "s|/sys/fs/bpf/xdpcast|$PIN_DIR|" \
    -e "s|/run/xdpcastd.sock|$CONTROL_SOCKET|" \
    -e "s|/var/lib/xdpcast/state.json|$WORK/state.json|" \
    -e "s|/run/bird/bird.ctl|$WORK/bird.ctl|" \
    -e "s|/run/xdpcast/bird.conf|$WORK/xdpcast-bird.conf|" \
    "$ROOT/docs/xdpcastd.example.yaml" > "$WORK/xdpcastd.yaml"
[ "$(grep -c "$WORK" "$WORK/xdpcastd.yaml")" -eq 5 ] && grep -q "$ZONE" "$WORK/xdpcastd.yaml" ||
	fail "a path of the example was not replaced"

out=$(srv "$BUILD/xdpcastd" --check-config "$WORK/xdpcastd.yaml" 2>&1) || fail "--check-config: $out"
[ "$out" = "$WORK/xdpcastd.yaml: ok (1 zone file, 0 transferred zones, 2 anycast prefixes, 1 blocked prefix)" ] ||
	fail "--check-config said more than ok: $out"

"$BUILD/xdpcastctl" --control-socket "$CONTROL_SOCKET" withdraw --config "$WORK/xdpcastd.yaml" --bird-socket none > /dev/null
cat > "$WORK/bird.conf" <<CONF
router id $UNICAST4;
protocol device {}
include "$WORK/xdpcast-bird.conf";
CONF
ip netns exec "$NS_SRV" bird -f -c "$WORK/bird.conf" -s "$WORK/bird.ctl" > "$WORK/bird.log" 2>&1 &
PIDS+=($!)
wait_for "BIRD" test -S "$WORK/bird.ctl"

ip netns exec "$NS_SRV" "$BUILD/xdpcastd" --config "$WORK/xdpcastd.yaml" > "$WORK/xdpcastd.log" 2>&1 &
XDPCASTD_PID=$!
PIDS+=($XDPCASTD_PID)
wait_for "xdpcastd" xdpcastd_ready
has_route() { srv birdc -s "$WORK/bird.ctl" show route "$1" 2>/dev/null | grep -q "xdpcast[46]"; }
wait_within "both prefixes announced" 15 eval 'has_route 192.0.2.0/24 && has_route 2001:db8:53::/48'
grep -q "announcing through $WORK/xdpcast-bird.conf (BIRD at $WORK/bird.ctl) while these checks pass: fast_path, zones, backend" \
	"$WORK/xdpcastd.log" || fail "the checks gating the announcement are not logged: $(cat "$WORK/xdpcastd.log")"
out=$(ctl lookup ns1.example.test)
grep -q "answered in XDP" <<< "$out" || fail "lookup under the example's blocklist: $out"
echo "ok - docs/xdpcastd.example.yaml as shipped (paths aside): --check-config ok, both prefixes announced, lookups answered despite its blocklist"
stop_xdpcastd

# A prefix that no check can ever clear: said by --check-config, and by the
# daemon, which announces the others and not that one.
sed -e '/^  backend: 192.0.2.53/d' -e 's|^  - 192.0.2.0/24$|  - 192.0.2.0/24\n  - 203.0.113.0/24|' \
	"$WORK/xdpcastd.yaml" > "$WORK/unreachable.yaml"
out=$(srv "$BUILD/xdpcastd" --check-config "$WORK/unreachable.yaml" 2>&1) || fail "--check-config: $out"
grep -q "warning: $WORK/unreachable.yaml: check backend 203.0.113.0/24: no address inside 203.0.113.0/24 on this host: the server behind cannot be checked (add one, or set health.backend): down until then" <<< "$out" ||
	fail "no warning for a prefix no check can clear: $out"
echo "ok - --check-config warns about a prefix whose server cannot be checked"
