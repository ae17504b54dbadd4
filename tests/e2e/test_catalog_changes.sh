#!/usr/bin/env bash
# Catalog zones (RFC 9432) as an operator changes them, written by hand and
# served by Knot as plain zones, so that the unique ids are ours to choose:
#  - a member that a zone file serves too: the file wins, the member is
#    left out (logged, counted), the daemon starts and reloads;
#  - a member moved to another catalog (coo, RFC 9432 5.4) stays answered
#    from XDP when its old catalog drops it;
#  - a member reset (a new unique id, RFC 9432 5.6) is transferred afresh,
#    though the primary rebuilt it with a lower serial;
#  - a member moved to a catalog with other transfer settings (here its
#    TSIG key) takes them on: its NOTIFYs and transfers are the new one's;
#  - a broken catalog (two versions, a member node of two PTRs, a zone
#    under two ids) changes nothing; the root, the catalog itself and a
#    configured zone listed as members are left out;
#  - members removed while a health round asks them do not fail the
#    fast_path check (the program no longer answers what is no longer ours).
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"

SECRET=$(head -c 32 /dev/urandom | base64)
SECRET2=$(head -c 32 /dev/urandom | base64)

kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }
log_has() { grep -q "$1" "$WORK/xdpcastd.log"; }
# member_logged PATTERN: a line of the catalog's reconcile, which comes a
# moment after the transfer's line that catalog_changes waits for.
member_logged() { within 5 log_has "$1"; }

member_zone() {         # member_zone NAME ADDRESS [SERIAL]
	cat > "$WORK/knot/$1.zone" <<ZONE
\$ORIGIN $1.
@    300 IN SOA ns1.$1. hostmaster.$1. ${3:-1} 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   $2
ZONE
}

# catalog_zone NAME SERIAL "ID MEMBER"...: a catalog of version 2; more
# lines (properties) from stdin.
catalog_zone() {
	local name=$1 serial=$2 m
	shift 2
	{
		echo "\$ORIGIN $name."
		echo "@ 0 IN SOA invalid. invalid. $serial 3600 600 604800 0"
		echo "@ 0 IN NS invalid."
		echo "version 0 IN TXT \"2\""
		for m in "$@"; do
			echo "${m% *}.zones 0 IN PTR ${m#* }."
		done
		cat
	} > "$WORK/knot/$name.zone"
}

# catalog_changes NAME SERIAL "ID MEMBER"...: the catalog rewritten, loaded
# by Knot, transferred by xdpcastd (Knot's NOTIFY).
catalog_changes() {
	local name=$1 serial=$2
	catalog_zone "$@"
	kctl zone-reload "$name" > /dev/null
	wait_for "$name serial $serial" log_has "zone $name.: .* serial [0-9]* -> $serial,"
}

# write_knot_conf ZONE[:2]...: Knot serving each ZONE, its transfers and
# NOTIFYs signed with key xfr (xfr2 with ":2").
write_knot_conf() {
	local z name k
	{
		knot_conf_head $PRIMARY@53 info
		cat <<CONF
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: $SECRET
  - id: xfr2
    algorithm: hmac-sha256
    secret: $SECRET2
remote:
  - id: xdpcast
    address: $POP_SIDE@$NOTIFY_PORT
    key: xfr
  - id: xdpcast2
    address: $POP_SIDE@$NOTIFY_PORT
    key: xfr2
acl:
  - id: pop
    address: $POP_SIDE
    key: xfr
    action: transfer
  - id: pop2
    address: $POP_SIDE
    key: xfr2
    action: transfer
zone:
CONF
		for z in "$@"; do
			name=${z%:2} k=
			[ "$name" = "$z" ] || k=2
			knot_zone "$name" "pop$k" "notify: xdpcast$k"
		done
	} > "$WORK/knot.conf"
}

start_knot() {         # start_knot [NAME]: Knot, ready once it answers NAME (www.two.test)
	local probe=${1:-www.two.test}
	ip netns exec "$NS_PRI" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
	KNOT_PID=$!
	PIDS+=($KNOT_PID)
	wait_for "Knot" eval 'pri kdig +short +time=1 +retry=0 @$PRIMARY $probe A 2>/dev/null | grep -q .'
}

