#!/usr/bin/env bash
# The answer cache's memory, seen and bounded: status and /metrics give
# each zone's names and bytes of kernel memory, the maps' total, the cap
# and xdpcastd's own resident memory (promtool finds nothing wrong). A
# changed zone file is reloaded in place: only the names that changed are
# written. A reload that would take more than answer_cache.max_mib is
# refused with the reason, the answers in force stay and the zones check
# says why, also when a change in place outgrows the cap as it writes (the
# zones changed before it change back); a zone over the cap at start is
# bad input: exit 1, nothing attached.
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/cache.test.zone
SMALL=$WORK/small.test.zone
METRICS=$UNICAST4:9553
NAMES=10000

# zone_file NAMES SERIAL WWW [BIG]: a zone of NAMES names and www at WWW;
# with BIG, each name also has a TXT and an SPF RRset of ~1,000 octets.
zone_file() {
	awk -v n="$1" -v serial="$2" -v www="$3" -v big="${4:-}" 'BEGIN {
		print "$ORIGIN cache.test."
		printf "@ 300 IN SOA ns1 hostmaster %d 3600 600 86400 60\n", serial
		print "@ 300 IN NS ns1"
		print "ns1 300 IN A 192.0.2.53"
		printf "www 300 IN A %s\n", www
		for (j = 0; j < 250; j++)
			chunk = chunk "x"
		for (j = 0; j < 4; j++)
			strings = strings " \"" chunk "\""
		for (i = 0; i < n; i++) {
			printf "h%d 300 IN A 192.0.2.%d\n", i, i % 250 + 1
			if (big)
				printf "h%d 300 IN TXT%s\nh%d 300 IN SPF%s\n", i, strings, i, strings
		}
	}'
}

# json EXPR: a Python expression over v, the status as JSON.
status_value() { ctl --json status | python3 -c "import json, sys; v = json.load(sys.stdin); print($1)"; }
metric() { http_get "http://$METRICS/metrics" | awk -v s="$1" 'index($0, s " ") == 1 {print $NF}'; }

# small_zone SERIAL WWW: a zone loaded beside cache.test, before it.
small_zone() {
	printf '$ORIGIN small.test.\n@ 300 IN SOA ns1 hostmaster %d 3600 600 86400 60\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\nwww 300 IN A %s\n' \
		"$1" "$2"
}

setup_network
zone_file $NAMES 1 192.0.2.80 > "$ZONE"
small_zone 1 192.0.2.70 > "$SMALL"
cat > "$WORK/xdpcastd.yaml" <<YAML
zone_watch: {enabled: false}
answer_cache: {max_mib: 16}
YAML
start_xdpcastd --zone "$SMALL" --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --metrics $METRICS
xdp_answers www.cache.test A 192.0.2.80 || fail "www: $XDP_GOT"

names=$(status_value 'v["zones"][1]["cache_entries"]')
bytes=$(status_value 'v["zones"][1]["cache_bytes"]')
# The zone's names: apex, ns1, www and the 10000.
[ "$names" -eq $((NAMES + 3)) ] || fail "status: $names names in the cache"
[ "$bytes" -gt 0 ] && [ $((bytes / names)) -le 400 ] || fail "status: $bytes bytes for $names names"
[ "$(status_value 'v["cache"]["max_bytes"]')" -eq $((16 << 20)) ] || fail "status: no cap"
[ "$(status_value 'v["cache"]["bytes"]')" -ge "$bytes" ] || fail "status: the maps take less than the zone"
[ "$(status_value 'v["rss_bytes"]')" -gt 0 ] || fail "status: no resident memory"
grep -qE "^zone cache.test. serial 1, $((NAMES + 4)) records from $ZONE: $names names, [0-9.]+ (KiB|MiB) in the cache$" \
	<<< "$(ctl status)" || fail "status: $(ctl status | grep zone)"
grep -qE "^generation 1: [0-9]+ names in the answer cache, [0-9.]+ MiB of kernel memory \(cap 16.0 MiB\); xdpcastd [0-9.]+ MiB resident$" \
	<<< "$(ctl status)" || fail "status: $(ctl status | grep generation)"
echo "ok - status: $names names in $bytes bytes ($((bytes / names)) per name), the maps' total, the cap, xdpcastd's resident memory"

[ "$(metric 'xdpcast_zone_cache_entries{pop="e2e",zone="cache.test."}')" = "$names" ] ||
	fail "metrics: $(http_get "http://$METRICS/metrics" | grep cache)"
[ "$(metric 'xdpcast_zone_cache_bytes{pop="e2e",zone="cache.test."}')" = "$bytes" ] || fail "metrics: zone bytes"
[ "$(metric 'xdpcast_cache_max_bytes{pop="e2e"}')" = $((16 << 20)) ] || fail "metrics: cap"
[ "$(metric 'xdpcast_cache_bytes{pop="e2e"}')" -ge "$bytes" ] || fail "metrics: cache bytes"
[ "$(metric 'xdpcast_daemon_rss_bytes{pop="e2e"}')" -gt 0 ] || fail "metrics: resident memory"
problems=$(http_get "http://$METRICS/metrics" | promtool check metrics 2>&1) || fail "promtool: $problems"
[ -z "$problems" ] || fail "promtool check metrics: $problems"
echo "ok - /metrics: the same figures per zone, the total, the cap and the resident memory; promtool finds nothing"

