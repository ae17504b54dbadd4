#!/usr/bin/env bash
# Catalog scale: a catalog of SMALL members, then one of LARGE, from a
# local Knot (one tiny zone file shared by every member). For each: the
# time from starting xdpcastd to its last member answered from XDP, and
# then ADD members more added to the catalog at once (each added in
# place) until the last is answered. Per member, the large catalog's
# times over the small one's: 1 where the work grows with the members,
# LARGE/SMALL where each member costs as much as all the others (the
# state snapshot per transfer and the free-slot scan each made start
# quadratic: 37.7 s for 10,000 members). Prints a Markdown table.
source "$(dirname "$0")/../tests/e2e/lib.sh"

SMALL=${SMALL:-2000}
LARGE=${LARGE:-20000}
ADD=${ADD:-500}
MEMBER_ANSWER=192.0.2.80

knot_start() {          # knot_start COUNT: the catalog and COUNT members
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot/member.zone" <<ZONE
@    300 IN SOA ns1 hostmaster 1 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   $MEMBER_ANSWER
ZONE
	catalog_zone 0 "$1" 1 > "$WORK/knot/catalog.test.zone"
	{
		knot_local_head warning 127.0.0.1@5301
		cat <<CONF
template:
  - id: default
    storage: "$WORK/knot"
    file: member.zone
    acl: local
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: catalog.test.
    file: catalog.test.zone
    notify: xdpcast
CONF
		member_lines 0 "$1"
	} > "$WORK/knot.conf"
	run_local_knot 600 "www.m$(($1 - 1)).test" A
}

member_lines() {        # member_lines FROM TO: Knot's zone entries m FROM..TO-1
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) printf "  - domain: m%d.test.\n", i }'
}

catalog_zone() {        # catalog_zone FROM TO SERIAL
	awk -v a="$1" -v b="$2" -v serial="$3" 'BEGIN {
		print "$ORIGIN catalog.test."
		printf "@ 0 IN SOA invalid. invalid. %d 3600 600 604800 0\n", serial
		print "@ 0 IN NS invalid."
		print "version 0 IN TXT \"2\""
		for (i = a; i < b; i++) printf "m%d.zones 0 IN PTR m%d.test.\n", i, i
	}'
}

answered() { cli kdig +short +norec +time=1 +retry=0 @$ANYCAST4 "www.$1.test" A 2>/dev/null | grep -qx $MEMBER_ANSWER; }

# one_run COUNT: sets START_S (start to the last member answered) and
# ADD_S (ADD members more, from the catalog's change to the last answered).
one_run() {
	local n=$1 t0
	knot_start "$n"
	cat > "$WORK/x.yaml" <<YAML
transfer:
  notify_listen: 127.0.0.1@5301
  catalog_members_max: $((n + ADD))
  zones:
    - {zone: catalog.test, primary: 127.0.0.1@5300, catalog: true}
YAML
	t0=$(date +%s%N)
	launch_xdpcastd --config "$WORK/x.yaml"
	wait_within "xdpcastd" 900 xdpcastd_ready
	wait_within "m$((n - 1))" 900 answered "m$((n - 1))"
	START_S=$(awk -v ms="$(ms_since "$t0")" 'BEGIN {printf "%.2f", ms / 1000}')
	member_lines "$n" $((n + ADD)) >> "$WORK/knot.conf"
	catalog_zone 0 $((n + ADD)) 2 > "$WORK/knot/catalog.test.zone"
	t0=$(date +%s%N)
	srv knotc -s "$WORK/knot.sock" reload > /dev/null
	wait_within "m$((n + ADD - 1))" 900 answered "m$((n + ADD - 1))"
	ADD_S=$(awk -v ms="$(ms_since "$t0")" 'BEGIN {printf "%.2f", ms / 1000}')
	stop_xdpcastd
	kill "$KNOT_PID"; wait "$KNOT_PID" 2>/dev/null || true
	rm -rf "$WORK/knot" "$WORK/xdpcastd.log"
}

setup_network
one_run "$SMALL"; small_start=$START_S small_add=$ADD_S
one_run "$LARGE"; large_start=$START_S large_add=$ADD_S
echo "| members | start → last answered s | $ADD added → last answered s |"
echo "| --- | --- | --- |"
echo "| $SMALL | $small_start | $small_add |"
echo "| $LARGE | $large_start | $large_add |"
awk -v s="$small_start" -v l="$large_start" -v sa="$small_add" -v la="$large_add" -v n="$SMALL" -v m="$LARGE" 'BEGIN {
	printf "| large / small, per member | %.2f | %.2f (per add; 1 when an add costs the same whatever is served) |\n",
		(l / m) / (s / n), la / sa
}'
