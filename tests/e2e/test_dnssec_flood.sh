#!/usr/bin/env bash
# A random-subdomain flood with DO=1 at a signed zone (NSEC3, the RFC 9276
# parameters): every query is answered in XDP with its proof of denial (the
# next closer name hashed in the program), none reaches NSD behind, and a
# legitimate client (dnsperf, 198.51.100.2) keeps its answers. The flood is
# bench/floodgen's, from 203.0.113.0/24, bounded in frames and seconds.
# A signed NXDOMAIN (~900 octets) needs more room than a veth frame from
# the kernel has here (~230 octets: a NIC's buffers have a page): floodgen
# pads each frame after the IP datagram (Ethernet padding, which IP
# ignores), so the response fits where the query was. Limits and RRL are
# off: every flood query gets its proof.
source "$(dirname "$0")/lib.sh"

FLOOD_FRAMES=30000
FLOOD_RATE=10000
LEGIT_QPS=100
LEGIT_SECONDS=6
PASS_REASONS=(dns_pass_miss dns_pass_no_room dns_pass_other dns_pass_dnssec drop_pass_budget)

setup_network
sed 's/signed\.test\./nsec3.test./' "$ROOT/tests/zones/signed.test.zone" > "$WORK/nsec3.test.zone"
ZONE=$(sign_zone "$WORK/nsec3.test.zone" nsec3.test ED25519 nsec3)
start_nsd "$ZONE"
start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$ROOT/tests/fidelity/no-limits.yaml"
printf 'www.nsec3.test A\nmail.nsec3.test A\nns1.nsec3.test AAAA\nnsec3.test MX\n' > "$WORK/legit.txt"

passed() { local r n=0; for r in "${PASS_REASONS[@]}"; do n=$((n + $(counter "$r"))); done; echo $n; }

nxdomain_before=$(counter dns_nxdomain)
passed_before=$(passed)
nsd_before=$(srv nstat -az UdpInDatagrams | awk '/UdpInDatagrams/ {print $2}')
cli dnsperf -s $ANYCAST4 -d "$WORK/legit.txt" -Q $LEGIT_QPS -l $LEGIT_SECONDS -t 2 -q 100 \
	> "$WORK/dnsperf.txt" 2>&1 &
DNSPERF=$!
sleep 1
flood=$(floodgen --kind random-qname --qname nsec3.test --dnssec --trailer 800 --src 203.0.113.0/24 --dst $ANYCAST4 \
	--count $FLOOD_FRAMES --rate $FLOOD_RATE --seconds 10)
wait $DNSPERF || fail "dnsperf failed: $(cat "$WORK/dnsperf.txt")"

nxdomain=$(( $(counter dns_nxdomain) - nxdomain_before ))
nsd_got=$(( $(srv nstat -az UdpInDatagrams | awk '/UdpInDatagrams/ {print $2}') - nsd_before ))
reached "$nxdomain" "$flood" || fail "$flood (sent, dropped on veth) DO=1 random names, dns_nxdomain moved $nxdomain"
[ "$(( $(passed) - passed_before ))" -eq 0 ] || fail "queries passed to NSD during the flood"
echo "ok - DO=1 random-subdomain flood: ${flood% *} queries, $nxdomain NXDOMAINs with NSEC3 proofs from XDP," \
     "none passed ($nsd_got UDP datagrams reached the server's namespace: the health checks')"

completed=$(awk '/Queries completed:/ {print $3}' "$WORK/dnsperf.txt")
legit_sent=$(awk '/Queries sent:/ {print $3}' "$WORK/dnsperf.txt")
[ -n "$legit_sent" ] && [ "$legit_sent" -gt 0 ] || fail "dnsperf sent nothing: $(cat "$WORK/dnsperf.txt")"
# 99 % of what reached XDP: veth-c drops the client's frames as often as
# the flood's (floodgen's allowance).
read -r flood_sent flood_dropped <<< "$flood"
[ $((completed * 100 * flood_sent)) -ge $((99 * legit_sent * (flood_sent - flood_dropped))) ] ||
	fail "the legitimate client got $completed of $legit_sent answers ($flood_dropped of $flood_sent flood frames dropped by veth-c)"
echo "ok - legitimate client: $completed of $legit_sent queries answered during the flood"

# One such answer, decoded: the closest encloser's NSEC3 and the covers of
# the next closer name and of the wildcard, each with its RRSIG.
ctl --dnssec lookup r0123456789ab.nsec3.test A > "$WORK/lookup.txt"
grep -q "answered in XDP (dns_nxdomain)" "$WORK/lookup.txt" || fail "lookup: $(head -1 "$WORK/lookup.txt")"
proofs=$(grep -c ' NSEC3 1 0 0 - ' "$WORK/lookup.txt")
[ "$proofs" -ge 2 ] && [ "$(grep -c ' RRSIG NSEC3 ' "$WORK/lookup.txt")" -eq "$proofs" ] ||
	fail "lookup: not an NSEC3 proof: $(cat "$WORK/lookup.txt")"
echo "ok - one of them decoded: NXDOMAIN with $proofs NSEC3 records, each signed"
stop_xdpcastd
