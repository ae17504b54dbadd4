#!/usr/bin/env bash
# A catalog zone (RFC 9432) from a hidden primary: Knot generates the
# catalog of its member zones; xdpcastd is configured with the catalog only
# and follows it. A member is answered from XDP; a member added on the
# primary (knot.conf, knotc reload) is answered; a member removed stops
# being answered from XDP (passed to the server behind). A catalog without
# version 2 is refused, logged and counted, adding no member.
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"

SECRET=$(head -c 32 /dev/urandom | base64)

kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }
log_has() { grep -q "$1" "$WORK/xdpcastd.log"; }

member_zone() {         # member_zone NAME ADDRESS
	cat > "$WORK/knot/$1.zone" <<ZONE
\$ORIGIN $1.
@    300 IN SOA ns1.$1. hostmaster.$1. 1 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   $2
ZONE
}

# write_knot_conf MEMBER...: the catalog, generated from the members listed.
write_knot_conf() {
	{
		cat <<CONF
$(knot_conf_head $PRIMARY@53 info)
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: xdpcast
    address: $POP_SIDE@$NOTIFY_PORT
    key: xfr
acl:
  - id: pop
    address: $POP_SIDE
    key: xfr
    action: transfer
zone:
  - domain: catalog.test.
    catalog-role: generate
    notify: xdpcast
    acl: pop
CONF
		for m in "$@"; do
			knot_zone "$m" pop "catalog-role: member" "catalog-zone: catalog.test." "notify: xdpcast"
		done
	} > "$WORK/knot.conf"
}

setup_network
setup_primary_link
mkdir -p "$WORK/knot"
member_zone one.test 192.0.2.111
member_zone two.test 192.0.2.112
member_zone three.test 192.0.2.113
write_knot_conf one.test two.test
ip netns exec "$NS_PRI" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
PIDS+=($!)
wait_for "Knot's catalog" eval \
	'pri kdig +short +time=1 +retry=0 @$PRIMARY www.two.test A 2>/dev/null | grep -qx 192.0.2.112 && grep -q "catalog.test.\] loaded" "$WORK/knot.log"'

cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
  zones:
    - {zone: catalog.test, primary: $PRIMARY, key: xfr, catalog: true}
YAML
start_xdpcastd --config "$WORK/xdpcastd.yaml"

log_has "catalog catalog.test.: member one.test. added" || fail "one.test not added: $(cat "$WORK/xdpcastd.log")"
log_has "catalog catalog.test.: member two.test. added" || fail "two.test not added: $(cat "$WORK/xdpcastd.log")"
knot_says=$(pri kdig +short +time=2 +retry=0 @$PRIMARY www.one.test A)
[ "$knot_says" = 192.0.2.111 ] || fail "Knot does not serve one.test: $knot_says"
xdp_answers www.one.test A "$knot_says" || fail "a member is not answered from XDP (got '$XDP_GOT')"
xdp_answers www.two.test A 192.0.2.112 || fail "the second member is not answered from XDP (got '$XDP_GOT')"
status=$(ctl status)
grep -q "^transfer one.test. from $PRIMARY@53, member of catalog catalog.test.: serial 1, fresh" <<< "$status" ||
	fail "status does not list the member: $status"
grep -q "^transfer catalog.test. from $PRIMARY@53: serial [0-9]*, catalog (not served)" <<< "$status" ||
	fail "status does not list the catalog: $status"
echo "ok - members of the catalog answered from XDP as Knot serves them; status lists them with their catalog"

# A member added on the primary.
write_knot_conf one.test two.test three.test
kctl reload > /dev/null
wait_for "three.test added" log_has "catalog catalog.test.: member three.test. added"
wait_for "three.test answered from XDP" xdp_answers www.three.test A 192.0.2.113
echo "ok - a member added on the primary (knotc reload) is answered from XDP"

# A member removed on the primary.
write_knot_conf two.test three.test
kctl reload > /dev/null
wait_for "one.test removed" log_has "catalog catalog.test.: member one.test. removed"
before=$(counter dns_answer)
passed=$(counter dns_pass_miss)
cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.one.test A > /dev/null 2>&1 || true
[ "$(counter dns_answer)" -eq "$before" ] || fail "a removed member is still answered from XDP"
[ "$(counter dns_pass_miss)" -eq $((passed + 1)) ] || fail "a removed member's query was not passed as a miss"
ctl_lacks "^transfer one.test." status || fail "status still lists the removed member"
xdp_answers www.two.test A 192.0.2.112 || fail "a remaining member stopped being answered"
echo "ok - a member removed on the primary is passed, no longer answered from XDP; the others still are"
stop_xdpcastd
: > "$WORK/xdpcastd.log"

# A zone without the TXT "2" at version. named as a catalog: refused.
cat > "$WORK/knot/nover.test.zone" <<ZONE
\$ORIGIN nover.test.
@         0 IN SOA invalid. invalid. 1 3600 600 604800 0
@         0 IN NS  invalid.
a1.zones  0 IN PTR two.test.
ZONE
write_knot_conf two.test three.test
knot_zone nover.test pop >> "$WORK/knot.conf"
kctl reload > /dev/null
wait_for "Knot's nover.test" eval 'grep -q "nover.test.\] loaded" "$WORK/knot.log"'
cat > "$WORK/nover.yaml" <<YAML
transfer:
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
  zones:
    - {zone: nover.test, primary: $PRIMARY, key: xfr, catalog: true}
YAML
start_xdpcastd --config "$WORK/nover.yaml"
log_has "catalog nover.test. serial 1 refused: no version property .*: not a catalog of version 2" ||
	fail "a catalog without version 2 is not refused: $(cat "$WORK/xdpcastd.log")"
log_has "member .* added" && fail "a catalog without version 2 added members"
[ "$(ctl --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["catalog_errors"])')" = 1 ] ||
	fail "the refusal is not counted: $(ctl --json status)"
echo "ok - a catalog without version 2: refused, logged, counted, no member added"
stop_xdpcastd
: > "$WORK/xdpcastd.log"

# More members than transfer.catalog_members_max: those left out are one
# line per transfer of the catalog, naming the key, not one line each
# (tens of thousands at every transfer of a catalog that outgrew it).
write_knot_conf one.test two.test three.test
kctl reload > /dev/null
wait_for "Knot's catalog of three" eval \
	'[ "$(srv kdig +time=1 +retry=0 -y hmac-sha256:xfr:$SECRET @$PRIMARY catalog.test. AXFR 2>/dev/null | grep -c "[[:space:]]PTR[[:space:]]")" = 3 ]'
cat > "$WORK/full.yaml" <<YAML
transfer:
  catalog_members_max: 1
  keys:
    - {name: xfr, algorithm: hmac-sha256, secret: "$SECRET"}
  zones:
    - {zone: catalog.test, primary: $PRIMARY, key: xfr, catalog: true}
YAML
# Without the copies the last stop wrote: a start from the catalog's copy
# reconciles once more, with a line of its own.
rm -r "$WORK/zones"
start_xdpcastd --config "$WORK/full.yaml"
[ "$(grep -c "catalog_members_max" "$WORK/xdpcastd.log")" = 1 ] &&
	log_has "catalog catalog.test.: 2 members left out (.* and more): transfer.catalog_members_max (1) reached" ||
	fail "members past catalog_members_max not logged once with their count: $(cat "$WORK/xdpcastd.log")"
echo "ok - members past transfer.catalog_members_max: one line with their count and the key"
stop_xdpcastd