setup_network
setup_primary_link
mkdir -p "$WORK/knot"
member_zone one.test 192.0.2.111
member_zone two.test 192.0.2.112 5
catalog_zone catalog.test 1 "a1 one.test" "a2 two.test" < /dev/null
catalog_zone other.test 1 < /dev/null
write_knot_conf catalog.test other.test one.test two.test
start_knot

# one.test is also served from a zone file, with other data.
sed 's/192.0.2.111/192.0.2.211/' "$WORK/knot/one.test.zone" > "$WORK/one.test.zone"
cat > "$WORK/xdpcastd.yaml" <<YAML
zones: [$WORK/one.test.zone]
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
  zones:
    - {zone: catalog.test, primary: $PRIMARY, key: xfr, catalog: true}
    - {zone: other.test, primary: $PRIMARY, key: xfr, catalog: true}
YAML
start_xdpcastd --config "$WORK/xdpcastd.yaml"
log_has "catalog catalog.test.: member one.test. left out: a zone file serves it" ||
	fail "a member a zone file serves is not left out: $(cat "$WORK/xdpcastd.log")"
xdp_answers www.one.test A 192.0.2.211 || fail "the zone file's one.test is not answered (got '$XDP_GOT')"
xdp_answers www.two.test A 192.0.2.112 || fail "the member two.test is not answered (got '$XDP_GOT')"
ctl reload > /dev/null || fail "a reload fails when a catalog lists a zone a file serves: $(ctl status)"
[ "$(ctl --json status | json 'v["catalog_errors"]')" = 1 ] || fail "the member left out is not counted"
echo "ok - a catalog member a zone file serves too: the file's data answered, the member left out and counted, reloads work"
stop_xdpcastd
: > "$WORK/xdpcastd.log"

# Without the file: one.test is a member, then moves to other.test.
sed -i '/^zones:/d' "$WORK/xdpcastd.yaml"
start_xdpcastd --config "$WORK/xdpcastd.yaml"
xdp_answers www.one.test A 192.0.2.111 || fail "the member one.test is not answered (got '$XDP_GOT')"
catalog_changes catalog.test 2 "a1 one.test" "a2 two.test" <<< "coo.a1.zones 0 IN PTR other.test."
# Under the same unique id: a move keeps the copy (RFC 9432 5.4); another id
# would be a reset (5.6), the zone transferred afresh.
catalog_changes other.test 2 "a1 one.test" < /dev/null
catalog_changes catalog.test 3 "a2 two.test" < /dev/null
member_logged "catalog catalog.test.: member one.test. moved to catalog other.test." ||
	fail "the member's move is not logged: $(cat "$WORK/xdpcastd.log")"
! log_has "member one.test. reset" || fail "the move reset one.test: $(grep one.test "$WORK/xdpcastd.log")"
xdp_answers www.one.test A 192.0.2.111 || fail "one.test not answered right after its move (got '$XDP_GOT')"
grep -q "^transfer one.test. .*member of catalog other.test." <<< "$(ctl status)" ||
	fail "status does not show one.test in its new catalog: $(ctl status)"
echo "ok - a member moved to another catalog (coo) is still answered from XDP when its old catalog drops it"

# A reset: the primary rebuilds two.test from scratch (serial 1, below the
# 5 we hold) and lists it under a new unique id.
kill "$KNOT_PID"
wait "$KNOT_PID" || true
find "$WORK/knot" -mindepth 1 -not -name '*.zone' -delete
member_zone two.test 192.0.2.212 1
catalog_zone catalog.test 4 "c2 two.test" < /dev/null
start_knot
wait_for "catalog.test serial 4" log_has "zone catalog.test.: .* serial [0-9]* -> 4,"
member_logged "catalog catalog.test.: member two.test. reset" || fail "the reset is not logged: $(cat "$WORK/xdpcastd.log")"
wait_for "two.test's new data answered after the reset" xdp_answers www.two.test A 192.0.2.212
echo "ok - a member reset (new unique id) is transferred afresh, though its serial went down"

