#!/usr/bin/env bash
# make lab, the system tier: an anycast network in namespaces. Two PoPs,
# each with BIRD, NSD and xdpcastd, announce 192.0.2.0/24 over eBGP to one
# transit router (BIRD, installing its best route in the kernel and
# forwarding); pop2 prepends its AS, as a backup PoP would. A client behind
# the transit asks CHAOS id.server, which the fast path answers with the
# PoP's name, so every answer says which PoP the network chose:
#   - both healthy: pop1;
#   - NSD on pop1 fails: pop1 withdraws, the client is answered by pop2;
#   - NSD back: pop1 again;
#   - pop1's xdpcastd gets SIGTERM while the client asks in a loop: the
#     answers move to pop2 during the drain, none is lost.
#
#   client 198.51.100.2 ── 198.51.100.1 transit 203.0.113.1 ── 203.0.113.2 pop1 (AS 64501)
#                                               203.0.113.5 ── 203.0.113.6 pop2 (AS 64502)
#   anycast 192.0.2.53 on each PoP's lo; the transit is AS 64500.
source "$(dirname "$0")/../e2e/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
NS_T=xc-tr-$SUFFIX
NS_C=xc-cl-$SUFFIX
EXTRA_NS+=("$NS_T" "$NS_C" "xc-pop1-$SUFFIX" "xc-pop2-$SUFFIX")
BGP_TIMERS="hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;"

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
pop_ns() { echo "xc-pop$1-$SUFFIX"; }
pop_addr() { echo "203.0.113.$((4 * $1 - 2))"; }      # 203.0.113.2, 203.0.113.6
transit_addr() { echo "203.0.113.$((4 * $1 - 3))"; }  # 203.0.113.1, 203.0.113.5

setup_transit_and_client() {
	ip netns add "$NS_T"
	ip netns add "$NS_C"
	in_ns "$NS_T" ip link set lo up
	in_ns "$NS_C" ip link set lo up
	in_ns "$NS_T" sysctl -qw net.ipv4.ip_forward=1
	ip link add cl0 netns "$NS_C" type veth peer name down0 netns "$NS_T"
	in_ns "$NS_C" ip addr add 198.51.100.2/24 dev cl0
	in_ns "$NS_T" ip addr add 198.51.100.1/24 dev down0
	in_ns "$NS_C" ip link set cl0 up
	# Whole UDP checksums from the client, as off a wire (see tests/e2e/lib.sh).
	in_ns "$NS_C" ethtool -K cl0 tx off > /dev/null
	in_ns "$NS_T" ip link set down0 up
	in_ns "$NS_C" ip route add 192.0.2.0/24 via 198.51.100.1
	cat > "$WORK/bird-transit.conf" <<CONF
router id 198.51.100.1;
protocol device {}
# The best path to the anycast prefix goes into the kernel: the transit forwards by it.
protocol kernel { ipv4 { import none; export all; }; }
protocol bgp pop1 {
	local 203.0.113.1 as 64500; neighbor 203.0.113.2 as 64501; $BGP_TIMERS
	ipv4 { import all; export none; };
}
protocol bgp pop2 {
	local 203.0.113.5 as 64500; neighbor 203.0.113.6 as 64502; $BGP_TIMERS
	ipv4 { import all; export none; };
}
CONF
}

# start_bird NS CONF SOCKET: in the foreground, a child of this script.
start_bird() {
	ip netns exec "$1" bird -f -c "$2" -s "$3" >> "${2%.conf}.log" 2>&1 &
	PIDS+=($!)
	wait_for "BIRD in $1" test -S "$3"
}

