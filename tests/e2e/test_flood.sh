#!/usr/bin/env bash
# Floods at the anycast prefixes die in XDP, each counted under its reason,
# while a legitimate client (dnsperf, 198.51.100.2) keeps being answered.
# Every flood comes from bench/floodgen in the client namespace, bounded in
# frames and seconds, with spoofed sources from documentation prefixes.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
LEGIT_QPS=300
LEGIT_SECONDS=8
SOURCE_BUCKETS=65536
RRL_BUCKETS=32768       # not its default (65536), which a setting not applied would leave

setup_network
cat > "$WORK/flood.yaml" <<YAML
rate_limit:
  source_buckets: $SOURCE_BUCKETS
rrl:
  buckets: $RRL_BUCKETS
# The backend check over IPv4 only: NSD's IPv6 datagrams are counted below.
health: {backend: $UNICAST4}
YAML
start_nsd "$ZONE"
start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$WORK/flood.yaml"

# flood KIND SRC DST COUNT [floodgen args]: prints "SENT DROPPED" (floodgen).
flood() { floodgen --kind "$1" --src "$2" --dst "$3" --count "$4" --seconds 10 "${@:5}"; }

declare -A before
snapshot() { local r; for r in $(reasons); do before[$r]=$(counter "$r"); done; }
reasons() { ctl stats --all | awk 'NR > 1 {print $1}'; }
moved() { echo $(( $(counter "$1") - ${before[$1]} )); }

# The legitimate client: ten names at a steady rate over the whole flood.
for name in www mail ns1 sip alias chain1 chain2 example.test.; do
	case $name in *.) echo "$name A" ;; *) echo "$name.example.test A" ;; esac
done > "$WORK/legit.txt"
echo "www.example.test AAAA" >> "$WORK/legit.txt"

snapshot
nsd_before=$(cpu_ms "nsd -c $WORK/nsd.conf")
cli dnsperf -s $ANYCAST4 -d "$WORK/legit.txt" -Q $LEGIT_QPS -l $LEGIT_SECONDS -t 2 -q 100 \
	> "$WORK/dnsperf.txt" 2>&1 &
DNSPERF=$!
sleep 0.5
# One flood after the other, each paced over about a second.
fragments=$(flood fragment 203.0.113.0/24 $ANYCAST4 50000 --rate 50000)
reflections=$(flood reflection 203.0.113.0/24 $ANYCAST4 50000 --rate 50000)
malformed=$(flood malformed 2001:db8:e000::/36 $ANYCAST6 50000 --rate 50000)
torture_ours=$(flood random-qname 2001:db8:f000::/36 $ANYCAST6 100000 --rate 100000 --qname example.test)
started=$SECONDS
torture_miss=$(flood random-qname 2001:db8:f000::/36 $ANYCAST6 100000 --rate 100000 --qname victim.example --seed 2)
torture_seconds=$((SECONDS - started))
burst=$(flood query 203.0.113.0/24 $ANYCAST4 200000 --rate 200000 --qname www.example.test)
wait $DNSPERF || fail "dnsperf failed: $(cat "$WORK/dnsperf.txt")"
nsd_ms=$(( $(cpu_ms "nsd -c $WORK/nsd.conf") - nsd_before ))

reached "$(moved drop_fragment)" "$fragments" || fail "drop_fragment moved $(moved drop_fragment), $fragments sent, dropped on veth"
reached "$(moved drop_reflection)" "$reflections" ||
	fail "drop_reflection moved $(moved drop_reflection), $reflections sent, dropped on veth"
reached "$(moved drop_malformed)" "$malformed" || fail "drop_malformed moved $(moved drop_malformed), $malformed sent, dropped on veth"
echo "ok - fragments, reflection and malformed floods dropped, each frame counted once"

reached "$(moved dns_nxdomain)" "$torture_ours" ||
	fail "random names under our zone: dns_nxdomain moved $(moved dns_nxdomain), $torture_ours sent, dropped on veth"
echo "ok - random subdomains of our zone: $(moved dns_nxdomain) NXDOMAINs from XDP, none passed to NSD"

passed=$(moved dns_pass_miss)
budget=$(moved drop_pass_budget)
reached $((passed + budget)) "$torture_miss" ||
	fail "random names we do not serve: $passed passed + $budget over budget, $torture_miss sent, dropped on veth"
[ "$budget" -gt 0 ] || fail "the pass budget never dropped ($passed passed)"
# The default budget: 10000/s, bursts of 20000, for the flood's duration.
[ "$passed" -le $((20000 + 10000 * (torture_seconds + 1))) ] ||
	fail "$passed passed to NSD in $torture_seconds s, more than the budget allows"
