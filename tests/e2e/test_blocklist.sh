#!/usr/bin/env bash
# The blocklist from the config file and live from xdpcastctl: effective at
# the next packet, listed with their origin, config entries refreshed on
# SIGHUP with live ones kept; xdpcastctl without a daemon says so.
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/example.test.zone   # a copy: a reload below changes it
ctl() { "$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" "$@"; }

# answered ADDRESS [EXPECTED]: a query from the client reaches an answer (192.0.2.25, or EXPECTED).
answered() { [ "$(cli kdig +short +norec +time=1 +retry=0 -b "$1" @$ANYCAST4 mail.example.test A 2>/dev/null)" = "${2:-192.0.2.25}" ]; }

rc=0
out=$("$BUILD/xdpcastctl" --pin-dir "$WORK/nothing" block list 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"$WORK/nothing/xdpcast_source_filter: No such file or directory (is xdpcastd running?)"* ]] ||
	fail "xdpcastctl without a daemon: rc $rc, $out"
echo "ok - xdpcastctl without a daemon: $out"

cp "$ROOT/tests/zones/example.test.zone" "$ZONE"
setup_network
cli ip addr add 198.51.100.3/24 dev veth-c
# Zone changes load when asked: a reload below changes the zone and the config at once.
printf 'zone_watch: {enabled: false}\nfilter:\n  blocklist: [198.51.100.3/32, 2001:db8:bad::/48]\n' > "$WORK/xdpcast.yaml"
start_nsd "$ZONE"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcast.yaml"

answered $CLIENT4 || fail "the client is not answered before any block"
blocklisted 198.51.100.3 || fail "198.51.100.3 is not dropped by the blocklist the config holds"
echo "ok - the config file's blocklist drops its sources"

out=$(ctl block add $CLIENT4) || fail "block add failed: $out"
[ "$out" = "$CLIENT4/32: blocked (live: until block del or xdpcastd stops)" ] || fail "block add said: $out"
blocklisted $CLIENT4 || fail "$CLIENT4 is not dropped by the blocklist after block add"
listing=$(ctl block list)
grep -qx "198.51.100.2/32 *live" <<< "$listing" || fail "block list: $listing"
grep -qx "198.51.100.3/32 *config" <<< "$listing" || fail "block list: $listing"
grep -qx "2001:db8:bad::/48 *config" <<< "$listing" || fail "block list: $listing"
echo "ok - block add takes effect at once; block list shows live and config entries"

