#!/usr/bin/env bash
# A Knot 3.2 primary on the PoP itself, without TSIG (primary
# 127.0.0.1@5300, NOTIFY to xdpcastd on 127.0.0.1@5301): NOTIFY over UDP
# and TCP and IXFR interoperate, with a small zone and with one of 100,000
# names. Each change committed on Knot is answered from XDP.
source "$(dirname "$0")/lib.sh"

setup_network
mkdir -p "$WORK/knot"
zone_file() {   # zone_file NAMES: local.test with NAMES names besides the apex
	"$ROOT/tests/tools/names_zone.sh" local.test "$1" > "$WORK/knot/local.test.zone"
}
kctl() { srv knotc -s "$WORK/knot.sock" "$@"; }
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: 127.0.0.1@5301
  zones:
    - {zone: local.test, primary: 127.0.0.1@5300}
YAML

for names in 10 100000; do
	zone_file "$names"
	start_local_knot local.test 127.0.0.1@5301
	start_xdpcastd --config "$WORK/xdpcastd.yaml"
	xdp_answers ns1.local.test A 192.0.2.53 || fail "local.test ($names names) is not answered from XDP: '$XDP_GOT'"
	knot_lines=$(wc -l < "$WORK/knot.log")  # Knot's NOTIFY at its own start found nobody listening
	for serial in 2 3; do
		kctl zone-begin local.test > /dev/null
		kctl zone-set local.test new$serial 300 A 192.0.2.$((100 + serial)) > /dev/null
		kctl zone-commit local.test > /dev/null
		wait_for "serial $serial answered from XDP" xdp_answers new$serial.local.test A 192.0.2.$((100 + serial))
		# Logged once the loop's thread hears the change is in the cache,
		# which answers a moment before: waited for, not read at once.
		wait_for "serial $serial logged" grep -q "zone local.test. serial $serial: " "$WORK/xdpcastd.log"
		grep -q "zone local.test.: IXFR from 127.0.0.1@5300, serial $((serial - 1)) -> $serial" "$WORK/xdpcastd.log" ||
			fail "not an IXFR: $(grep local.test "$WORK/xdpcastd.log")"
	done
	grep -q "NOTIFY for local.test. from 127.0.0.1" "$WORK/xdpcastd.log" || fail "no NOTIFY logged"
	if tail -n +$((knot_lines + 1)) "$WORK/knot.log" | grep -q "notify, outgoing, remote 127.0.0.1@5301.*failed"; then
		fail "Knot's NOTIFY failed: $(grep "notify, outgoing" "$WORK/knot.log")"
	fi
	echo "ok - a local Knot primary without TSIG, $names names: two commits each answered from XDP by NOTIFY + IXFR, Knot's NOTIFYs acknowledged"
	stop_xdpcastd
	kill "$KNOT_PID"
	wait "$KNOT_PID" 2>/dev/null || true
	rm -rf "$WORK/knot"/*.mdb "$WORK/knot"/journal "$WORK/knot"/timers
done

# Past 20 zones and transfers, status sums them up and lists only the
# transfers in trouble (a PoP of 100,000 zones would print 100,000 lines);
# --all lists each. Knot serves 21 zones; the 22nd it does not have.
{
	knot_local_head info
	echo "zone:"
	for i in $(seq 1 21); do
		"$ROOT/tests/tools/names_zone.sh" "z$i.test" 2 > "$WORK/knot/z$i.test.zone"
		printf '  - domain: z%s.test.\n    storage: "%s"\n    file: z%s.test.zone\n    acl: local\n' \
			"$i" "$WORK/knot" "$i"
	done
} > "$WORK/knot.conf"
run_local_knot 60 z21.test SOA
{
	echo "transfer:"
	echo "  zones:"
	for i in $(seq 1 22); do echo "    - {zone: z$i.test, primary: 127.0.0.1@5300}"; done
} > "$WORK/xdpcastd.yaml"
start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_for "21 zones transferred" eval '[ "$(ctl --json status | json "sum(t[\"fresh\"] for t in v[\"transfers\"])")" = 21 ]'
out=$(ctl status)
grep -qx "zones: 21, 105 records: 84 names, [0-9.]* KiB in the cache (each with --all)" <<< "$out" || fail "status: $out"
grep -qx "transfer z22.test. from 127.0.0.1@5300: serial 0, not served: .*" <<< "$out" || fail "status: $out"
grep -qx "transfers: 22, 21 fresh, 0 catalogs, 1 not served or failing, listed above (each with --all)" <<< "$out" || fail "status: $out"
[ "$(grep -c "^zone \|^transfer " <<< "$out")" = 1 ] || fail "status listed more than z22.test: $out"
out=$(ctl --all status)
[ "$(grep -c "^zone z[0-9]*.test. serial 1, 5 records" <<< "$out")" = 21 ] &&
	[ "$(grep -c "^transfer z[0-9]*.test. from 127.0.0.1@5300: serial 1, fresh$" <<< "$out")" = 21 ] &&
	! grep -q "^zones: \|^transfers: " <<< "$out" || fail "status --all: $out"
echo "ok - status of 22 transfers: the zones and transfers summed up, the one not served listed; --all lists each"
stop_xdpcastd