zone_file $NAMES 2 192.0.2.81 > "$ZONE.new"
mv "$ZONE.new" "$ZONE"
[ "$(ctl reload)" = "reloaded: generation 2" ] || fail "reload: $(ctl reload)"
written=$(sed -n 's/.*zone cache.test. serial 2: \([0-9]*\) names changed in place.*/\1/p' "$WORK/xdpcastd.log")
[ -n "$written" ] && [ "$written" -le 4 ] || fail "the reload wrote ${written:-all} names: $(tail -3 "$WORK/xdpcastd.log")"
xdp_answers www.cache.test A 192.0.2.81 || fail "www after the reload: $XDP_GOT"
echo "ok - a changed file reloaded in place: $written of $names names written, the new answer from XDP"

# small.test changes in place first, then cache.test goes over the cap:
# all or nothing, small.test's change is undone too.
small_zone 2 192.0.2.71 > "$SMALL.new"
mv "$SMALL.new" "$SMALL"
zone_file 150000 3 192.0.2.82 > "$ZONE.new"
mv "$ZONE.new" "$ZONE"
out=$(ctl reload 2>&1) && fail "a reload over the cap worked: $out"
grep -qE "^xdpcastctl: reload failed, generation 2 keeps answering: the answer cache would take [0-9.]+ MiB, over the cap of 16.0 MiB \(answer_cache.max_mib\)$" \
	<<< "$out" || fail "reload over the cap: $out"
xdp_answers www.small.test A 192.0.2.70 || fail "www.small.test after the refused reload: $XDP_GOT (half applied)"
[ "$(status_value 'v["zones"][0]["serial"]')" = 1 ] || fail "small.test's serial after the refused reload"
xdp_answers www.cache.test A 192.0.2.81 || fail "www after the refused reload: $XDP_GOT"
xdp_answers h9999.cache.test A 192.0.2.250 || fail "h9999 after the refused reload: $XDP_GOT"
# As any failed reload: the data in force keeps answering and announcing,
# status and /metrics raise the alert.
grep -q "^reload failed (1 failures so far), the generation in force keeps answering: the answer cache would take" <<< "$(ctl status)" ||
	fail "status after the refused reload: $(ctl status | grep reload)"
[ "$(metric 'xdpcast_reload_failed{pop="e2e"}')" = 1 ] || fail "metrics: reload failed"
echo "ok - a reload over the cap: refused, the reason in reload and status, the last good answers still from XDP"

# cache.test's records outgrow the cap in place (its names, each with two
# RRsets of ~1,000 octets: the names table has room): the change fails as
# it writes, keeping the pages it grew until the next generation, and
# small.test's change before it is undone all the same.
small_zone 3 192.0.2.72 > "$SMALL.new"
mv "$SMALL.new" "$SMALL"
zone_file $NAMES 4 192.0.2.83 big > "$ZONE.new"
mv "$ZONE.new" "$ZONE"
out=$(ctl reload 2>&1) && fail "a reload outgrowing the cap in place worked: $out"
grep -q "over the cap of 16.0 MiB" <<< "$out" || fail "outgrowing the cap in place: $out"
# The second time: the reload before changed it back too.
[ "$(grep -c "zone small.test.: changed back to serial 1, as a later zone failed" "$WORK/xdpcastd.log")" = 2 ] ||
	fail "small.test not changed back: $(grep small.test "$WORK/xdpcastd.log" | tail -2)"
xdp_answers www.small.test A 192.0.2.70 || fail "www.small.test after the refused reload: $XDP_GOT (half applied)"
xdp_answers www.cache.test A 192.0.2.81 || fail "www after the refused reload: $XDP_GOT"
echo "ok - records outgrowing the cap in place: refused, the zone changed before it changed back"
stop_xdpcastd

rc=0
ip netns exec "$NS_SRV" "$BUILD/xdpcastd" --iface veth-s --anycast 192.0.2.0/24 --zone "$ZONE" --pop e2e --pin-dir "$PIN_DIR" \
	--config "$WORK/xdpcastd.yaml" --control-socket "$CONTROL_SOCKET" --bird-socket none \
	--state-file "$WORK/state.json" > "$WORK/over.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a zone over the cap at start: exit $rc"
grep -qE "xdpcastd: error: failed: the answer cache would take [0-9.]+ MiB, over the cap of 16.0 MiB \(answer_cache.max_mib\)$" \
	"$WORK/over.log" || fail "a zone over the cap at start: $(cat "$WORK/over.log")"
[ ! -e "$PIN_DIR" ] && ! srv ip -o link show | grep -q "prog/xdp" || fail "something stayed attached or pinned"
echo "ok - a zone over the cap at start: exit 1, the reason, nothing attached or pinned"