# A broken catalog (RFC 9432 4.1, 4.2.1) changes nothing: read around what
# breaks it, each of these removed or reset two.test.
serial=4
errors=$(ctl --json status | json 'v["catalog_errors"]')
broken_catalog() {      # broken_catalog WHY "ID MEMBER"... < more lines
	local why=$1
	shift
	catalog_changes catalog.test $((++serial)) "$@"
	member_logged "catalog catalog.test. serial $serial refused: $why" ||
		fail "a broken catalog ($why) is not refused: $(tail -5 "$WORK/xdpcastd.log")"
	xdp_answers www.two.test A 192.0.2.212 || fail "two.test is not answered after a broken catalog ($why)"
	grep -q "^transfer catalog.test. .*serial $serial refused: $why" <<< "$(ctl status --all)" ||
		fail "status does not say the catalog is refused ($why): $(ctl status --all)"
}
broken_catalog "version.catalog.test. holds 2 TXT records" <<< 'version 0 IN TXT "1"'
broken_catalog "member node c2 holds 2 PTR records" "c2 two.test" <<< "c2.zones 0 IN PTR one.test."
broken_catalog "zone two.test. listed twice" "c3 two.test" "c4 two.test" < /dev/null
[ "$(grep -c "member two.test. reset" "$WORK/xdpcastd.log")" = 1 ] || fail "a broken catalog reset two.test"
[ "$(ctl --json status | json 'v["catalog_errors"]')" = $((errors + 3)) ] ||
	fail "the broken catalogs are not counted: $(ctl --json status | json 'v["catalog_errors"]')"
echo "ok - a broken catalog (two versions, two PTRs at a member node, a zone under two ids) is refused whole, status saying why"

# The root, the catalog itself and a configured catalog as members: left
# out, logged and counted; two.test's entry still applies.
catalog_changes catalog.test $((++serial)) "c2 two.test" "s1 catalog.test" "o1 other.test" <<< "r1.zones 0 IN PTR ."
for why in "member \\. left out: the root zone" "member catalog.test. left out: the catalog lists itself" \
	"member other.test. left out: a catalog in transfer.zones"; do
	member_logged "catalog catalog.test.: $why" || fail "not logged: '$why': $(tail -5 "$WORK/xdpcastd.log")"
done
ctl_lacks "^transfer \. " status --all || fail "the root is transferred as a member: $(ctl status --all)"
[ "$(ctl --json status | json 'v["catalog_errors"]')" = $((errors + 6)) ] || fail "the members left out are not counted"
xdp_answers www.two.test A 192.0.2.212 || fail "two.test is not answered (got '$XDP_GOT')"
ctl_lacks "^transfer catalog.test. .*refused" status --all ||
	fail "status still says the catalog is refused: $(ctl status --all)"
echo "ok - the root, the catalog itself and a configured catalog listed as members are left out, logged and counted"
stop_xdpcastd

# The move again, to a catalog whose transfers are signed with another key:
# once Knot signs three.test's NOTIFYs and transfers with that key alone,
# the member must use it too (its new catalog's settings, not its old one's).
kill "$KNOT_PID"
wait "$KNOT_PID" || true
find "$WORK/knot" -mindepth 1 -not -name '*.zone' -delete
member_zone three.test 192.0.2.113 1
catalog_zone catalog.test 5 "a3 three.test" < /dev/null
catalog_zone other.test 5 < /dev/null
write_knot_conf catalog.test other.test:2 three.test
start_knot www.three.test
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
    - {name: xfr2, algorithm: hmac-sha256, secret: "$SECRET2"}
  zones:
    - {zone: catalog.test, primary: $PRIMARY, key: xfr, catalog: true}
    - {zone: other.test, primary: $PRIMARY, key: xfr2, catalog: true}
YAML
: > "$WORK/xdpcastd.log"
start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_for "the member three.test answered" xdp_answers www.three.test A 192.0.2.113
catalog_changes catalog.test 6 "a3 three.test" <<< "coo.a3.zones 0 IN PTR other.test."
catalog_changes other.test 6 "a3 three.test" < /dev/null
catalog_changes catalog.test 7 < /dev/null
member_logged "catalog catalog.test.: member three.test. moved to catalog other.test." ||
	fail "the member's move is not logged: $(cat "$WORK/xdpcastd.log")"