[ "$(srv nstat -az Udp6InDatagrams | awk '/Udp6InDatagrams/ {print $2}')" -le "$passed" ] ||
	fail "NSD received more IPv6 datagrams than XDP passed"
echo "ok - water torture at names we do not serve: $passed passed to NSD (within the budget for $torture_seconds s), $budget dropped over it"

completed=$(awk '/Queries completed:/ {print $3}' "$WORK/dnsperf.txt")
sent=$(awk '/Queries sent:/ {print $3}' "$WORK/dnsperf.txt")
[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "dnsperf sent nothing: $(cat "$WORK/dnsperf.txt")"

limited=$(moved drop_rate_limited)
rrl=$(( $(moved rrl_drop) + $(moved rrl_slip) ))
answered=$(moved dns_answer)
[ "$limited" -gt 0 ] || fail "a burst from one /24 was never rate-limited"
# Every query of the burst is answered, limited or RRL's; the legitimate
# client's, the only other queries for names with data, are answered too.
outcomes=$((limited + rrl + answered))
read -r burst burst_dropped <<< "$burst"
[ "$outcomes" -ge $((burst - burst_dropped)) ] && [ "$outcomes" -le $((burst + sent)) ] ||
	fail "burst of $burst ($burst_dropped dropped on veth; and $sent legitimate queries): $limited limited + $rrl RRL + $answered answered"
echo "ok - burst of $burst from one /24: $limited dropped by its bucket, $rrl by RRL"
share=$(( completed * 100 / sent ))
# Were the defenses to catch the client (its /24 limited, its queries over
# the budget), it would lose most of them; what it loses beyond that is the
# floods' doing on two shared cores: 97-99 % answered alone, down to 95 %
# with other tests beside it. So the line is drawn at 90 %.
[ "$share" -ge 90 ] || fail "the legitimate client got $completed of $sent answers ($share%)"
echo "ok - legitimate client: $completed of $sent queries answered ($share%) during the floods; NSD used $nsd_ms ms of CPU"

# A million spoofed sources: the bucket maps stay at their bounded size.
snapshot
million=$(flood query 2001:db8::/32 $ANYCAST6 1000000 --qname www.example.test --seed 3)
# Each answered, limited or RRL's; or a bogon: about one in 65,536 sources
# is in 2001:db8:53::/48, our own prefix.
outcomes=$(( $(moved dns_answer) + $(moved drop_rate_limited) + $(moved rrl_drop) + $(moved rrl_slip) +
	     $(moved drop_bogon_source) ))
reached "$outcomes" "$million" ||
	fail "$million (sent, dropped on veth) spoofed queries: $(for r in $(reasons); do [ "$(moved "$r")" = 0 ] || echo -n "$r $(moved "$r"), "; done)"
entries=$(bpftool map dump pinned "$PIN_DIR/xdpcast_source_buckets" | grep -c '"key":')
rrl_entries=$(bpftool map dump pinned "$PIN_DIR/xdpcast_rrl" | grep -c '"key":')
[ "$entries" -le "$SOURCE_BUCKETS" ] || fail "$entries source buckets, more than $SOURCE_BUCKETS"
[ "$rrl_entries" -le "$RRL_BUCKETS" ] || fail "$rrl_entries RRL buckets, more than $RRL_BUCKETS"
# A map never holds more than its max_entries, and a screened flood fills
# neither (some thousands of entries): the bound is the map's size itself.
max_entries() { bpftool -j map show pinned "$PIN_DIR/$1" | json 'v["max_entries"]'; }
[ "$(max_entries xdpcast_source_buckets)" = "$SOURCE_BUCKETS" ] ||
	fail "xdpcast_source_buckets holds up to $(max_entries xdpcast_source_buckets), rate_limit.source_buckets is $SOURCE_BUCKETS"
[ "$(max_entries xdpcast_rrl)" = "$RRL_BUCKETS" ] ||
	fail "xdpcast_rrl holds up to $(max_entries xdpcast_rrl), rrl.buckets is $RRL_BUCKETS"
memlock=$(bpftool map show pinned "$PIN_DIR/xdpcast_source_buckets" | awk '/memlock/ {for (i = 1; i <= NF; i++) if ($i == "memlock") print $(i + 1)}')
got=$(cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.test A | sort | tr '\n' ' ')
[ "$got" = "192.0.2.80 192.0.2.81 " ] || fail "the legitimate client is not answered after the flood: '$got'"
echo "ok - ${million% *} spoofed sources: $entries source buckets (of $SOURCE_BUCKETS, $memlock), $rrl_entries RRL buckets (of $RRL_BUCKETS); legitimate client answered"
stop_xdpcastd