rc=0
out=$(ctl block del 198.51.100.3 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: 198.51.100.3/32 is in the config file's blocklist: change it there and reload" ] ||
	fail "block del of a config entry: rc $rc, $out"
rc=0
out=$(ctl block add 192.0.2.0/24 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"192.0.2.0/24 is one of our anycast prefixes"* ]] || fail "block add of our prefix: $out"
for everyone in 0.0.0.0/0 ::/0; do
	rc=0
	out=$(ctl block add $everyone 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: $everyone: blocking every source would drop every query while the health checks pass and the PoP stays announced (to stop serving, withdraw)" ] ||
		fail "block add $everyone: rc $rc, $out"
done
# IPv4 is kept as ::ffff:a.b.c.d: an IPv6 prefix holding that is every IPv4 source too.
rc=0
out=$(ctl block add ::/8 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: ::/8: holds ::ffff:0:0/96, where IPv4 sources are kept: blocking every IPv4 source would drop every IPv4 query while the health checks pass and the PoP stays announced (list the IPv6 prefixes it means without it)" ] ||
	fail "block add ::/8: rc $rc, $out"
ctl block list | grep -q "/0 \|::/8 " && fail "a whole address family in the blocklist: $(ctl block list)"
echo "ok - config entries, our own prefixes and a whole address family are refused by the CLI: $out"

# The filter is an LPM trie: a lookup answers for a shorter entry covering
# the prefix too. Only the prefix itself is an entry to refuse or remove.
ctl block add 203.0.113.0/24 || fail "block add 203.0.113.0/24 failed"
rc=0
out=$(ctl block del 203.0.113.64/26 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: 203.0.113.64/26 is not blocked itself: it is covered by the blocked 203.0.113.0/24" ] ||
	fail "block del inside a live block: rc $rc, $out"
rc=0
out=$(ctl --json block del 2001:db8:bad:1::/64) || rc=$?
[ "$rc" -eq 1 ] && [ "$(json 'v["error"]' <<< "$out")" = \
  "2001:db8:bad:1::/64 is not blocked itself: it is covered by the blocked 2001:db8:bad::/48" ] ||
	fail "block del inside a config entry: rc $rc, $out"
rc=0
out=$(ctl block del 198.51.100.128/25 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: 198.51.100.128/25 is not blocked" ] || fail "block del of nothing: rc $rc, $out"
ctl block add 2001:db8:bad:1::/64 || fail "block add inside a config entry was refused"
grep -qx "2001:db8:bad:1::/64 *live" <<< "$(ctl block list)" || fail "block list: $(ctl block list)"
ctl block del 2001:db8:bad:1::/64 || fail "block del of the live /64 failed"
out=$(ctl block del 203.0.113.0/24) || fail "block del 203.0.113.0/24 failed: $out"
[ "$out" = "203.0.113.0/24: unblocked" ] || fail "block del said: $out"
echo "ok - block add and del take the prefix itself, not a shorter entry covering it"

# SIGHUP re-reads the file: its entry goes, the live one stays.
printf 'filter:\n  blocklist: [2001:db8:bad::/48]\n' > "$WORK/xdpcast.yaml"
kill -HUP "$XDPCASTD_PID"
wait_for "the reload" grep -q "flood defense settings of $WORK/xdpcast.yaml in force" "$WORK/xdpcastd.log"
answered 198.51.100.3 || fail "198.51.100.3 is still blocked after it left the config"
blocklisted $CLIENT4 || fail "the live block did not survive the reload"
echo "ok - SIGHUP applies the new blocklist and keeps live entries"

# The config naming a prefix blocked live, then dropping it: the block stays live.
printf 'filter:\n  blocklist: [2001:db8:bad::/48, %s/32]\n' $CLIENT4 > "$WORK/xdpcast.yaml"
ctl reload > /dev/null || fail "reload with the live prefix in the config failed"
grep -qx "$CLIENT4/32 *live, config" <<< "$(ctl block list)" || fail "block list with the live prefix in the config: $(ctl block list)"
printf 'filter:\n  blocklist: [2001:db8:bad::/48]\n' > "$WORK/xdpcast.yaml"
ctl reload > /dev/null || fail "reload without it failed"
grep -qx "$CLIENT4/32 *live" <<< "$(ctl block list)" || fail "block list after the config named and dropped it: $(ctl block list)"
blocklisted $CLIENT4 || fail "the live block went with the config's mention of its prefix"
echo "ok - a live block outlives the config naming its prefix and dropping it"

ctl block del $CLIENT4 || fail "block del failed"
answered $CLIENT4 || fail "$CLIENT4 is not answered after block del"
ctl_lacks live block list || fail "a live entry is left after block del"
echo "ok - block del lifts the block at once"

# Blocked live and by the config: block del lifts the live block alone, the
# config's stays until a reload drops it.
out=$(ctl block add $CLIENT4) || fail "block add failed: $out"
[ "$out" = "$CLIENT4/32: blocked (live: until block del or xdpcastd stops)" ] || fail "block add said: $out"
printf 'filter:\n  blocklist: [2001:db8:bad::/48, %s/32]\n' $CLIENT4 > "$WORK/xdpcast.yaml"
ctl reload > /dev/null || fail "reload with the live prefix in the config failed"
out=$(ctl block del $CLIENT4) || fail "block del of a prefix blocked both ways: $out"
[ "$out" = "$CLIENT4/32: the live block is lifted; the config file's blocklist still has it" ] || fail "block del: $out"
grep -qx "$CLIENT4/32 *config" <<< "$(ctl block list)" || fail "block list: $(ctl block list)"
blocklisted $CLIENT4 || fail "$CLIENT4 not dropped by the blocklist although the config still blocks it"
printf 'filter:\n  blocklist: [2001:db8:bad::/48]\n' > "$WORK/xdpcast.yaml"
ctl reload > /dev/null || fail "reload without it failed"
answered $CLIENT4 || fail "$CLIENT4 still blocked after the config dropped it"
echo "ok - blocked live and by the config: block del lifts the live block, the config's stays until a reload drops it"

# filter.allow is a reload key: without udp/53 the query is dropped by the port policy.
printf 'filter:\n  allow: [tcp/53, icmp]\n' > "$WORK/xdpcast.yaml"
ctl reload > /dev/null || fail "reload with a new allow list failed"
before=$(counter drop_port_policy)
answered $CLIENT4 && fail "udp/53 is answered after a reload allowed only tcp/53 and icmp"
[ "$(counter drop_port_policy)" -gt "$before" ] || fail "drop_port_policy did not move"
printf 'filter:\n  allow: [udp/53, tcp/53, icmp]\n  blocklist: [198.51.100.3/32]\n' > "$WORK/xdpcast.yaml"
ctl reload > /dev/null || fail "reload restoring the allow list failed"
answered $CLIENT4 || fail "udp/53 is not answered after a reload allowed it again"
echo "ok - a reload applies filter.allow"

# A broken config without that blocklist: the one in force stays.
generation=$(ctl --json status | json 'v["generation"]')
printf 'rrl:\n  slip: 99\n' > "$WORK/xdpcast.yaml"
kill -HUP "$XDPCASTD_PID"
wait_for "the failed reload" grep -qE "reload failed, generation [0-9]+ keeps answering: $WORK/xdpcast.yaml:2: rrl.slip" "$WORK/xdpcastd.log"
blocklisted 198.51.100.3 || fail "a broken config lifted the blocklist in force"
answered $CLIENT4 || fail "a broken config changed what is in force: $CLIENT4 not answered"
[ "$(ctl --json status | json 'v["generation"]')" = "$generation" ] || fail "the broken config published a generation"
echo "ok - a broken config on SIGHUP changes nothing and names file, line and key"

# A reload whose blocklist the source filter cannot hold beside the live
# blocks (65536 prefixes: the list, the 2 anycast prefixes and 2 live) is
# refused before anything of it is in force: the zones and the generation
# in force keep answering, the flood defense settings in force stay.
big_config() {   # big_config FIRST COUNT: bogons off, a blocklist of FIRST and COUNT prefixes of 2001:db8:b0::/48
	python3 -c 'import sys; print("zone_watch: {enabled: false}\nfilter:\n  bogons: []\n  blocklist: [%s]" % ", ".join(sys.argv[1:2] +
		["2001:db8:b0:%x::/64" % i for i in range(int(sys.argv[2]))]))' "$1" "$2" > "$WORK/xdpcast.yaml"
}
big_config 198.51.100.3/32 65531
out=$(ctl reload) || fail "reload filling the source filter but for two: $out"
ctl block add 203.0.113.9 > /dev/null || fail "a live block beside the config's"
ctl block add 203.0.113.10 > /dev/null || fail "a second live block beside the config's"
generation=$(ctl --json status | json 'v["generation"]')
sed -i 's/^\(mail .*\)192\.0\.2\.25$/\1192.0.2.26/; s/ 2026112401 / 2026112402 /' "$ZONE"
grep -q "^mail .*192.0.2.26$" "$ZONE" && grep -q " 2026112402 " "$ZONE" || fail "the zone copy did not change"
big_config 2001:db8:b1::/48 65532
rc=0
out=$(ctl reload 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: reload failed, generation $generation keeps answering: the flood defense settings of $WORK/xdpcast.yaml were refused: the source filter holds 65536 prefixes: 65535 from filter.blocklist, filter.bogons and the anycast prefixes and 2 blocked live do not fit (lift live blocks with xdpcastctl block del, or shorten the lists)" ] ||
	fail "a reload over the source filter's room: rc $rc, $out"
[ "$(ctl --json status | json 'v["generation"]')" = "$generation" ] || fail "the refused reload published a generation"
xdp_answers mail.example.test A 192.0.2.25 || fail "mail after the refused reload: $XDP_GOT (the new zones went in force)"
blocklisted 198.51.100.3 || fail "198.51.100.3 not dropped by the blocklist after the refused reload (the new blocklist went in force)"
echo "ok - a reload the source filter cannot hold with the live blocks: refused naming why; zones, generation and filter stay"

ctl block del 203.0.113.10 > /dev/null || fail "block del of a live block"
out=$(ctl reload) || fail "the reload with room again: $out"
[ "$out" = "reloaded: generation $((generation + 1))" ] || fail "the reload with room again said: $out"
xdp_answers mail.example.test A 192.0.2.26 || fail "mail after the reload with room: $XDP_GOT"
answered 198.51.100.3 192.0.2.26 || fail "198.51.100.3 still blocked after the reload with room"
echo "ok - with a live block lifted the same reload goes in force whole"
stop_xdpcastd
