#!/usr/bin/env bash
# make bench, zone changes: a zone of N names on a Knot primary, xdpcastd
# its secondary (AXFR at start), then changes committed on the primary,
# each CHANGES names given a new address in one transaction: the time from
# the commit to the last changed name answered with its new address by the
# primary itself (Knot's commit) and by XDP (then Knot's NOTIFY, the IXFR,
# the change written in place), the difference (xdpcast's part), and how
# many names xdpcastd wrote (its log). A change of one name is made
# REPEATS times (the median run by XDP's time is shown).
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/../tests/e2e/lib.sh"

N=${N:-1000000}
CHANGES=${CHANGES:-"1 100 10000"}
REPEATS=${REPEATS:-3}

kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }
knot_at() { pri kdig +short +time=1 +retry=0 @$PRIMARY scale.test SOA 2>/dev/null | grep -q " $1 "; }

setup_network
setup_primary_link

mkdir -p "$WORK/knot"
"$ROOT/tests/tools/names_zone.sh" scale.test "$N" > "$WORK/knot/scale.test.zone"
{
	knot_hidden_head warning
	echo "zone:"
	knot_zone scale.test pop "notify: [xdpcast]" "semantic-checks: off"
} > "$WORK/knot.conf"
ip netns exec "$NS_PRI" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
PIDS+=($!)
wait_within "Knot with $N names" 600 knot_at 1
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: scale.test, primary: $PRIMARY}
YAML
launch_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_within "xdpcastd" 600 xdpcastd_ready
wait_within "the AXFR" 600 xdp_answers "h$((N - 1)).scale.test" A "192.0.2.$(( (N - 1) % 250 + 1 ))"

serial=1
# change COUNT: COUNT names spread over the zone get 198.51.100.SERIAL%250
# in one transaction; prints "ms names-written".
change() {
	local count=$1 last=$(( ($1 - 1) * 7919 % N )) address at started written i xdp primary
	serial=$((serial + 1))
	address=198.51.100.$((serial % 250 + 1))
	{
		echo "zone-begin scale.test"
		for ((i = 0; i < count; i++)); do
			echo "zone-unset scale.test h$((i * 7919 % N)) A"
			echo "zone-set scale.test h$((i * 7919 % N)) 300 A $address"
		done
	} | kctl > /dev/null
	cli python3 "$ROOT/bench/first_answer.py" $ANYCAST4 "h$last.scale.test" "$address" 60 > "$WORK/by_xdp" &
	xdp=$!
	pri python3 "$ROOT/bench/first_answer.py" $PRIMARY "h$last.scale.test" "$address" 60 > "$WORK/by_primary" &
	primary=$!
	# Asking before the commit, and past the second xdpcastd waits after a
	# zone's last transfer before the next (SECONDARY_MIN_INTERVAL_S):
	# sooner, the time measured would be that wait's.
	sleep 1.2
	started=$(date +%s.%N)
	kctl zone-commit scale.test > /dev/null
	wait $xdp $primary
	at=$(cat "$WORK/by_xdp")
	[ "$at" != none ] || fail "h$last.scale.test was not answered with $address by XDP after the commit"
	[ "$(cat "$WORK/by_primary")" != none ] ||
		fail "h$last.scale.test was not answered with $address by the primary after the commit"
	wait_for "serial $serial written" grep -q "scale.test. serial $serial: " "$WORK/xdpcastd.log"
	grep -q "IXFR from $PRIMARY@53, serial $((serial - 1)) -> $serial" "$WORK/xdpcastd.log" ||
		fail "serial $serial did not come by IXFR"
	written=$(sed -n "s/.*scale.test. serial $serial: \([0-9]*\) names changed in place.*/\1/p" "$WORK/xdpcastd.log")
	awk -v a="$started" -v b="$at" -v p="$(cat "$WORK/by_primary")" -v w="${written:-rebuilt}" \
		'BEGIN {printf "%.1f %.1f %.1f %s\n", (b - a) * 1000, (p - a) * 1000, (b - p) * 1000, w}'
}

echo "| names changed | names written | commit → answered by XDP, ms | commit → answered by the primary, ms | XDP after the primary, ms |"
echo "|---:|---:|---:|---:|---:|"
for count in $CHANGES; do
	runs=1
	[ "$count" -eq 1 ] && runs=$REPEATS
	: > "$WORK/runs"
	for _ in $(seq "$runs"); do change "$count" >> "$WORK/runs"; done
	read -r xdp primary after written <<< "$(sort -n "$WORK/runs" | awk -v n="$runs" 'NR == int((n + 1) / 2)')"
	printf '| %s | %s | %s | %s | %s |\n' "$count" "$written" "$xdp" "$primary" "$after"
done
stop_xdpcastd
