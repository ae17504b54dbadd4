#!/usr/bin/env bash
# Views: clients from the view's prefixes get the view's zone from XDP,
# other clients the default; a view's clients get the default data for
# zones their view does not load. Two client addresses, IPv4 and IPv6.
source "$(dirname "$0")/lib.sh"

VIEW_CLIENT4=203.0.113.2
VIEW_CLIENT6=2001:db8:2::2
DEFAULT_ZONE=$ROOT/tests/zones/example.test.zone
VIEW_ZONE=$WORK/eu.example.test.zone
SECOND=$WORK/second.test.zone

# from SOURCE SERVER NAME TYPE EXPECTED: answered by XDP with EXPECTED.
from() {
	local before got
	before=$(( $(counter dns_answer) + $(counter dns_nxdomain) ))
	got=$(cli kdig +short +norec +time=2 +retry=0 -b "$1" @"$2" "$3" "$4")
	[ "$got" = "$5" ] || fail "from $1: $3 $4 is '$got', expected '$5'"
	[ "$(( $(counter dns_answer) + $(counter dns_nxdomain) ))" -eq $((before + 1)) ] ||
		fail "from $1: $3 $4 was not answered by XDP"
}

setup_network
cli ip addr add $VIEW_CLIENT4/24 dev veth-c
cli ip addr add $VIEW_CLIENT6/64 dev veth-c nodad
srv ip route add 203.0.113.0/24 via $CLIENT4
srv ip -6 route add 2001:db8:2::/64 via $CLIENT6
sed -e 's/^www             IN A    192.0.2.80$/www             IN A    192.0.2.180/' \
    -e 's/^www             IN AAAA 2001:db8:53::80$/www             IN AAAA 2001:db8:53::180/' \
    -e '/^www             IN A    192.0.2.81$/d' -e '/^hinfo  /d' "$DEFAULT_ZONE" > "$VIEW_ZONE"
grep -q 192.0.2.180 "$VIEW_ZONE" && ! grep -q "^hinfo " "$VIEW_ZONE" || fail "the view's zone was not written"
printf '$ORIGIN second.test.\n@ 300 IN SOA ns1.example.test. h.example.test. 1 3600 600 86400 60\n@ 300 IN NS ns1.example.test.\nwww 300 IN A 192.0.2.77\n' > "$SECOND"
KID=$WORK/kid.example.test.zone
kid_zone() {            # kid_zone SERIAL ADDRESS
	printf '$ORIGIN kid.example.test.\n@ 300 IN SOA ns1.example.test. h.example.test. %s 3600 600 86400 60\n@ 300 IN NS ns1.example.test.\nwww 300 IN A %s\n' \
		"$1" "$2" > "$KID"
}
kid_zone 1 192.0.2.71
start_nsd "$DEFAULT_ZONE" "$SECOND" "$KID"
start_xdpcastd --zone "$DEFAULT_ZONE" --zone "$SECOND" --metrics $UNICAST4:9553 \
	--view eu=203.0.113.0/24,2001:db8:2::/64 --view-zone eu="$VIEW_ZONE"
grep -q "1 views" "$WORK/xdpcastd.log" || fail "the view is not in the ready line"

from $CLIENT4 $ANYCAST4 www.example.test A "$(printf '192.0.2.80\n192.0.2.81')"
from $VIEW_CLIENT4 $ANYCAST4 www.example.test A 192.0.2.180
from $CLIENT6 $ANYCAST6 www.example.test AAAA 2001:db8:53::80
from $VIEW_CLIENT6 $ANYCAST6 www.example.test AAAA 2001:db8:53::180
echo "ok - clients in the view get the view's answers, others the default, IPv4 and IPv6"

from $VIEW_CLIENT4 $ANYCAST4 www.second.test A 192.0.2.77
from $VIEW_CLIENT6 $ANYCAST6 www.second.test A 192.0.2.77
echo "ok - a zone the view does not load is answered from the default view"

# hinfo is only in the default's zone: the view's clients never see it.
from $CLIENT4 $ANYCAST4 hinfo.example.test HINFO '"PC" "Linux"'
nxdomain=$(counter dns_nxdomain)
from $VIEW_CLIENT4 $ANYCAST4 hinfo.example.test HINFO ""
from $VIEW_CLIENT6 $ANYCAST6 hinfo.example.test HINFO ""
[ "$(counter dns_nxdomain)" -eq $((nxdomain + 2)) ] || fail "hinfo from the view's clients: not the view's NXDOMAIN"
from $VIEW_CLIENT4 $ANYCAST4 nothere.example.test A ""
from $VIEW_CLIENT4 $ANYCAST4 mail.example.test A 192.0.2.25
echo "ok - the view's zone answers its negatives and its other names itself (none of the default's names)"

