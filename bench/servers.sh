#!/usr/bin/env bash
# make bench, servers: the same zone and query mix, at fixed offered loads
# from dnsperf in the client namespace, against NSD alone, Knot alone
# (UDP sockets), Knot in its XDP mode, and xdpcast with NSD behind it.
# Reports answered qps, and the CPU the machine spent: the server
# process(es) and softirq (where XDP and the veth run), in ms per second.
source "$(dirname "$0")/../tests/e2e/lib.sh"

SECONDS_PER_LOAD=${LOAD_SECONDS:-3}
LOADS=${LOADS:-"10000 30000"}
ZONE=$ROOT/tests/zones/example.test.zone
for name in www mail ns1 sip alias chain1 chain2; do echo "$name.example.test A"; done > "$WORK/queries.txt"
echo "nothere.example.test A" >> "$WORK/queries.txt"
echo "www.example.test AAAA" >> "$WORK/queries.txt"

softirq_ms() { awk '/^cpu / {print $8 * 10}' /proc/stat; }   # USER_HZ 100

start_knot() {  # start_knot [XDP]: knotd on the anycast address, or on veth-s with XDP
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot.conf" <<CONF
server:
    rundir: "$WORK/knot"
    listen: $ANYCAST4@53
    listen: $UNICAST4@53
${1:+xdp:
    listen: veth-s@53}
database:
    storage: "$WORK/knot"
zone:
  - domain: example.test
    file: "$ZONE"
    semantic-checks: off
log:
  - target: stderr
    any: warning
CONF
	ip netns exec "$NS_SRV" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
	PIDS+=($!)
	wait_for "Knot" dig_ok "$UNICAST4"
}

# row NAME PROCESS-PATTERN: dnsperf at each load.
row() {
	local name=$1 pattern=$2 load cpu0 irq0 out cpu
	for load in $LOADS; do
		cpu0=$(cpu_ms "$pattern"); irq0=$(softirq_ms)
		out=$(cli dnsperf -s $ANYCAST4 -d "$WORK/queries.txt" -Q "$load" -l "$SECONDS_PER_LOAD" -c 4 -T 2 -q 1000 2>&1) || true
		cpu=$(( ($(cpu_ms "$pattern") - cpu0) / SECONDS_PER_LOAD ))
		[ "$cpu" -ge 0 ] || cpu="n/a (a server process restarted)"
		printf '| %s | %s | %s | %s | %s |\n' "$name" "$load" \
			"$(awk '/Queries per second:/ {printf "%.0f", $4}' <<< "$out")" "$cpu" \
			"$(( ($(softirq_ms) - irq0) / SECONDS_PER_LOAD ))"
	done
}

echo "| server | offered qps | answered qps | server process CPU ms/s | softirq CPU ms/s |"
echo "|---|---:|---:|---:|---:|"
setup_network
start_nsd "$ZONE"
row "NSD 4.6 alone" "nsd -c $WORK/nsd.conf"
start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$ROOT/tests/fidelity/no-limits.yaml"
row "xdpcast (NSD behind it)" "nsd -c $WORK/nsd.conf|$BUILD/xdpcastd"
stop_xdpcastd
for pid in $(pgrep -f "nsd -c $WORK/nsd.conf"); do kill "$pid"; done
sleep 1
start_knot
row "Knot 3.2 alone (UDP)" "knotd -c $WORK/knot.conf"
pkill -f "knotd -c $WORK/knot.conf"; sleep 1
start_knot xdp
row "Knot 3.2 XDP mode" "knotd -c $WORK/knot.conf"
