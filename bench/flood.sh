#!/usr/bin/env bash
# make bench, floods part: for each flood kind, bench/floodgen offers it at
# the highest rate it reaches for a few seconds into xdpcastd's veth while
# dnsperf sends legitimate queries at a fixed rate; prints the offered rate,
# the share of legitimate queries answered, and the CPU the userspace
# processes (NSD, xdpcastd) used meanwhile. Namespaces from tests/e2e/lib.sh.
source "$(dirname "$0")/../tests/e2e/lib.sh"

SECONDS_PER_FLOOD=${FLOOD_SECONDS:-4}
LEGIT_QPS=500
ZONE=$ROOT/tests/zones/example.test.zone

setup_network
start_nsd "$ZONE"
start_xdpcastd --zone "$ZONE" --xdp-mode native
DST_MAC=$(srv cat /sys/class/net/veth-s/address)
for name in www mail ns1 sip alias chain1 chain2; do echo "$name.example.test A"; done > "$WORK/legit.txt"

# row NAME [floodgen args]: one flood with the legitimate client alongside.
row() {
	local name=$1 nsd0 xdp0 offered=0 completed sent
	shift
	nsd0=$(cpu_ms "nsd -c $WORK/nsd.conf")
	xdp0=$(cpu_ms "$BUILD/xdpcastd")
	cli dnsperf -s $ANYCAST4 -d "$WORK/legit.txt" -Q $LEGIT_QPS -l "$SECONDS_PER_FLOOD" -t 2 \
		> "$WORK/dnsperf.txt" 2>&1 &
	local dnsperf=$!
	if [ $# -gt 0 ]; then
		offered=$(cli "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$DST_MAC" --seconds "$SECONDS_PER_FLOOD" \
			--count 100000000 "$@" | awk '{gsub(/\(/, "", $9); print $9}')
	fi
	wait $dnsperf
	completed=$(awk '/Queries completed:/ {print $3}' "$WORK/dnsperf.txt")
	sent=$(awk '/Queries sent:/ {print $3}' "$WORK/dnsperf.txt")
	printf '| %s | %s | %s of %s (%s%%) | %s | %s |\n' "$name" "$offered" "$completed" "$sent" \
		"$((completed * 100 / sent))" "$(( $(cpu_ms "nsd -c $WORK/nsd.conf") - nsd0 ))" \
		"$(( $(cpu_ms "$BUILD/xdpcastd") - xdp0 ))"
}

echo "| flood | offered pps | legitimate answered | NSD CPU ms | xdpcastd CPU ms |"
echo "|---|---:|---:|---:|---:|"
row "none (legitimate client alone)"
row "IPv4 fragments" --kind fragment --src 203.0.113.0/24 --dst $ANYCAST4
row "NTP reflection" --kind reflection --src 203.0.113.0/24 --dst $ANYCAST4
row "malformed DNS" --kind malformed --src 2001:db8:e000::/36 --dst $ANYCAST6
row "random names under our zone" --kind random-qname --qname example.test --src 2001:db8:f000::/36 --dst $ANYCAST6
row "random names we do not serve" --kind random-qname --qname victim.example --src 2001:db8:f000::/36 --dst $ANYCAST6
row "one /24 asking for www" --kind query --qname www.example.test --src 203.0.113.0/24 --dst $ANYCAST4
row "spoofed sources across 2001:db8::/32" --kind query --qname www.example.test --src 2001:db8::/32 --dst $ANYCAST6
stop_xdpcastd
