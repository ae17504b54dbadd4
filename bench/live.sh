#!/usr/bin/env bash
# make bench, live traffic: bench/floodgen writes valid queries (www A, from
# sources across 203.0.113.0/24) into the client's veth as fast as one core
# can for a few seconds; the program on the server's veth answers them with
# XDP_TX back into the client's veth. Answered pps is what came back there,
# loss what was offered and never came back. The baseline program (parse,
# swap, XDP_TX) under the same generator gives the ratio. Per-source limits
# and RRL are off (tests/fidelity/no-limits.yaml): this is the answer path's
# throughput, the flood part measures the limits.
source "$(dirname "$0")/../tests/e2e/lib.sh"

SECONDS_PER_RUN=${LIVE_SECONDS:-3}
ZONE=$ROOT/tests/zones/example.test.zone

rx_packets() { cli cat /sys/class/net/veth-c/statistics/rx_packets; }

# run NAME [COUNTER]: one generator run and its row; COUNTER is a command
# printing how many of the packets the program itself answered. Sets ANSWERED.
run() {
	local rx0 out sent elapsed answered in_xdp=all xdp0
	[ $# -gt 1 ] && xdp0=$($2)
	rx0=$(rx_packets)
	out=$(cli "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$DST_MAC" --dst $ANYCAST4 --src 203.0.113.0/24 \
		--kind query --qname www.example.test --seconds "$SECONDS_PER_RUN" --count 100000000)
	sleep 0.5                       # what is still in flight
	sent=$(awk '{print $4}' <<< "$out")
	elapsed=$(awk '{print $7}' <<< "$out")
	answered=$(( $(rx_packets) - rx0 ))
	[ "$answered" -le "$sent" ] || answered=$sent     # ARP and ND replies are not answers
	[ $# -gt 1 ] && in_xdp=$(( $($2) - xdp0 ))
	ANSWERED=$(awk -v a="$answered" -v t="$elapsed" 'BEGIN {printf "%.0f", a / t}')
	printf '| %s | %s | %s | %s | %s%% | %s |\n' "$1" "$(awk -v s="$sent" -v t="$elapsed" 'BEGIN {printf "%.0f", s / t}')" \
		"$ANSWERED" "$in_xdp" "$(awk -v s="$sent" -v a="$answered" 'BEGIN {printf "%.1f", (s - a) * 100 / s}')" \
		"$(awk -v a="$ANSWERED" -v b="${BASELINE:-$ANSWERED}" 'BEGIN {printf "%.2f", a / b}')"
}

echo "| program on the server's veth | offered pps | answered pps | dns_answer counted | loss | answered / baseline |"
echo "|---|---:|---:|---:|---:|---:|"
setup_network
DST_MAC=$(srv cat /sys/class/net/veth-s/address)
srv ip link set dev veth-s xdpdrv obj "$BUILD/baseline.bpf.o" sec xdp
run "baseline (parse, swap, XDP_TX)"
BASELINE=$ANSWERED
srv ip link set dev veth-s xdpdrv off
start_nsd "$ZONE"
start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$ROOT/tests/fidelity/no-limits.yaml"
run "xdpcast (answers www A)" "counter dns_answer"
stop_xdpcastd
