#!/usr/bin/env bash
# make lab, the system tier: an anycast network in namespaces, IPv4 and
# IPv6. Three PoPs (BIRD, NSD and xdpcastd each, xdpcastd under a
# supervisor as docs/bgp.md asks for without systemd) announce 192.0.2.0/24
# and 2001:db8:53::/48 over eBGP to two transit routers (BIRD, forwarding
# by their best routes), which peer with each other. A client in each
# region asks CHAOS id.server on the anycast addresses in paced loops
# (tests/e2e/query_loop.py), v4 and v6; the answer names the PoP.
#
#   region A 198.51.100.0/24 2001:db8:a::/48         region B 203.0.113.0/24 2001:db8:b::/48
#              |                                                  |
#        transit A (AS 64510) ----------- peer ----------- transit B (AS 64520)
#          |            \                                 /          |
#   pop1 (AS 64501)      `------ pop2 (AS 64502) -------'      pop3 (AS 64503)
#                (pop2 prepends once to A)                   (pop3 prepends once to B)
#
# The transits prefer their customers' routes (local preference 200) over
# their peer's (100) and give their peer only customer routes, as transit
# providers do. So region A is answered by pop1 (pop2 its backup behind
# transit A) and region B by pop2 (pop3 its backup behind transit B).
#
# Timers (documented in docs/bgp.md): BGP hold 3 s, keepalive 1 s, connect
# retry 1 s; health checks every 300 ms, rise 2, fall 2; drain 2 s after a
# SIGTERM. Graceful restart is off on the PoPs' sessions: no transit may
# keep a vanished PoP's routes as stale for a restart time (BIRD 2.0.12
# does not here either way, see docs/bgp.md).
#
# Then the failures, one at a time, each settled before the next: NSD dies
# on pop1 (and comes back), SIGTERM to pop2's xdpcastd (and a new start),
# kill -9 of pop2's xdpcastd (its supervisor withdraws and restarts it, and
# it takes the running program over), pop1's uplink goes down (veth down)
# and up, goes dark with its carrier up (the hold timer) and back, a graded
# drain of pop1 (xdpcastctl drain --prepend 2) and undrain, and pop2
# vanishing (its namespace deleted). For each, per
# region: which PoPs answered, queries lost, when the answers moved and
# when they settled (tests/system/lab_report.py), kept with a PNG of the
# answers per PoP over time in tests/system/results/. Asserted: who
# answers after each event, at most 0.5 % of a region's queries lost for
# the planned ones (drain, undrain, SIGTERM, a start), each PoP's
# catchment (xdpcastctl catchment) holding exactly the regions BGP sends
# it before, during and after the drain. Times are measured and printed,
# never judged.
source "$(dirname "$0")/../e2e/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
RATE=${LAB_RATE:-50}            # queries per second of each of the four loops
LOOP_SECONDS=600                # a bound on the loops; the lab ends them sooner
RESULTS=${LAB_RESULTS:-$ROOT/tests/system/results}
HOLD=3 KEEPALIVE=1 INTERVAL_MS=300 RISE=2 FALL=2 DRAIN_MS=2000
BGP_TIMERS="hold time $HOLD; keepalive time $KEEPALIVE; connect delay time 1; connect retry time 1; error wait time 1, 2;"
BIRD_LOG='log stderr all; debug protocols { states };'       # into $WORK/NAME/bird.log

