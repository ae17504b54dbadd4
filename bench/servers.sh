#!/usr/bin/env bash
# make bench, servers: the same zone and query mix, at fixed offered loads
# from dnsperf in the client namespace, against NSD alone, Knot alone
# (UDP sockets), Knot in its XDP mode, and xdpcast with NSD behind it.
# Reports answered qps, and the CPU the machine spent: the server
# process(es) and softirq (where XDP and the veth run), in ms per second,
# and both per answered query; then xdpcast's per-answer CPU over NSD's and
# over Knot XDP mode's at each load. Where this kernel refuses libknot's
# XDP program (bench/figures.sh: knot_xdp_refusal), a line says so in
# place of Knot's XDP rows.
source "$(dirname "$0")/../tests/e2e/lib.sh"
source "$(dirname "$0")/figures.sh"

SECONDS_PER_LOAD=${LOAD_SECONDS:-3}
REPEATS=${REPEATS:-3}
LOADS=${LOADS:-"10000 30000"}
ZONE=$ROOT/tests/zones/example.test.zone
for name in www mail ns1 sip alias chain1 chain2; do echo "$name.example.test A"; done > "$WORK/queries.txt"
echo "nothere.example.test A" >> "$WORK/queries.txt"
echo "www.example.test AAAA" >> "$WORK/queries.txt"

softirq_ms() { awk '/^cpu / {printf "%.0f\n", $8 * 10}' /proc/stat; }   # USER_HZ 100

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
	# Else knotd answers on its sockets alone, and the row would be theirs.
	[ -z "${1:-}" ] || wait_for "Knot's XDP program" eval 'srv ip -o link show veth-s | grep -q prog/xdp'
}

declare -A US_PER_ANSWER       # "NAME@LOAD" -> CPU microseconds per answered query

# measure LOAD PATTERN: one dnsperf run; prints "µs/answer qps cpu irq".
measure() {
	local cpu0 irq0 out cpu irq qps
	sleep 1                         # let the previous run's softirq work drain
	cpu0=$(cpu_ms "$2"); irq0=$(softirq_ms)
	out=$(cli dnsperf -s $ANYCAST4 -d "$WORK/queries.txt" -Q "$1" -l "$SECONDS_PER_LOAD" -c 4 -T 2 -q 1000 2>&1) || true
	cpu=$(( ($(cpu_ms "$2") - cpu0) / SECONDS_PER_LOAD ))
	irq=$(( ($(softirq_ms) - irq0) / SECONDS_PER_LOAD ))
	qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' <<< "$out")
	[ "$cpu" -ge 0 ] || cpu=0      # a server process restarted: not counted
	awk -v c="$cpu" -v i="$irq" -v q="${qps:-0}" 'BEGIN {printf "%.1f %d %d %d\n", (q ? (c + i) * 1000 / q : 0), q, c, i}'
}

# row NAME PROCESS-PATTERN: at each load, the median of REPEATS runs by CPU per answer.
row() {
	local name=$1 pattern=$2 load median
	for load in $LOADS; do
		median=$(for _ in $(seq "$REPEATS"); do measure "$load" "$pattern"; done | sort -n |
			awk -v n="$REPEATS" 'NR == int((n + 1) / 2)')
		read -r per qps cpu irq <<< "$median"
		US_PER_ANSWER["$name@$load"]=$per
		printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$load" "$qps" "$cpu" "$irq" "$per"
	done
}

# ratios NAME: xdpcast's CPU per answer over NAME's, at each load.
ratios() {
	local load
	for load in $LOADS; do
		printf '| xdpcast / %s | %s | %s |\n' "$1" "$load" \
			"$(awk -v a="${US_PER_ANSWER["$XDPCAST@$load"]}" -v b="${US_PER_ANSWER["$1@$load"]}" \
				'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
	done
}

XDPCAST="xdpcast (NSD behind it)"
refused=${KNOT_XDP_REFUSED-$(knot_xdp_refusal)}
echo "| server | offered qps | answered qps | server process CPU ms/s | softirq CPU ms/s | CPU µs per answer |"
echo "|---|---:|---:|---:|---:|---:|"
setup_network
start_nsd "$ZONE"
row "NSD 4.6 alone" "nsd -c $WORK/nsd.conf"
start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$ROOT/tests/fidelity/no-limits.yaml"
row "$XDPCAST" "nsd -c $WORK/nsd.conf|$BUILD/xdpcastd"
stop_xdpcastd
for pid in $(pgrep -f "nsd -c $WORK/nsd.conf"); do kill "$pid"; done
sleep 1
start_knot
row "Knot 3.2 alone (UDP)" "knotd -c $WORK/knot.conf"
pkill -f "knotd -c $WORK/knot.conf"; sleep 1
[ -n "$refused" ] || { start_knot xdp; row "Knot 3.2 XDP mode" "knotd -c $WORK/knot.conf"; }
echo
[ -z "$refused" ] || { not_measured "$refused" "Knot's XDP mode"; echo; }
echo "| CPU per answer | offered qps | ratio |"
echo "|---|---:|---:|"
ratios "NSD 4.6 alone"
[ -n "$refused" ] || ratios "Knot 3.2 XDP mode"
