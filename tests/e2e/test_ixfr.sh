#!/usr/bin/env bash
# IXFR in place: a zone of 2000 names from a Knot primary; each change
# committed there reaches the fast path by NOTIFY and IXFR and is written
# into the answer cache in force, only the names it touches (the log says
# how many), while clients asking in a loop see for each name only its old
# then its new answer, and a name no change touches never stops being
# answered. A CNAME chain whose two ends change in one IXFR is answered old
# or new, never half of each (the chain is in its owner's record). A copy
# that diverged from the primary's (the IXFR removes a record we do not
# have): the change is refused whole, an AXFR brings the primary's copy,
# and status says why.
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"

# The loops end a second after the last change is answered (the changes
# come after 3.5 s of sleeps, each then taking its NOTIFY, IXFR and write);
# LOOP_S bounds them.
LOOP_S=60

kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }

# zone_text SERIAL MOVING: the primary's zone, 2000 names and a few that change.
zone_text() {
	awk -v serial="$1" -v moving="$2" 'BEGIN {
		print "$ORIGIN ixfr.test."
		printf "@ 300 IN SOA ns1.ixfr.test. hostmaster.ixfr.test. %d 3600 600 604800 60\n", serial
		print "@ 300 IN NS ns1"
		print "ns1 300 IN A 192.0.2.53"
		print "still 300 IN A 192.0.2.200"
		printf "moving 300 IN A %s\n", moving
		print "alpha 300 IN CNAME beta"
		print "beta 300 IN A 192.0.2.10"
		for (i = 0; i < 2000; i++)
			printf "h%d 300 IN A 192.0.2.%d\n", i, i % 250 + 1
	}'
}

# start_knot SERIAL MOVING: a primary with that zone and an empty journal.
start_knot() {
	rm -rf "$WORK/knot"
	mkdir -p "$WORK/knot"
	zone_text "$1" "$2" > "$WORK/knot/ixfr.test.zone"
	{
		knot_hidden_head info
		echo "zone:"
		knot_zone ixfr.test pop "notify: [xdpcast]"
	} > "$WORK/knot.conf"
	ip netns exec "$NS_PRI" knotd -c "$WORK/knot.conf" >> "$WORK/knot.log" 2>&1 &
	KNOT_PID=$!
	PIDS+=($KNOT_PID)
	wait_for "Knot at serial $1" knot_at "$1"
}

knot_at() { pri kdig +short +time=1 +retry=0 @$PRIMARY ixfr.test SOA 2>/dev/null | grep -q " $1 "; }

# commit CHANGES...: one transaction on the primary, "unset NAME TYPE DATA"
# or "set NAME TTL TYPE DATA" each.
commit() {
	local change
	kctl zone-begin ixfr.test > /dev/null
	for change in "$@"; do
		# shellcheck disable=SC2086
		kctl zone-$change > /dev/null
	done
	kctl zone-commit ixfr.test > /dev/null
}

# loop NAME: the client asks for NAME A in a loop, answers in $WORK/NAME.txt.
loop() {
	cli python3 "$ROOT/tests/e2e/query_loop.py" $ANYCAST4 "$1.ixfr.test" $LOOP_S > "$WORK/$1.txt" &
	LOOPS+=($!)
	PIDS+=($!)
}

# only_in_order NAME VALUES...: every answer to NAME is one of VALUES, and
# once one came, no earlier one comes again.
only_in_order() {
	local name=$1 file=$WORK/$1.txt
	shift
	awk -v order="$*" '
		BEGIN { n = split(order, v, " "); for (i = 1; i <= n; i++) rank[v[i]] = i }
		!($2 in rank) { print "unexpected answer " $2 " at " $1; bad = 1; exit }
		rank[$2] < last { print "answer " $2 " after a newer one at " $1; bad = 1; exit }
		{ last = rank[$2]; seen[$2]++ }
		END { if (!bad) for (i = 1; i <= n; i++) if (!seen[v[i]]) print "never saw " v[i] }
	' "$file" > "$WORK/$name.problems"
	[ ! -s "$WORK/$name.problems" ] || fail "$name: $(cat "$WORK/$name.problems") ($(wc -l < "$file") answers)"
}

# written SERIAL: how many names the change to SERIAL wrote in place.
written() {
	sed -n "s/.*zone ixfr.test. serial $1: \([0-9]*\) names changed in place.*/\1/p" "$WORK/xdpcastd.log"
}