# setup_pop N: the PoP's namespace, its link to the transit, BIRD and NSD.
setup_pop() {
	local n=$1 ns prepend=""
	ns=$(pop_ns "$n")
	ip netns add "$ns"
	in_ns "$ns" ip link set lo up
	ip link add up0 netns "$ns" type veth peer name pop$n netns "$NS_T"
	in_ns "$ns" ip addr add "$(pop_addr "$n")/30" dev up0
	in_ns "$NS_T" ip addr add "$(transit_addr "$n")/30" dev pop$n
	in_ns "$ns" ip link set up0 up
	in_ns "$NS_T" ip link set pop$n up
	# veth delivers XDP_TX frames only to a peer that runs XDP itself.
	in_ns "$NS_T" ip link set dev pop$n xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
	in_ns "$ns" ip addr add 192.0.2.53/32 dev lo
	in_ns "$ns" ip route add 198.51.100.0/24 via "$(transit_addr "$n")"
	mkdir -p "$WORK/pop$n/bpffs"
	mount -t bpf bpf "$WORK/pop$n/bpffs"
	[ "$n" = 2 ] && prepend="bgp_path.prepend(6450$n);"     # a backup PoP
	cat > "$WORK/pop$n/bird.conf" <<CONF
router id $(pop_addr "$n");
protocol device {}
include "$WORK/pop$n/xdpcast-bird.conf";      # owned by xdpcastd (docs/bgp.md)
protocol bgp transit {
	local $(pop_addr "$n") as 6450$n; neighbor $(transit_addr "$n") as 64500; $BGP_TIMERS
	ipv4 {
		import none;
		export filter { if proto !~ "xdpcast*" then reject; $prepend accept; };
	};
}
CONF
	"$BUILD/xdpcastctl" withdraw --control-socket "$WORK/pop$n/xdpcastd.sock" \
		--bird-include "$WORK/pop$n/xdpcast-bird.conf" --bird-socket none > /dev/null
	start_bird "$ns" "$WORK/pop$n/bird.conf" "$WORK/pop$n/bird.ctl"
	start_pop_nsd "$n"
}

start_pop_nsd() {
	local n=$1
	cat > "$WORK/pop$n/nsd.conf" <<CONF
server:
  ip-address: 192.0.2.53
  database: ""
  pidfile: "$WORK/pop$n/nsd.pid"
  xfrdfile: "$WORK/pop$n/xfrd.state"
  zonelistfile: "$WORK/pop$n/zone.list"
  username: ""
  rrl-ratelimit: 0
  identity: "pop$n"
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: example.test.
  zonefile: $ZONE
CONF
	ip netns exec "$(pop_ns "$n")" nsd -c "$WORK/pop$n/nsd.conf" -d > "$WORK/pop$n/nsd.log" 2>&1 &
	NSD_PID[$n]=$!
	PIDS+=($!)
}

start_pop_xdpcastd() {
	local n=$1
	cat > "$WORK/pop$n/xdpcastd.yaml" <<YAML
drain_ms: 3000
health: {interval_ms: 300, rise: 2, fall: 2, backend: 192.0.2.53}
rrl: {rate: 0}
bgp: {asn: 6450$n}
YAML
	ip netns exec "$(pop_ns "$n")" "$BUILD/xdpcastd" --iface up0 --anycast 192.0.2.0/24 --zone "$ZONE" \
		--state-file "$WORK/pop$n/state.json" \
		--pop "pop$n" --pin-dir "$WORK/pop$n/bpffs/xdpcast" --control-socket "$WORK/pop$n/xdpcastd.sock" \
		--bird-socket "$WORK/pop$n/bird.ctl" --bird-include "$WORK/pop$n/xdpcast-bird.conf" \
		--config "$WORK/pop$n/xdpcastd.yaml" > "$WORK/pop$n/xdpcastd.log" 2>&1 &
	XDPCASTD[$n]=$!
	PIDS+=($!)
	wait_for "xdpcastd on pop$n" grep -q ready "$WORK/pop$n/xdpcastd.log"
}

# Which PoP answers the client: CHAOS id.server, from the fast path.
answering_pop() { in_ns "$NS_C" kdig +short +time=1 +retry=0 @192.0.2.53 CH TXT id.server 2>/dev/null | tr -d '"'; }
answered_by() { [ "$(answering_pop)" = "$1" ]; }


declare -A NSD_PID XDPCASTD

setup_transit_and_client
start_bird "$NS_T" "$WORK/bird-transit.conf" "$WORK/bird-transit.ctl"
setup_pop 1
setup_pop 2
start_pop_xdpcastd 1
start_pop_xdpcastd 2

wait_within "pop1 answering the client" 20 answered_by pop1
in_ns "$NS_T" birdc -s "$WORK/bird-transit.ctl" show route 192.0.2.0/24 > "$WORK/routes.txt"
grep -q "via 203.0.113.2 on pop1" "$WORK/routes.txt" || fail "the transit has no route via pop1: $(cat "$WORK/routes.txt")"
wait_within "pop2's backup route at the transit" 10 eval \
	'in_ns "$NS_T" birdc -s "$WORK/bird-transit.ctl" show route 192.0.2.0/24 all | grep -q "BGP.as_path: 64502 64502"'