! log_has "member three.test. reset" || fail "the move reset three.test: $(grep three.test "$WORK/xdpcastd.log")"
write_knot_conf catalog.test other.test:2 three.test:2
kctl reload > /dev/null
member_zone three.test 192.0.2.213 2
kctl zone-reload three.test > /dev/null
wait_for "three.test's change after its move (NOTIFY and IXFR with the new catalog's key)" \
	xdp_answers www.three.test A 192.0.2.213
echo "ok - a member moved to a catalog with another key transfers with that key"
stop_xdpcastd

# Members removed while the fast_path check's round asks them: the round was
# given the zones in force when it started, and each removal takes a member
# out of the cache at once. That is no fault of the fast path, yet with
# `fall: 1` it withdrew the PoP whenever a catalog shrank. MEMBERS members,
# every one asked each round, rounds back to back; half removed and listed
# again, ROUNDS times.
MEMBERS=${MEMBERS:-400}
ROUNDS=${ROUNDS:-4}
kill "$KNOT_PID"
wait "$KNOT_PID" || true
find "$WORK/knot" -mindepth 1 -not -name '*.zone' -delete
members=() listed=()
for i in $(seq 1 $MEMBERS); do
	member_zone m$i.test 192.0.2.$((i % 200 + 1))
	members+=(m$i.test)
	listed+=("m$i m$i.test")
done
catalog_zone catalog.test 10 "${listed[@]}" < /dev/null
write_knot_conf catalog.test "${members[@]}"
start_knot www.m$MEMBERS.test
cat > "$WORK/xdpcastd.yaml" <<YAML
health: {interval_ms: 100, rise: 1, fall: 1, zones_per_round: $MEMBERS}
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
  zones:
    - {zone: catalog.test, primary: $PRIMARY, key: xfr, catalog: true}
YAML
: > "$WORK/xdpcastd.log"
start_xdpcastd --config "$WORK/xdpcastd.yaml"
served() { [ "$(ctl --json status --all | json 'len(v["zones"])')" = "$1" ]; }
wait_within "$MEMBERS members served" 60 served $MEMBERS
serial=10
for i in $(seq 1 $ROUNDS); do
	catalog_changes catalog.test $((++serial)) "${listed[@]:0:$((MEMBERS / 2))}" < /dev/null
	wait_for "$((MEMBERS / 2)) members removed" served $((MEMBERS / 2))
	catalog_changes catalog.test $((++serial)) "${listed[@]}" < /dev/null
	wait_within "$MEMBERS members served again" 60 served $MEMBERS
done
failed=$(grep -c "health check fast_path failed" "$WORK/xdpcastd.log" || true)
[ "$failed" -eq 0 ] || fail "the fast_path check failed $failed times as $ROUNDS x $((MEMBERS / 2)) members were removed: \
$(grep -m3 "health check fast_path" "$WORK/xdpcastd.log")"
echo "ok - $ROUNDS x $((MEMBERS / 2)) members removed while every member is asked each round: the fast_path check never failed"

# A start while the primary does not answer: the catalog's copy kept on
# disk gives its members back (RFC 9432 5.1), each served from its own
# copy (they were left to the server behind until the primary came back).
copies() { [ "$(ls "$WORK/zones" | grep -c '^m[0-9]*\.test\.zone$')" = $MEMBERS ] && grep -q "SOA.* $serial " "$WORK/zones/catalog.test.zone"; }
wait_within "the copies kept on disk" 30 copies
stop_xdpcastd
kill "$KNOT_PID"
wait "$KNOT_PID" || true
: > "$WORK/xdpcastd.log"
start_xdpcastd --config "$WORK/xdpcastd.yaml"
served $MEMBERS || fail "$(ctl --json status --all | json 'len(v["zones"])') of $MEMBERS members served from their copies"
xdp_answers www.m7.test A 192.0.2.8 || fail "a member's copy is not answered from XDP"
log_has "zone catalog.test. serial $serial: the copy kept on disk" || fail "the catalog's copy: $(grep -m2 catalog.test "$WORK/xdpcastd.log")"
echo "ok - a start without the primary: the catalog's copy gives back its $MEMBERS members, answered from their own copies"
stop_xdpcastd
