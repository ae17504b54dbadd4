#!/usr/bin/env bash
# make bench, live traffic: kxdpgun (AF_XDP, Knot's generator) in the client
# namespace sends query templates at its highest rate for a few seconds into
# the client's veth; the program on the server's veth answers with XDP_TX.
# For each query set, the answered rate (kxdpgun's replies per second that
# are NOERROR or NXDOMAIN, median of RUNS) and the program's own time per
# packet (bpf_stats: run_time_ns / run_cnt over the run, median of RUNS on
# its own) for:
#   bare      bench/bare.bpf.c: swap MACs, addresses, ports, set QR (the ceiling)
#   alu, alu-unrolled
#             bare with ~500 ns of ALU work a frame, in a loop (a few cache
#             lines of code) and unrolled (~10 KB of code run once each)
#   knot-xdp  Knot 3.2 in its XDP mode (its program redirects to AF_XDP;
#             the answering is in knotd)
#   xdpcast   xdpcast with NSD behind, limits and RRL off
#   minimal   the same with --minimal-responses (as for an NSD with
#             minimal-responses; NSD answers none of these queries):
#             positive answers without authority and additional, about as
#             short as Knot's
#   empty     xdp_pass.bpf.c, which returns at once: its time per packet is
#             bpf_stats' own clock reads, most of bare's (too much of it
#             for a ratio net of them to be steady; limits on/off is)
# A second table takes each program's cost to the whole path apart: the
# time per reply beyond bare's (1 / pps, kxdpgun's thread carrying the
# whole path on one core) less the program's own time beyond bare's
# (bpf_stats) is what it costs the rest of the path (veth, AF_XDP, skbs):
# about 0 for the loop, the code footprint's toll for the unrolled one.
# Then what the default limits cost: xdpcast's time per packet with limits
# and RRL off and on, in turns (a reload apart), for queries from sources
# spread over 2001:db8:8000::/33, so that packets take per-source bucket
# and RRL state of their own (bench/floodgen writes them: kxdpgun 3.2 sends
# IPv6 from :: when given a source prefix, and the documentation prefixes
# have no IPv4 /16).
# Where this kernel refuses libknot's XDP program (bench/figures.sh:
# knot_xdp_refusal), neither kxdpgun nor Knot's XDP mode runs: a line says
# so, and the programs' own time is measured under bench/floodgen's queries
# (www A for the positive sets, nothere1 A for NXDOMAIN, from the client's
# address) with no answered rate, no Knot-XDP and no path table.
# QUEUES=2: the veth pair with two queues (kxdpgun 3.2 still sends from
# one thread on a veth: bench/scaling.sh measures the gain from a queue).
#   bench/live.sh          a markdown table on stdout
source "$(dirname "$0")/../tests/e2e/lib.sh"
source "$(dirname "$0")/figures.sh"

SECONDS_PER_RUN=${LIVE_SECONDS:-3}
RUNS=${RUNS:-3}
ZONE=$ROOT/tests/zones/example.test.zone
SPOOFED6=2001:db8:8000::/33
VETH_QUEUES=${QUEUES:-1}

printf 'www.example.test A\nmail.example.test A\nexample.test MX\n' > "$WORK/positive.txt"
for i in 1 2 3 4 5 6 7 8; do echo "nothere$i.example.test A"; done > "$WORK/nxdomain.txt"
# Query sets: name, destination, templates, the name floodgen asks instead.
SETS=("IPv4 positive (A, A, MX)|$ANYCAST4|positive|www.example.test"
      "IPv6 positive (A, A, MX)|$ANYCAST6|positive|www.example.test"
      "IPv4 NXDOMAIN|$ANYCAST4|nxdomain|nothere1.example.test")