setup_network
setup_primary_link
start_knot 1 192.0.2.1
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: ixfr.test, primary: $PRIMARY}
YAML
start_xdpcastd --zone "$ROOT/tests/zones/example.test.zone" --config "$WORK/xdpcastd.yaml"
grep -q "zone ixfr.test.: AXFR from $PRIMARY@53, serial 0 -> 1, 2007 records" "$WORK/xdpcastd.log" ||
	fail "no initial AXFR: $(grep ixfr.test "$WORK/xdpcastd.log")"
xdp_answers moving.ixfr.test A 192.0.2.1 || fail "moving.ixfr.test: $XDP_GOT"
echo "ok - AXFR of 2007 records, answered from XDP"

# The zone's loaded_at (and xdpcast_zone_last_load_timestamp_seconds) was
# the generation's: an IXFR applied in place never moved it, and a
# staleness alert fired for zones kept fresh by IXFR alone.
loaded_at() { ctl status --json | json '[z["loaded_at"] for z in v["zones"] if z["zone"] == "ixfr.test."][0]'; }
loaded_before=$(loaded_at)
LOOPS=()
for name in moving still alpha; do loop $name; done
sleep 1.5
commit "unset ixfr.test moving A 192.0.2.1" "set ixfr.test moving 300 A 192.0.2.2"
wait_for "serial 2" grep -q "ixfr.test. serial 2: " "$WORK/xdpcastd.log"
sleep 1
# The chain's two ends in one change: alpha now goes to gamma, which is new.
commit "unset ixfr.test alpha CNAME beta" "set ixfr.test alpha 300 CNAME gamma" "set ixfr.test gamma 300 A 192.0.2.20"
wait_for "serial 3" grep -q "ixfr.test. serial 3: " "$WORK/xdpcastd.log"
sleep 1
commit "unset ixfr.test moving A 192.0.2.2" "set ixfr.test moving 300 A 192.0.2.3"
wait_for "serial 4" grep -q "ixfr.test. serial 4: " "$WORK/xdpcastd.log"
end_loop_after 192.0.2.3 "$WORK/moving.txt" "${LOOPS[@]}"

for serial in 2 3 4; do
	grep -q "zone ixfr.test.: IXFR from $PRIMARY@53, serial $((serial - 1)) -> $serial" "$WORK/xdpcastd.log" ||
		fail "serial $serial did not come by IXFR: $(grep ixfr.test "$WORK/xdpcastd.log")"
	[ -n "$(written $serial)" ] && [ "$(written $serial)" -le 8 ] ||
		fail "the change to serial $serial wrote $(written $serial) of 2006 names"
done
only_in_order moving 192.0.2.1 192.0.2.2 192.0.2.3
only_in_order alpha 192.0.2.10 192.0.2.20
only_in_order still 192.0.2.200
python3 -c 'import sys; sys.exit(not float(sys.argv[2]) - float(sys.argv[1]) >= 2)' "$loaded_before" "$(loaded_at)" ||
	fail "the IXFRs left the zone's loaded_at at $(loaded_at) (before them: $loaded_before)"
echo "ok - 3 IXFRs applied in place ($(written 2), $(written 3) and $(written 4) of 2006 names written):" \
     "$(cat "$WORK"/{moving,alpha,still}.txt | wc -l) looped queries saw only old then new answers, the untouched name always"
xdp_answers alpha.ixfr.test A "$(printf 'gamma.ixfr.test.\n192.0.2.20')" || fail "alpha after the change: $XDP_GOT"
echo "ok - a CNAME chain whose two ends changed in one IXFR: old chain or new chain, never half"

# A primary whose serial 4 is not ours: its change to 5 removes a record we
# never had. The change is refused whole, an AXFR follows.
kill "$KNOT_PID"
wait "$KNOT_PID" 2>/dev/null || true
start_knot 4 192.0.2.99
commit "unset ixfr.test moving A 192.0.2.99" "set ixfr.test moving 300 A 192.0.2.100"
wait_for "serial 5" grep -q "ixfr.test. serial 5: " "$WORK/xdpcastd.log"
grep -q "zone ixfr.test.: AXFR from $PRIMARY@53, serial 4 -> 5" "$WORK/xdpcastd.log" ||
	fail "not an AXFR: $(grep ixfr.test "$WORK/xdpcastd.log")"
xdp_answers moving.ixfr.test A 192.0.2.100 || fail "moving after the AXFR: $XDP_GOT"
reason="IXFR: the change from serial 4 does not apply: the change removes 1 record the zone does not have"
grep -qx "transfer ixfr.test. from $PRIMARY@53: serial 5, fresh; last AXFR because $reason" <<< "$(ctl status)" ||
	fail "status: $(ctl status | grep ixfr)"
echo "ok - a change that does not apply to our copy: refused whole, AXFR instead, status says why"
stop_xdpcastd