# One series per zone and view: the view's copy of a zone is not a duplicate.
serials=$(http_get "http://$UNICAST4:9553/metrics" | grep '^xdpcast_zone_serial{')
[ "$serials" = 'xdpcast_zone_serial{pop="e2e",zone="example.test."} 2026112401
xdpcast_zone_serial{pop="e2e",zone="second.test."} 1
xdpcast_zone_serial{pop="e2e",zone="example.test.",view="eu"} 2026112401' ] || fail "zone series: $serials"
echo "ok - /metrics labels a view's zones with the view"
views=$(ctl --json status | python3 -c 'import json, sys; print([(z["zone"], z["view"]) for z in json.load(sys.stdin)["zones"]])')
[ "$views" = "[('example.test.', None), ('second.test.', None), ('example.test.', 'eu')]" ] || fail "status --json views: $views"
grep -q "^zone example.test. in view eu serial 2026112401, " <<< "$(ctl status)" || fail "status: $(ctl status | grep '^zone')"
echo "ok - status names the view of a view's zone, in text and JSON"

stop_xdpcastd
: > "$WORK/xdpcastd.log"

# Zones of the default view below the view's example.test.: kid (a file,
# which NSD serves from the start)
# and xfr (transferred from Knot on the PoP, changed by IXFR). The view's
# clients get their answers as everyone does (and as NSD gives them), not
# the NXDOMAIN of the view's example.test.
mkdir -p "$WORK/knot"
sed -e 's/kid\.example/xfr.example/g' -e 's/192\.0\.2\.71/192.0.2.72/' "$KID" > "$WORK/knot/xfr.example.test.zone"
start_local_knot xfr.example.test 127.0.0.1@5301
cat > "$WORK/views.yaml" <<YAML
zones: [$DEFAULT_ZONE, $KID]
views:
  eu: {clients: [203.0.113.0/24, 2001:db8:2::/64], zones: [$VIEW_ZONE]}
transfer:
  notify_listen: 127.0.0.1@5301
  zones:
    - {zone: xfr.example.test, primary: 127.0.0.1@5300}
YAML
start_xdpcastd --config "$WORK/views.yaml"
nsd_says=$(cli kdig +short +norec +time=2 +retry=0 @$UNICAST4 www.kid.example.test A)
[ "$nsd_says" = 192.0.2.71 ] || fail "NSD does not serve kid.example.test: '$nsd_says'"
from $CLIENT4 $ANYCAST4 www.kid.example.test A 192.0.2.71
from $VIEW_CLIENT4 $ANYCAST4 www.kid.example.test A 192.0.2.71
from $VIEW_CLIENT6 $ANYCAST6 www.kid.example.test A 192.0.2.71
from $VIEW_CLIENT4 $ANYCAST4 www.xfr.example.test A 192.0.2.72
echo "ok - zones below the view's zone that the view does not load: its clients get the default view's answers"

kid_zone 2 192.0.2.171
ctl reload > /dev/null
from $VIEW_CLIENT4 $ANYCAST4 www.kid.example.test A 192.0.2.171
from $CLIENT4 $ANYCAST4 www.kid.example.test A 192.0.2.171
srv knotc -s "$WORK/knot.sock" zone-begin xfr.example.test > /dev/null
srv knotc -s "$WORK/knot.sock" zone-set xfr.example.test www 300 A 192.0.2.172 > /dev/null
srv knotc -s "$WORK/knot.sock" zone-commit xfr.example.test > /dev/null
wait_for "the IXFR answered to the view's clients" eval \
	'[ "$(cli kdig +short +norec +time=1 +retry=0 -b $VIEW_CLIENT4 @$ANYCAST4 www.xfr.example.test A | sort | tr "\n" " ")" = "192.0.2.172 192.0.2.72 " ]'
from $CLIENT4 $ANYCAST4 www.xfr.example.test A "$(printf '192.0.2.72\n192.0.2.172')"
echo "ok - a reload and an IXFR of such a zone reach the view's clients too"
stop_xdpcastd

# A view of ::/0 holds IPv6 clients, not the IPv4 ones the trie keeps
# inside it (they got the view's answers); naming 0.0.0.0/0 as well puts
# them in it.
: > "$WORK/xdpcastd.log"
start_xdpcastd --zone "$DEFAULT_ZONE" --view v6=::/0 --view-zone v6="$VIEW_ZONE"
from $CLIENT4 $ANYCAST4 www.example.test A "$(printf '192.0.2.80\n192.0.2.81')"
from $VIEW_CLIENT4 $ANYCAST4 www.example.test A "$(printf '192.0.2.80\n192.0.2.81')"
from $CLIENT6 $ANYCAST6 www.example.test AAAA 2001:db8:53::180
stop_xdpcastd
: > "$WORK/xdpcastd.log"
start_xdpcastd --zone "$DEFAULT_ZONE" --view all=::/0,0.0.0.0/0 --view-zone all="$VIEW_ZONE"
from $CLIENT4 $ANYCAST4 www.example.test A 192.0.2.180
from $CLIENT6 $ANYCAST6 www.example.test AAAA 2001:db8:53::180
echo "ok - a view of ::/0 holds IPv6 clients only; with 0.0.0.0/0 beside it, IPv4 ones too"
stop_xdpcastd