prog_id() {
	local id
	id=$(srv ip -j link show veth-s | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", ""))')
	[ -n "$id" ] || fail "no XDP program on veth-s when a run began: $(srv ip -o link show veth-s)"
	echo "$id"
}
prog_stats() { bpftool -j prog show id "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v.get("run_time_ns", 0), v.get("run_cnt", 0))'; }

# per_packet BEFORE AFTER: ns per run between two prog_stats readings; a
# run the program did not see (bpf_stats off, another program) fails.
per_packet() {
	awk -v b="$1" -v a="$2" 'BEGIN {split(b, x, " "); split(a, y, " "); n = y[2] - x[2];
		if (n <= 0) exit 1; printf "%.0f", (y[1] - x[1]) / n}' ||
		fail "bpf_stats counted no run of the program between '$1' and '$2'"
}

# gun DEST SET PROGRAM: one kxdpgun run (its own source address);
# "answers/s ns/packet" (the empty program answers none: 0).
gun() {
	local id before out pps ns
	id=$(prog_id)
	before=$(prog_stats "$id")
	out=$(cli kxdpgun -t "$SECONDS_PER_RUN" -Q 100000000 -b 64 -i "$WORK/$2.txt" -I veth-c -R "$SERVER_MAC" "$1" 2>&1)
	pps=$(answered_rate <<< "$out") || { [ "$3" = empty ] || fail "$3: kxdpgun to $1 ($2) got no answer: $out"; pps=0; }
	ns=$(per_packet "$before" "$(prog_stats "$id")")
	echo "$pps $ns"
}

# flooded DEST QNAME: floodgen's queries from the client's address for a
# few seconds; "0 ns/packet" (no answered rate: floodgen reads no reply).
flooded() {
	local id before src=$CLIENT4
	[[ $1 != *:* ]] || src=$CLIENT6
	id=$(prog_id)
	before=$(prog_stats "$id")
	cli "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$SERVER_MAC" --dst "$1" --src "$src" \
		--kind query --qname "$2" --seconds "$SECONDS_PER_RUN" --count 100000000 > /dev/null
	echo "0 $(per_packet "$before" "$(prog_stats "$id")")"
}

# spoofed: floodgen's queries from $SPOOFED6 for a few seconds; ns/packet.
spoofed() {
	local id before
	id=$(prog_id)
	before=$(prog_stats "$id")
	cli "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$SERVER_MAC" --dst $ANYCAST6 --src $SPOOFED6 \
		--kind query --qname www.example.test --seconds "$SECONDS_PER_RUN" --count 100000000 > /dev/null
	per_packet "$before" "$(prog_stats "$id")"
	echo
}


# measure PROGRAM: one run of every set with what runs on veth-s now.
measure() {
	local i name dest file qname
	for i in "${!SETS[@]}"; do
		IFS='|' read -r name dest file qname <<< "${SETS[$i]}"
		if [ -n "$REFUSED" ]; then
			flooded "$dest" "$qname" >> "$WORK/runs.$1.$i"
		else
			gun "$dest" "$file" "$1" >> "$WORK/runs.$1.$i"
		fi
	done
}

start_knot_xdp() {
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot.conf" <<CONF
server:
    rundir: "$WORK/knot"
    listen: $UNICAST4@53
xdp:
    listen: veth-s@53
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
	KNOT=$!
	PIDS+=($KNOT)
	wait_for "Knot" dig_ok "$UNICAST4"
	wait_for "Knot's answers from the zone" eval 'cli kdig +short +time=1 +retry=0 @$UNICAST4 www.example.test A | grep -q .'
	wait_for "Knot's XDP program" eval 'srv ip -o link show veth-s | grep -q prog/xdp'
}

REFUSED=${KNOT_XDP_REFUSED-$(knot_xdp_refusal)}
[ -z "$REFUSED" ] || not_measured "$REFUSED" "answered rates, Knot-XDP and the path table" \
	"each program's own time is measured under bench/floodgen's queries instead (www A, nothere1 A)"
setup_network
# floodgen needs the client's xdp_pass (lib.sh's), for XDP_TX to deliver;
# kxdpgun brings its own program.
[ -n "$REFUSED" ] || cli ip link set dev veth-c xdpdrv off
SERVER_MAC=$(srv cat /sys/class/net/veth-s/address)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
# cleanup exits with the status it finds: the script's, not sysctl's.
trap 'rc=$?; set +e; sysctl -qw kernel.bpf_stats_enabled=$stats_before; (exit $rc); cleanup' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# The programs in turns, RUNS rounds, so that the VM's drift (a third over
# minutes) falls on all of them alike.
cp "$ROOT/tests/fidelity/no-limits.yaml" "$WORK/limits.yaml"
for r in $(seq "$RUNS"); do
	for program in bare bare-alu bare-alu-unrolled; do
		srv ip -force link set dev veth-s xdpdrv obj "$BUILD/$program.bpf.o" sec xdp
		measure "${program#bare-}"
	done
	srv ip -force link set dev veth-s xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
	measure empty
	srv ip link set dev veth-s xdpdrv off
	if [ -z "$REFUSED" ]; then
		start_knot_xdp
		measure knot-xdp
		kill "$KNOT"; wait "$KNOT" 2>/dev/null || true
		srv ip link set dev veth-s xdp off     # knotd leaves its program attached
	fi
	start_nsd "$ZONE"
	NSD=${PIDS[-1]}
	# Which of the two goes first alternates: in a run where minimal always
	# went first it read 13 % faster on NXDOMAIN, whose answers are the same.
	order=(minimal xdpcast)
	[ $((r % 2)) = 1 ] || order=(xdpcast minimal)
	for style in "${order[@]}"; do
		extra=()
		[ "$style" = minimal ] && extra=(--minimal-responses)
		start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$WORK/limits.yaml" "${extra[@]}"
		measure "$style"
		stop_xdpcastd
	done
	[ "$r" = "$RUNS" ] || { kill "$NSD"; wait "$NSD" 2>/dev/null || true; }
done
declare -A PPS NS
programs=(bare alu alu-unrolled empty xdpcast minimal)
[ -n "$REFUSED" ] || programs+=(knot-xdp)
for program in "${programs[@]}"; do
	for i in "${!SETS[@]}"; do
		PPS["$program|$i"]=$(median 1 < "$WORK/runs.$program.$i")
		NS["$program|$i"]=$(median 2 < "$WORK/runs.$program.$i")
	done
done

start_xdpcastd --zone "$ZONE" --xdp-mode native --config "$WORK/limits.yaml"
cli ip -force link set dev veth-c xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp     # for floodgen, in kxdpgun's place
# The limits off and on in turns, a reload apart, so that the VM's drift
# falls on both alike.
for r in $(seq "$RUNS"); do
	cp "$ROOT/tests/fidelity/no-limits.yaml" "$WORK/limits.yaml"
	ctl reload > /dev/null
	spoofed >> "$WORK/limits-off"
	printf '# the default limits and RRL\nrate_limit: {}\nrrl: {}\n' > "$WORK/limits.yaml"
	ctl reload > /dev/null
	spoofed >> "$WORK/limits-on"
done
limits_off=$(median 1 < "$WORK/limits-off")
limits_on=$(median 1 < "$WORK/limits-on")
stop_xdpcastd

if [ -n "$REFUSED" ]; then
	echo "| query set (floodgen) | bare ns/pkt | xdpcast ns/pkt | xdpcast / bare ns | empty ns/pkt | minimal ns/pkt | alu ns/pkt | alu-unrolled ns/pkt |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for i in "${!SETS[@]}"; do
		IFS='|' read -r name dest file qname <<< "${SETS[$i]}"
		awk -v n="${name%% (*} ($qname A)" -v bn="${NS[bare|$i]}" -v xn="${NS[xdpcast|$i]}" -v en="${NS[empty|$i]}" \
		    -v mn="${NS[minimal|$i]}" -v an="${NS[alu|$i]}" -v un="${NS[alu-unrolled|$i]}" \
		    'BEGIN {printf "| %s | %d | %d | %.1f | %d | %d | %d | %d |\n", n, bn, xn, bn ? xn / bn : 0, en, mn, an, un}'
	done
else
	echo "| query set | bare pps | Knot-XDP pps | xdpcast pps | xdpcast / bare | xdpcast / Knot-XDP | bare ns/pkt | Knot-XDP ns/pkt | xdpcast ns/pkt | xdpcast / bare ns | empty ns/pkt | minimal pps | minimal / bare | minimal / Knot-XDP |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for i in "${!SETS[@]}"; do
		awk -v n="${SETS[$i]%%|*}" -v b="${PPS[bare|$i]}" -v k="${PPS[knot-xdp|$i]}" -v x="${PPS[xdpcast|$i]}" \
		    -v bn="${NS[bare|$i]}" -v kn="${NS[knot-xdp|$i]}" -v xn="${NS[xdpcast|$i]}" -v en="${NS[empty|$i]}" \
		    -v m="${PPS[minimal|$i]}" \
		    'BEGIN {printf "| %s | %d | %d | %d | %.2f | %.2f | %d | %d | %d | %.1f | %d | %d | %.2f | %.2f |\n", n, b, k, x,
			    b ? x / b : 0, k ? x / k : 0, bn, kn, xn, bn ? xn / bn : 0, en, m, b ? m / b : 0, k ? m / k : 0}'
	done
	echo
	echo "| query set | program | pps | path beyond bare's, ns/reply | own time beyond bare's, ns/pkt | the rest of the path, ns/reply |"
	echo "|---|---|---:|---:|---:|---:|"
	for i in "${!SETS[@]}"; do
		for program in alu alu-unrolled xdpcast minimal; do
			awk -v n="${SETS[$i]%%|*}" -v p="$program" -v b="${PPS[bare|$i]}" -v x="${PPS[$program|$i]}" \
			    -v bn="${NS[bare|$i]}" -v xn="${NS[$program|$i]}" \
			    'BEGIN {path = b && x ? 1e9 / x - 1e9 / b : 0; own = xn - bn;
				    printf "| %s | %s | %d | %.0f | %d | %.0f |\n", n, p, x, path, own, path - own}'
		done
	done
fi
echo
echo "| xdpcast, www A over IPv6 from $SPOOFED6 (floodgen) | ns/pkt |"
echo "|---|---:|"
echo "| limits and RRL off | $limits_off |"
echo "| default limits and RRL on | $limits_on |"
awk -v a="$limits_off" -v b="$limits_on" -v e="${NS[empty|1]}" \
	'BEGIN {printf("| on / off | %.2f |\n| on / off, net of the empty program | %.2f |\n", a ? b / a : 0,
		       a > e ? (b - e) / (a - e) : 0)}'
