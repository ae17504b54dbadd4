#!/usr/bin/env bash
# make bench, scaling with cores: the answered rate of the bare program and
# of xdpcast with the veth pair on one queue, then on two, the load written
# by one bench/floodgen per queue, each pinned to its own core, from random
# sources so the veth spreads the flows over its queues. Both cores are
# shared with the generators, so what compares is each program's gain from
# one queue to two, not the absolute rates: xdpcast's gain as a share of
# bare's (bench/figures.sh). (kxdpgun 3.2 runs one thread on a veth: it counts
# "combined" channels, which veth does not have.)
source "$(dirname "$0")/../tests/e2e/lib.sh"
source "$(dirname "$0")/figures.sh"

SECONDS_PER_RUN=${LIVE_SECONDS:-3}
ZONE=$ROOT/tests/zones/example.test.zone

rx_packets() { cli cat /sys/class/net/veth-c/statistics/rx_packets; }

# answered GENERATORS: queries from that many floodgens; answers per second
# over the time they sent (the answers of their last frames counted after
# a moment).
answered() {
	local rx0 start end i pid pids=()
	rx0=$(rx_packets)
	start=$(date +%s%N)
	for i in $(seq 0 $(($1 - 1))); do
		cli taskset -c "$i" "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$SERVER_MAC" --dst $ANYCAST4 \
			--src 203.0.113.0/24 --kind query --qname www.example.test --seconds "$SECONDS_PER_RUN" \
			--count 100000000 --seed $((i + 1)) > /dev/null &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || fail "floodgen (pid $pid) failed"
	done
	end=$(date +%s%N)
	sleep 0.3
	awk -v n="$(( $(rx_packets) - rx0 ))" -v ns="$(( end - start ))" 'BEGIN {if (n <= 0) exit 1; printf "%.0f", n / (ns / 1e9)}' ||
		fail "no answer came back from $1 generators"
}

# network QUEUES: a fresh pair of namespaces with that many queues.
network() {
	cleanup_network
	VETH_QUEUES=$1 setup_network
	SERVER_MAC=$(srv cat /sys/class/net/veth-s/address)
}
cleanup_network() { ip netns del "$NS_CLI" 2>/dev/null || true; ip netns del "$NS_SRV" 2>/dev/null || true; }

declare -A RATE
for queues in 1 2; do
	network "$queues"
	srv ip link set dev veth-s xdpdrv obj "$BUILD/bare.bpf.o" sec xdp
	RATE[bare|$queues]=$(answered "$queues")
	srv ip link set dev veth-s xdpdrv off
	start_nsd "$ZONE"
	start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$ROOT/tests/fidelity/no-limits.yaml"
	RATE[xdpcast|$queues]=$(answered "$queues")
	stop_xdpcastd
	kill "${PIDS[-2]}" 2>/dev/null || true        # this network's NSD
done
cleanup_network

echo "| program | 1 queue, 1 generator (pps) | 2 queues, 2 generators (pps) | speed-up |"
echo "|---|---:|---:|---:|"
for p in bare xdpcast; do
	awk -v p="$p" -v a="${RATE[$p|1]}" -v b="${RATE[$p|2]}" 'BEGIN {printf "| %s | %d | %d | %.2f |\n", p, a, b, b / a}'
done
echo "| xdpcast gain / bare gain | | | $(gain_share "${RATE[bare|1]}" "${RATE[bare|2]}" "${RATE[xdpcast|1]}" "${RATE[xdpcast|2]}") |"
