#!/usr/bin/env bash
# Signed AXFRs in the shapes RFC 8945 section 5.3.1 allows and forbids,
# from a primary of our own (tsig_primary.py: Knot and NSD sign every
# message, so only such a primary sends the others). Up to 99 unsigned
# messages between signed ones, the last signed: taken. The last unsigned,
# 100 unsigned in a row, another key's name, a MAC an hour old or cut
# short: refused, each with its reason in the log and status.
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"

SECRET=$(head -c 32 /dev/urandom | base64)
TAKEN="every ends ninetynine"
declare -A REFUSED=(
	[first]="TSIG: the last message is not signed"
	[hundred]="TSIG: the 100th message is not signed"
	[otherkey]="TSIG: TSIG key not recognized or invalid"
	[skewed]="TSIG: TSIG out of time window"
	[truncated]="TSIG: failed to verify TSIG"
)

setup_network
setup_primary_link
pri python3 "$ROOT/tests/e2e/tsig_primary.py" $PRIMARY 53 xfr-key "$SECRET" > "$WORK/primary.log" 2>&1 &
PIDS+=($!)
wait_for "the primary" eval "pri ss -ltn | grep -q '$PRIMARY:53 '"

{
	printf 'transfer:\n  keys:\n    - {name: xfr-key, algorithm: hmac-sha256, secret: "%s"}\n  zones:\n' "$SECRET"
	for zone in $TAKEN "${!REFUSED[@]}"; do
		printf '    - {zone: %s.test, primary: %s, key: xfr-key}\n' "$zone" $PRIMARY
	done
} > "$WORK/xdpcastd.yaml"
start_xdpcastd --zone "$ROOT/tests/zones/example.test.zone" --config "$WORK/xdpcastd.yaml"
for zone in $TAKEN; do
	grep -q "zone $zone.test.: AXFR from $PRIMARY@53, serial 0 -> 1" "$WORK/xdpcastd.log" ||
		fail "$zone: not taken: $(grep "$zone.test" "$WORK/xdpcastd.log")"
done
echo "ok - every message signed, the first and last alone with 3 and 99 unsigned between: taken"
for zone in "${!REFUSED[@]}"; do
	grep -q "zone $zone.test.: AXFR from $PRIMARY@53: ${REFUSED[$zone]}; next try" "$WORK/xdpcastd.log" ||
		fail "$zone: not refused as '${REFUSED[$zone]}': $(grep "$zone.test" "$WORK/xdpcastd.log")"
	grep -q "^transfer $zone.test. from $PRIMARY@53: serial 0, not served: AXFR from $PRIMARY@53: TSIG: " <<< "$(ctl status)" ||
		fail "$zone: status: $(ctl status | grep "$zone.test")"
done
echo "ok - the last message unsigned, 100 unsigned in a row, another key's name, a MAC an hour old or cut short: refused"
stop_xdpcastd