ns() { echo "xc-$1-$SUFFIX"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
EXTRA_NS+=("$(ns tra)" "$(ns trb)" "$(ns pop1)" "$(ns pop2)" "$(ns pop3)" "$(ns rga)" "$(ns rgb)")

# The links: NAME  transit  its address (v4/prefix, v6)  the other end  its address.
# Point-to-point /30s sit in the regions' /24s (catchment counts clients'
# networks only: a link never asks the anycast address).
LINKS="
a-pop1 tra 198.51.100.129/30 2001:db8:ff:11::1 pop1 198.51.100.130 2001:db8:ff:11::2
a-pop2 tra 198.51.100.133/30 2001:db8:ff:12::1 pop2 198.51.100.134 2001:db8:ff:12::2
b-pop2 trb 203.0.113.129/30  2001:db8:ff:22::1 pop2 203.0.113.130  2001:db8:ff:22::2
b-pop3 trb 203.0.113.133/30  2001:db8:ff:23::1 pop3 203.0.113.134  2001:db8:ff:23::2
peer   tra 198.51.100.253/30 2001:db8:ff:ab::1 trb  198.51.100.254 2001:db8:ff:ab::2
"
REGION_A=(198.51.100.0/24 2001:db8:a::/48)      # what the catchment of region A's clients is
REGION_B=(203.0.113.0/24 2001:db8:b::/48)

# link NAME: the veth pair (NAME in the transit, up-NAME at the other end)
# with its addresses; the transit side runs xdp_pass, as veth delivers
# XDP_TX frames only to a peer that runs XDP itself.
link() {
	local name t t4 t6 o o4 o6
	read -r name t t4 t6 o o4 o6 <<< "$(grep "^$1 " <<< "$LINKS")"
	ip link add "$name" netns "$(ns "$t")" type veth peer name "up-$name" netns "$(ns "$o")"
	in_ns "$t" ip addr add "$t4" dev "$name"
	in_ns "$t" ip addr add "$t6/64" dev "$name" nodad
	in_ns "$o" ip addr add "$o4/${t4#*/}" dev "up-$name"
	in_ns "$o" ip addr add "$o6/64" dev "up-$name" nodad
	in_ns "$t" ip link set "$name" up
	in_ns "$o" ip link set "up-$name" up
	in_ns "$t" ip link set dev "$name" xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
}
# field LINK N: the Nth column of the link's line (3: transit v4, 4: transit v6, 6, 7: the other end's).
field() { grep "^$1 " <<< "$LINKS" | awk -v n="$2" '{sub("/.*", "", $n); print $n}'; }

# region R TRANSIT NET4 NET6: the client namespace behind its transit,
# with routes to the anycast prefixes only.
region() {
	local r=$1 t=$2 net4=$3 net6=$4
	ip link add region netns "$(ns "$t")" type veth peer name client netns "$(ns "rg$r")"
	in_ns "$t" ip addr add "$net4.1/26" dev region
	in_ns "$t" ip addr add "$net6::1/64" dev region nodad
	in_ns "rg$r" ip addr add "$net4.10/26" dev client
	in_ns "rg$r" ip addr add "$net6::10/64" dev client nodad
	in_ns "$t" ip link set region up
	in_ns "rg$r" ip link set client up
	# Whole UDP checksums from the client, as off a wire (see tests/e2e/lib.sh).
	in_ns "rg$r" ethtool -K client tx off > /dev/null
	in_ns "rg$r" ip route add 192.0.2.0/24 via "$net4.1"
	in_ns "rg$r" ip -6 route add 2001:db8:53::/48 via "$net6::1"
}

# start_bird NAME: BIRD in the namespace, a child of this script.
start_bird() {
	mkdir -p "$WORK/$1"
	ip netns exec "$(ns "$1")" bird -f -c "$WORK/$1/bird.conf" -s "$WORK/$1/bird.ctl" >> "$WORK/$1/bird.log" 2>&1 &
	PIDS+=($!)
	wait_for "BIRD in $1" test -S "$WORK/$1/bird.ctl"
}

# transit T ASN: forwards by its best BGP routes; customers (the PoPs) are
# preferred and the only routes given to the peer.
transit() {
	local t=$1 asn=$2 peer_asn=$3 l p
	mkdir -p "$WORK/$t"
	in_ns "$t" ip link set lo up
	in_ns "$t" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	{
		echo "router id $(field peer $([ "$t" = tra ] && echo 3 || echo 6));"
		echo "$BIRD_LOG"
		echo "protocol device {}"
		echo "protocol kernel kernel4 { ipv4 { import none; export all; }; }"
		echo "protocol kernel kernel6 { ipv6 { import none; export all; }; }"
		for l in $(awk -v t="$t" '$2 == t && $1 != "peer" {print $1}' <<< "$LINKS"); do
			p=${l#*-}
			echo "protocol bgp ${p}_4 { local $(field "$l" 3) as $asn; neighbor $(field "$l" 6) as 6450${p#pop}; $BGP_TIMERS"
			echo "	ipv4 { import filter { bgp_local_pref = 200; accept; }; export none; }; }"
			echo "protocol bgp ${p}_6 { local $(field "$l" 4) as $asn; neighbor $(field "$l" 7) as 6450${p#pop}; $BGP_TIMERS"
			echo "	ipv6 { import filter { bgp_local_pref = 200; accept; }; export none; }; }"
		done
		local me4=$(field peer 3) me6=$(field peer 4) them4=$(field peer 6) them6=$(field peer 7)
		[ "$t" = trb ] && { me4=$(field peer 6); me6=$(field peer 7); them4=$(field peer 3); them6=$(field peer 4); }
		echo "protocol bgp peer_4 { local $me4 as $asn; neighbor $them4 as $peer_asn; $BGP_TIMERS"
		echo "	ipv4 { import all; export where proto ~ \"pop*\"; }; }"
		echo "protocol bgp peer_6 { local $me6 as $asn; neighbor $them6 as $peer_asn; $BGP_TIMERS"
		echo "	ipv6 { import all; export where proto ~ \"pop*\"; }; }"
	} > "$WORK/$t/bird.conf"
}

# pop N: the namespace, the anycast addresses on lo, routes back to the
# regions through its first transit (or each region's own, for pop2),
# BIRD with one session per uplink and family, NSD.
pop() {
	local n=$1 asn=6450$1 l t prepend
	mkdir -p "$WORK/pop$n/bpffs"
	mount -t bpf bpf "$WORK/pop$n/bpffs"
	in_ns "pop$n" ip link set lo up
	in_ns "pop$n" ip addr add $ANYCAST4/32 dev lo
	in_ns "pop$n" ip addr add $ANYCAST6/128 dev lo
	UPLINKS[$n]=$(awk -v p="pop$n" '$5 == p {print $1}' <<< "$LINKS" | tr '\n' ' ')
	pop_routes "$n"
	{
		echo "router id $(field "${UPLINKS[$n]%% *}" 6);"
		echo "$BIRD_LOG"
		echo "protocol device {}"
		echo "include \"$WORK/pop$n/xdpcast-bird.conf\";      # owned by xdpcastd (docs/bgp.md)"
		for l in ${UPLINKS[$n]}; do
			t=$(field "$l" 2)
			prepend=""      # pop2 is transit A's backup, pop3 transit B's
			{ [ "$l" = a-pop2 ] || [ "$l" = b-pop3 ]; } && prepend="bgp_path.prepend($asn);"
			for fam in 4 6; do
				echo "protocol bgp ${t}_$fam {"
				echo "	local $(field "$l" $((fam == 4 ? 6 : 7))) as $asn;"
				echo "	neighbor $(field "$l" $((fam == 4 ? 3 : 4))) as $([ "$t" = tra ] && echo 64510 || echo 64520);"
				echo "	$BGP_TIMERS graceful restart off;"
				echo "	ipv$fam { import none; export filter { if proto !~ \"xdpcast*\" then reject; $prepend accept; }; };"
				echo "}"
			done
		done
	} > "$WORK/pop$n/bird.conf"
	"$BUILD/xdpcastctl" --control-socket "$WORK/pop$n/xdpcastd.sock" withdraw --after-failure \
		--bird-include "$WORK/pop$n/xdpcast-bird.conf" --bird-socket none > /dev/null
	start_bird "pop$n"
	start_nsd "$n"
	cat > "$WORK/pop$n/xdpcastd.yaml" <<YAML
drain_ms: $DRAIN_MS
health: {interval_ms: $INTERVAL_MS, rise: $RISE, fall: $FALL}
rrl: {rate: 0}
bgp: {asn: $asn}
metrics: 127.0.0.1:9553
catchment:
  groups:
    region-a: [${REGION_A[0]}, ${REGION_A[1]}]
    region-b: [${REGION_B[0]}, ${REGION_B[1]}]
YAML
}

# pop_routes N: the routes back to the regions, through the PoP's first
# uplink (region B's through transit B on pop2), for what NSD answers. A
# link that goes down takes its routes with it: set again when it is up.
pop_routes() {
	local n=$1 a=${UPLINKS[$1]%% *} b=${UPLINKS[$1]% }
	b=${b##* }
	in_ns "pop$n" ip route replace 198.51.100.0/26 via "$(field "$a" 3)"
	in_ns "pop$n" ip -6 route replace 2001:db8:a::/64 via "$(field "$a" 4)"
	in_ns "pop$n" ip route replace 203.0.113.0/26 via "$(field "$b" 3)"
	in_ns "pop$n" ip -6 route replace 2001:db8:b::/64 via "$(field "$b" 4)"
}

start_nsd() {
	local n=$1
	cat > "$WORK/pop$n/nsd.conf" <<CONF
server:
  ip-address: $ANYCAST4
  ip-address: $ANYCAST6
  database: ""
  pidfile: "$WORK/pop$n/nsd.pid"
  xfrdfile: "$WORK/pop$n/xfrd.state"
  xfrdir: "$WORK/pop$n"          # else /tmp/nsd-xfr-PID outlives the test
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
	# Not through in_ns: $! must be NSD itself (ip netns exec execs it).
	ip netns exec "$(ns "pop$n")" nsd -c "$WORK/pop$n/nsd.conf" -d >> "$WORK/pop$n/nsd.log" 2>&1 &
	NSD_PID[$n]=$!
	PIDS+=($!)
}

# supervise N: what docs/bgp.md asks of a supervisor without systemd: run
# xdpcastd; when it exits with anything but 0, run `xdpcastctl withdraw`
# and start it again (it takes the running program over). A clean exit,
# or a stop whose withdrawal BIRD did not take (3), ends the supervision,
# as systemd's Restart=on-failure does. Each exit status goes to
# pop$n/xdpcastd.exit, for the test to read.
supervise() {
	local n=$1 child rc
	set +e
	trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM
	while :; do
		ip netns exec "$(ns "pop$n")" "$BUILD/xdpcastd" --pop "pop$n" --zone "$ZONE" \
			--anycast 192.0.2.0/24 --anycast 2001:db8:53::/48 \
			$(for l in ${UPLINKS[$n]}; do echo "--iface up-$l"; done) \
			--config "$WORK/pop$n/xdpcastd.yaml" --state-file "$WORK/pop$n/state.json" \
			--pin-dir "$WORK/pop$n/bpffs/xdpcast" --control-socket "$WORK/pop$n/xdpcastd.sock" \
			--bird-socket "$WORK/pop$n/bird.ctl" --bird-include "$WORK/pop$n/xdpcast-bird.conf" \
			>> "$WORK/pop$n/xdpcastd.log" 2>&1 &
		child=$!
		echo "$child" > "$WORK/pop$n/xdpcastd.pid"
		wait "$child"
		rc=$?
		echo "$rc" > "$WORK/pop$n/xdpcastd.exit"
		[ "$rc" -eq 0 ] && exit 0
		echo "supervisor: xdpcastd exited with $rc: withdrawing, then starting it again" >> "$WORK/pop$n/xdpcastd.log"
		ip netns exec "$(ns "pop$n")" "$BUILD/xdpcastctl" --control-socket "$WORK/pop$n/xdpcastd.sock" withdraw --after-failure \
			--bird-include "$WORK/pop$n/xdpcast-bird.conf" --bird-socket "$WORK/pop$n/bird.ctl" \
			>> "$WORK/pop$n/xdpcastd.log" 2>&1
		[ "$rc" -eq 3 ] && exit 0
	done
}

# start_xdpcastd N: under its supervisor; returns once it is ready.
start_xdpcastd() {
	local n=$1 before
	before=$(readies "$n")
	supervise "$n" 2>> "$WORK/pop$n/supervisor.log" &
	SUPERVISOR[$n]=$!
	PIDS+=($!)
	wait_for "xdpcastd on pop$n" eval '[ "$(readies '"$n"')" -gt '"$before"' ]'
}
# readies N: how many times an xdpcastd of pop N said it was ready.
readies() { cat "$WORK/pop$1/xdpcastd.log" 2>/dev/null | grep -c "ready: pop" || true; }
xdpcastd_pid() { cat "$WORK/pop$1/xdpcastd.pid"; }
pop_ctl() { in_ns "pop$1" "$BUILD/xdpcastctl" --pin-dir "$WORK/pop$1/bpffs/xdpcast" \
	--control-socket "$WORK/pop$1/xdpcastd.sock" "${@:2}"; }

# The query loops: one per region and family, each line the time and the
# PoP that answered (or "timeout").
start_loops() {
	local r
	for r in a b; do
		ip netns exec "$(ns "rg$r")" python3 "$ROOT/tests/e2e/query_loop.py" $ANYCAST4 id.server $LOOP_SECONDS \
			TXT CH "$RATE" > "$WORK/loop-${r}4.txt" &
		LOOPS+=($!)
		ip netns exec "$(ns "rg$r")" python3 "$ROOT/tests/e2e/query_loop.py" $ANYCAST6 id.server $LOOP_SECONDS \
			TXT CH "$RATE" > "$WORK/loop-${r}6.txt" &
		LOOPS+=($!)
	done
	PIDS+=("${LOOPS[@]}")
}

# answered_by R POP: region R's latest answers, v4 and v6, all came from POP.
answered_by() {
	local fam
	for fam in 4 6; do
		[ "$(tail -n 6 "$WORK/loop-$1$fam.txt" | head -n 5 | awk '{print $2}' | sort -u)" = "$2" ] || return 1
	done
}

# event KIND TARGET WHAT: the time of an action, for the report. KIND is
# planned, unplanned or recovery; TARGET what it should take: "0.5%" of
# the queries at most, or a time in seconds ("-": none).
event() {
	printf '%s\t%s\t%s\t%s\n' "$(date +%s.%N)" "$1" "$2" "$3" >> "$WORK/events.tsv"
	echo "== $3"
}

# settle A_POP B_POP: waits (bounded) until each region is answered by its PoP.
settle() {
	wait_within "region A answered by $1" 30 answered_by a "$1"
	wait_within "region B answered by $2" 30 answered_by b "$2"
	sleep 1
}

# catchment_is N REGION...: pop N answered exactly the client networks of
# these regions (a, b; none: none) within the last second.
catchment_is() {
	local n=$1 r got want=()
	shift
	for r in "$@"; do
		[ "$r" = a ] && want+=("${REGION_A[@]}")
		[ "$r" = b ] && want+=("${REGION_B[@]}")
	done
	got=$(pop_ctl "$n" --json catchment --since 1 --top 0 |
		python3 -c 'import json, sys; print(" ".join(sorted(e["prefix"] for e in json.load(sys.stdin))))')  # byte order, as LC_ALL=C sort
	[ "$got" = "$(printf '%s\n' "${want[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ *$//')" ] ||
		fail "pop$n's catchment is '$got', not the networks of region(s) '$*': $(pop_ctl "$n" catchment --since 1)"
}

declare -A NSD_PID SUPERVISOR UPLINKS
LOOPS=()
started=$(date +%s)
for n in tra trb pop1 pop2 pop3 rga rgb; do
	ip netns add "$(ns "$n")"
	# An uplink that goes down keeps its IPv6 addresses, as it does its IPv4 ones.
	in_ns "$n" sysctl -qw net.ipv6.conf.default.keep_addr_on_down=1
done
for l in a-pop1 a-pop2 b-pop2 b-pop3 peer; do link "$l"; done
region a tra 198.51.100 2001:db8:a
region b trb 203.0.113 2001:db8:b
in_ns tra ip route add 203.0.113.0/26 via "$(field peer 6)"
in_ns tra ip -6 route add 2001:db8:b::/64 via "$(field peer 7)"
in_ns trb ip route add 198.51.100.0/26 via "$(field peer 3)"
in_ns trb ip -6 route add 2001:db8:a::/64 via "$(field peer 4)"
transit tra 64510 64520
transit trb 64520 64510
start_bird tra
start_bird trb
for n in 1 2 3; do pop "$n"; done
for n in 1 2 3; do start_xdpcastd "$n"; done
start_loops
settle pop1 pop2
echo "ok - three PoPs announce both prefixes; region A is answered by pop1, region B by pop2 (v4 and v6)"
event mark - "baseline: A on pop1, B on pop2"
sleep 2

# A check's verdict comes fall (rise) rounds after the change, the first of
# them up to a round late; BIRD's reconfiguration and the update take the
# time of one more round at most.
event unplanned $(awk -v i=$INTERVAL_MS -v f=$FALL 'BEGIN {print i * (f + 1) / 1000}') "NSD on pop1 dies"
kill "${NSD_PID[1]}"
settle pop2 pop2
event recovery $(awk -v i=$INTERVAL_MS -v r=$RISE 'BEGIN {print i * (r + 1) / 1000}') "NSD on pop1 back"
start_nsd 1
settle pop1 pop2
echo "ok - NSD on pop1 died: region A went to pop2, and back to pop1 with NSD"

event planned 0.5% "SIGTERM to pop2's xdpcastd (withdraw, drain $DRAIN_MS ms, detach)"
kill -TERM "$(xdpcastd_pid 2)"
# Any status but 0 or 3 would start it again: the supervisor would not end.
supervisor_ended() { ! kill -0 "${SUPERVISOR[2]}" 2>/dev/null; }
within 30 supervisor_ended || fail "pop2's xdpcastd was started again after SIGTERM: $(tail -2 "$WORK/pop2/xdpcastd.log")"
wait "${SUPERVISOR[2]}" || true
[ "$(cat "$WORK/pop2/xdpcastd.exit")" = 0 ] ||
	fail "pop2's xdpcastd exited $(cat "$WORK/pop2/xdpcastd.exit") on SIGTERM: $(tail -2 "$WORK/pop2/xdpcastd.log")"
in_ns pop2 ip -o link show | grep -q "prog/xdp" && fail "pop2 still attached after its xdpcastd exited"
settle pop1 pop3
event planned 0.5% "pop2's xdpcastd started again"
start_xdpcastd 2
settle pop1 pop2
echo "ok - SIGTERM to pop2's xdpcastd: region B went to pop3 and, after a new start, back to pop2"

event unplanned - "kill -9 of pop2's xdpcastd (supervisor: withdraw, restart, takeover)"
crashed=$(xdpcastd_pid 2)
kill -KILL "$crashed"
wait_within "a new xdpcastd on pop2" 30 eval "[ \"\$(xdpcastd_pid 2)\" != $crashed ]"
wait_within "pop2's xdpcastd ready again" 30 eval "grep -q 'taken over' '$WORK/pop2/xdpcastd.log'"
settle pop1 pop2
echo "ok - kill -9 of pop2's xdpcastd: its supervisor withdrew it, the next one took the program over and announces"

# A link that goes down is seen at once: BIRD shuts a direct session
# when its interface loses the carrier. A path that goes dark while both
# ports stay up (a failed switch between them) only the hold timer finds.
# transit_a_held: transit A's hold timer for pop1 expired since its log had
# $log_lines lines (one reader: grep -q ending a pipe early would fail it).
transit_a_held() { awk -v n="$log_lines" 'NR > n && /pop1_[46]: Error: Hold timer expired/ {found = 1} END {exit !found}' "$WORK/tra/bird.log"; }
log_lines=$(wc -l < "$WORK/tra/bird.log")
event unplanned $HOLD "pop1's uplink goes down (veth down: the carrier is lost)"
in_ns pop1 ip link set up-a-pop1 down
settle pop2 pop2
event recovery - "pop1's uplink up again"
in_ns pop1 ip link set up-a-pop1 up
pop_routes 1
settle pop1 pop2
transit_a_held && fail "transit A's hold timer for pop1 expired: $(grep Hold "$WORK/tra/bird.log")"
echo "ok - pop1's uplink down: transit A saw the carrier go, region A went to pop2, and back to pop1 once the sessions were up"
log_lines=$(wc -l < "$WORK/tra/bird.log")
event unplanned $HOLD "pop1's uplink goes dark towards transit A, carrier up (the BGP hold timer)"
in_ns tra ip -force link set dev a-pop1 xdpdrv obj "$BUILD/xdp_drop.bpf.o" sec xdp
settle pop2 pop2
event recovery - "pop1's uplink passes traffic again"
in_ns tra ip -force link set dev a-pop1 xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
settle pop1 pop2
transit_a_held || fail "transit A's hold timer for pop1 did not expire"
echo "ok - pop1's uplink dark: region A went to pop2 when transit A's hold timer expired, and back to pop1"

sleep 1.5       # only answers since the routes settled
catchment_is 1 a; catchment_is 2 b; catchment_is 3
echo "ok - catchment before the drain: pop1 answers region A's networks, pop2 region B's, pop3 none"
# pop2's /metrics into FILE; its answers to region A's group on stdout.
pop2_region_a() {
	in_ns pop2 python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
		http://127.0.0.1:9553/metrics > "$1"
	awk '$1 == "xdpcast_catchment_answers{pop=\"pop2\",group=\"region-a\"}" {print $2}' "$1"
}
# The catchment holds what pop2 answered region A earlier in the lab too:
# the drain's answers are what it gains.
region_a_before=$(pop2_region_a "$WORK/pop2-metrics-before.txt")
event planned 0.5% "xdpcastctl drain --prepend 2 on pop1"
pop_ctl 1 drain --prepend 2 > /dev/null
settle pop2 pop2
sleep 1.5
catchment_is 1; catchment_is 2 a b; catchment_is 3
region_a_after=$(pop2_region_a "$WORK/pop2-metrics.txt")
# 1.5 s at least at 50 queries a second in each family: 150, 100 asked.
[ -n "$region_a_before" ] && [ -n "$region_a_after" ] && [ $((region_a_after - region_a_before)) -ge 100 ] ||
	fail "pop2's /metrics: region A's answers went from '$region_a_before' to '$region_a_after' during the drain (100 more at least): $(grep catchment "$WORK/pop2-metrics.txt")"
problems=$(promtool check metrics < "$WORK/pop2-metrics.txt" 2>&1) || fail "promtool check metrics: $problems"
[ -z "$problems" ] || fail "promtool check metrics: $problems"
echo "ok - drained pop1: both regions on pop2, whose catchment (and /metrics, promtool clean) shows both"
event planned 0.5% "xdpcastctl undrain on pop1"
pop_ctl 1 undrain > /dev/null
settle pop1 pop2
sleep 1.5
catchment_is 1 a; catchment_is 2 b; catchment_is 3
echo "ok - undrain: region A back on pop1; the catchments are as before the drain"

event unplanned $HOLD "pop2 vanishes (links, processes and namespace gone)"
in_ns pop2 ip link del up-a-pop2
in_ns pop2 ip link del up-b-pop2
kill -KILL "${SUPERVISOR[2]}"
ip netns pids "$(ns pop2)" | xargs -r kill -KILL
ip netns del "$(ns pop2)"
settle pop1 pop3
event mark - "end"
sleep 0.6       # the queries sent before the end answered or timed out (0.5 s)
kill "${LOOPS[@]}"
wait "${LOOPS[@]}" 2>/dev/null || true
echo "ok - pop2 vanished: region B went to pop3"

# The table, the plot, and what is asserted from them.
mkdir -p "$WORK/report"
python3 "$ROOT/tests/system/lab_report.py" "$WORK" "$WORK/report" \
	"BGP hold ${HOLD} s, keepalive ${KEEPALIVE} s, connect retry 1 s; health every ${INTERVAL_MS} ms, rise ${RISE}, fall ${FALL}; drain ${DRAIN_MS} ms; ${RATE} queries/s per region and family"
gnuplot -e "data='$WORK/report/answers.tsv'; events='$WORK/report/events.tsv'; out='$WORK/report/lab.png'" \
	"$ROOT/tests/system/lab_plot.gp"
cat "$WORK/report/lab.md"
while IFS=$'\t' read -r what kind region lost sent path; do
	if [ "$kind" = planned ]; then
		awk -v l="$lost" -v s="$sent" 'BEGIN {exit !(s > 0 && l * 1000 <= s * 5)}' ||
			fail "$what: region $region lost $lost of $sent queries, more than 0.5 %"
	fi
	case "$what" in
	"kill -9"*) [ "$region" != B ] || [ "$path" = "pop2 pop3 pop2" ] ||
		fail "$what: region B was answered by $path, not pop2, pop3 (withdrawn by the supervisor), pop2";;
	esac
done < "$WORK/report/rows.tsv"
echo "ok - planned actions lost at most 0.5 % of each region's queries; kill -9 was withdrawn by the supervisor"

day=$(date -u +%Y-%m-%d)
mkdir -p "$RESULTS"
sed "s|(lab.png)|(lab-$day.png)|" "$WORK/report/lab.md" > "$RESULTS/lab-$day.md"
cp "$WORK/report/lab.png" "$RESULTS/lab-$day.png"
echo "ok - the lab took $(( $(date +%s) - started )) s; saved $RESULTS/lab-$day.md and lab-$day.png"