echo "ok - both PoPs announce; the transit prefers pop1 over pop2's prepended path; the client is answered by pop1"

kill "${NSD_PID[1]}"
failed_at=$(date +%s%N)
wait_within "pop2 answering after pop1's NSD failed" 10 answered_by pop2
echo "ok - NSD on pop1 stopped: pop1 withdrew, the client is answered by pop2 $(ms_since "$failed_at") ms later"

recovered_at=$(date +%s%N)
start_pop_nsd 1
wait_within "pop1 answering again" 10 answered_by pop1
echo "ok - NSD on pop1 back: the client is answered by pop1 again $(ms_since "$recovered_at") ms later"

# A graded drain of pop1 (xdpcastctl drain: its AS prepended twice, more
# than pop2's one) while the client asks in a loop: the answers move to
# pop2 and back on undrain, none lost.
pop_ctl() { "$BUILD/xdpcastctl" --control-socket "$WORK/pop$1/xdpcastd.sock" "${@:2}"; }
in_ns "$NS_C" python3 "$ROOT/tests/e2e/query_loop.py" 192.0.2.53 id.server 8 TXT CH > "$WORK/drain-loop.txt" &
LOOP=$!
PIDS+=($LOOP)
sleep 1
pop_ctl 1 drain --prepend 2 > /dev/null
wait_within "pop2 answering while pop1 is drained" 10 answered_by pop2
in_ns "$NS_T" birdc -s "$WORK/bird-transit.ctl" show route 192.0.2.0/24 all | grep -q "BGP.as_path: 64501 64501 64501" ||
	fail "pop1's drained path is not at the transit"
pop_ctl 1 undrain > /dev/null
wait_within "pop1 answering after the undrain" 10 answered_by pop1
wait "$LOOP"
awk '{print $2}' "$WORK/drain-loop.txt" | uniq -c > "$WORK/drain-loop.counts"
lost=$(grep -vcE ' pop[12]$' "$WORK/drain-loop.txt" || true)
[ "$lost" -eq 0 ] || fail "$lost queries lost or wrong during the drain: $(cat "$WORK/drain-loop.counts")"
[ "$(awk '{print $2}' "$WORK/drain-loop.counts" | tr '\n' ' ')" = "pop1 pop2 pop1 " ] ||
	fail "answers did not move to pop2 and back: $(cat "$WORK/drain-loop.counts")"
echo "ok - xdpcastctl drain on pop1: $(wc -l < "$WORK/drain-loop.txt") looped queries moved to pop2 and back on undrain, none lost"

# A planned maintenance of pop1: SIGTERM while the client asks in a loop.
in_ns "$NS_C" python3 "$ROOT/tests/e2e/query_loop.py" 192.0.2.53 id.server 6 TXT CH > "$WORK/loop.txt" &
LOOP=$!
PIDS+=($LOOP)
sleep 1
kill -TERM "${XDPCASTD[1]}"
wait "$LOOP"
wait "${XDPCASTD[1]}" || fail "pop1's xdpcastd did not exit 0"
awk '{print $2}' "$WORK/loop.txt" | uniq -c > "$WORK/loop.counts"
total=$(wc -l < "$WORK/loop.txt")
lost=$(grep -vcE ' pop[12]$' "$WORK/loop.txt" || true)
[ "$lost" -eq 0 ] || fail "$lost of $total queries lost or wrong during the drain: $(cat "$WORK/loop.counts")"
[ "$(awk '{print $2}' "$WORK/loop.counts" | tr '\n' ' ')" = "pop1 pop2 " ] ||
	fail "answers did not move from pop1 to pop2 once: $(cat "$WORK/loop.counts")"
in_ns "$(pop_ns 1)" ip -o link show up0 | grep -q "prog/xdp" && fail "pop1 still attached after exit"
echo "ok - SIGTERM on pop1: $total looped queries, $(awk '$2 == "pop1" {print $1}' "$WORK/loop.counts") answered by pop1 then $(awk '$2 == "pop2" {print $1}' "$WORK/loop.counts") by pop2, none lost"
