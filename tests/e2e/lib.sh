#!/usr/bin/env bash
# Shared by every end-to-end test and the demo: two namespaces joined by veth,
# NSD behind xdpcastd on the server side, and a cleanup that always runs.
#
#   client ns  veth-c 198.51.100.2/24 2001:db8:1::2/64 ──┐
#   server ns  veth-s 198.51.100.1/24 2001:db8:1::1/64 ──┘
#              lo: anycast 192.0.2.53, 2001:db8:53::53 (protected by xdpcast)
#
# Queries to the anycast addresses go through the XDP fast path; queries to
# the unicast addresses (198.51.100.1, 2001:db8:1::1) are not protected, so
# XDP passes them and NSD answers: the tests compare one with the other.

set -euo pipefail

# The Debian tools scripts/install-deps.sh installs come first: a python3
# earlier in PATH (pyenv's shims, on the machine these tests were written
# on) took 0.75 s a start against 0.07 s, and a run of the tests starts
# python3 a few thousand times (kdig_normalize.py, json, query loops).
PATH=/usr/bin:$PATH

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(realpath "${BUILD:-$ROOT/build}")
SUFFIX=${SUFFIX:-$$}
NS_SRV=xc-srv-$SUFFIX
NS_CLI=xc-cli-$SUFFIX
WORK=$(mktemp -d /tmp/xdpcast-e2e.XXXXXX)
PIN_DIR=$WORK/bpffs/xdpcast
CONTROL_SOCKET=$WORK/xdpcastd.sock

ANYCAST4=192.0.2.53
ANYCAST6=2001:db8:53::53
UNICAST4=198.51.100.1
UNICAST6=2001:db8:1::1
CLIENT4=198.51.100.2
CLIENT6=2001:db8:1::2

PIDS=()
EXTRA_NS=()     # namespaces a test adds; removed with the others
EXTRA_CGROUPS=() # cgroups a test makes; removed once its processes are gone

cleanup() {
	local rc=$?
	set +e
	# KEEP_WORK=1: a copy of the test's files (logs, configs) for a post-mortem.
	[ -n "${KEEP_WORK:-}" ] && cp -r "$WORK" "/tmp/xdpcast-kept.$$" 2>/dev/null && echo "kept: /tmp/xdpcast-kept.$$" >&2
	# A failure in CI leaves nothing else to read: the daemon's last words.
	if [ "$rc" -ne 0 ] && [ -s "$WORK/xdpcastd.log" ]; then
		echo "--- the last lines of $WORK/xdpcastd.log:" >&2
		tail -n 40 "$WORK/xdpcastd.log" >&2
	fi
	# This shell's children only: the number of one already waited for
	# (stop_xdpcastd's) may be another's process by now.
	local ours=() pid deadline grace=${CLEANUP_GRACE_S:-20}
	for pid in "${PIDS[@]}"; do
		[ "$(awk '$1 == "PPid:" {print $2}' "/proc/$pid/status" 2>/dev/null)" = $$ ] && ours+=("$pid")
	done
	for pid in "${ours[@]}"; do
		kill "$pid" 2>/dev/null
		kill -CONT "$pid" 2>/dev/null     # a test may have stopped it (SIGSTOP)
	done
	# A process still there CLEANUP_GRACE_S after the signal (a daemon hung
	# in its stop) is killed: the cleanup, and the run, end.
	deadline=$((SECONDS + grace))
	for pid in "${ours[@]}"; do
		while running "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.1
		done
		if running "$pid"; then
			echo "cleanup: process $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)) still running" \
				"$grace s after SIGTERM: killed" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	for cg in "${EXTRA_CGROUPS[@]}"; do
		rmdir "$cg" 2>/dev/null
	done
	for ns in "$NS_CLI" "$NS_SRV" "${EXTRA_NS[@]}"; do
		# Whatever still runs in them (a child of a child the test lost
		# track of) would keep the namespace, and its links, alive.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# Every BPF filesystem the test mounted below $WORK.
	awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | xargs -r umount 2>/dev/null
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

srv() { ip netns exec "$NS_SRV" "$@"; }
cli() { ip netns exec "$NS_CLI" "$@"; }

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Two namespaces joined by veth, with the client able to reach the anycast
# prefixes through the server and nothing else.
setup_network() {
	ip netns add "$NS_SRV"
	ip netns add "$NS_CLI"
	srv ip link set lo up
	cli ip link set lo up
	srv ip addr add $ANYCAST4/32 dev lo
	srv ip addr add $ANYCAST6/128 dev lo
	link_client
	# A private bpffs: `ip netns exec` remounts /sys, so pins under
	# /sys/fs/bpf would not be seen from one command to the next.
	mkdir -p "$WORK/bpffs"
	mount -t bpf bpf "$WORK/bpffs"
}

# The veth pair veth-s (server) / veth-c (client) with its addresses and
# routes; a test that deletes veth-s makes it again with this.
link_client() {
	# VETH_QUEUES (default 1): queues per direction, for the benches' multi-core runs.
	ip link add veth-s numtxqueues "${VETH_QUEUES:-1}" numrxqueues "${VETH_QUEUES:-1}" netns "$NS_SRV" type veth \
		peer name veth-c numtxqueues "${VETH_QUEUES:-1}" numrxqueues "${VETH_QUEUES:-1}" netns "$NS_CLI"
	srv ip addr add $UNICAST4/24 dev veth-s
	srv ip addr add $UNICAST6/64 dev veth-s nodad
	cli ip addr add $CLIENT4/24 dev veth-c
	cli ip addr add $CLIENT6/64 dev veth-c nodad
	srv ip link set veth-s up
	cli ip link set veth-c up
	cli ip route add 192.0.2.0/24 via $UNICAST4
	cli ip -6 route add 2001:db8:53::/48 via $UNICAST6
	# veth delivers XDP_TX frames only to a peer that runs XDP itself.
	cli ip link set dev veth-c xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
	# The client's queries carry their whole UDP checksum, as frames off a
	# wire do: with checksum offload veth would hand XDP a partial one that
	# only the kernel knows to be fine, and the program passes those.
	cli ethtool -K veth-c tx off > /dev/null
}

# sign_zone ZONEFILE ORIGIN [ALGORITHM [nsec3|nsec3-optout]]: signs a copy
# with fresh keys (default ECDSA P-256) into $WORK, with NSEC or with NSEC3
# as RFC 9276 asks (no extra iterations, no salt; opt-out: unsigned
# delegations get no NSEC3); prints the signed file's path.
sign_zone() {
	local zone=$1 origin=$2 algorithm=${3:-ECDSAP256SHA256} denial=() ksk zsk
	case ${4:-} in
	nsec3) denial=(-n -t 0) ;;
	nsec3-optout) denial=(-n -t 0 -p) ;;
	esac
	(
		cd "$WORK"
		ksk=$(ldns-keygen -a "$algorithm" -k "$origin")
		zsk=$(ldns-keygen -a "$algorithm" "$origin")
		ldns-signzone "${denial[@]}" -o "$origin" -f "$WORK/$origin.signed" "$zone" "$ksk" "$zsk"
	) >/dev/null
	echo "$WORK/$origin.signed"
}

# start_nsd ZONEFILE... : NSD on the anycast and unicast addresses
# ($NSD_SERVER_OPTIONS: more lines for its server section).
start_nsd() {
	local conf=$WORK/nsd.conf z name
	cat > "$conf" <<CONF
server:
  ip-address: $ANYCAST4
  ip-address: $ANYCAST6
  ip-address: $UNICAST4
  ip-address: $UNICAST6
  database: ""
  pidfile: "$WORK/nsd.pid"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"          # else /tmp/nsd-xfr-PID outlives the test
  zonelistfile: "$WORK/zone.list"
  username: ""
  # The tests compare answers, many from one client; a PoP keeps it on (README).
  rrl-ratelimit: 0
  identity: "${POP:-e2e}"
  nsid: "ascii_${POP:-e2e}"
  hide-version: yes
  verbosity: 1
${NSD_SERVER_OPTIONS:-}
remote-control:
  control-enable: no
CONF
	for z in "$@"; do
		name=$(awk '$0 !~ /^[;$]/ && /SOA/ {print $1; exit}' "$z")
		[ "$name" = "@" ] && name=$(awk '/^\$ORIGIN/ {print $2; exit}' "$z")
		printf 'zone:\n  name: %s\n  zonefile: %s\n' "$name" "$(realpath "$z")" >> "$conf"
	done
	ip netns exec "$NS_SRV" nsd -c "$conf" -d > "$WORK/nsd.log" 2>&1 &
	PIDS+=($!)
	wait_for "NSD" dig_ok "$UNICAST4"
}

# knot_conf_head LISTEN LEVEL: the first sections of a Knot configuration
# (server listening on LISTEN, knotc at $WORK/knot.sock, storage in
# $WORK/knot, LEVEL logged to stderr); the caller adds its zones.
knot_conf_head() {
	cat <<CONF
server:
    rundir: "$WORK/knot"
    listen: $1
control:
    listen: "$WORK/knot.sock"
database:
    storage: "$WORK/knot"
log:
  - target: stderr
    any: $2
CONF
}

# A hidden primary in a namespace of its own, linked to the server's:
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of setup_network)
NS_PRI=xc-pri-$SUFFIX
PRIMARY=203.0.113.2
POP_SIDE=203.0.113.1
NOTIFY_PORT=5300
pri() { ip netns exec "$NS_PRI" "$@"; }

setup_primary_link() {
	ip netns add "$NS_PRI"
	EXTRA_NS+=("$NS_PRI")
	ip link add veth-x netns "$NS_SRV" type veth peer name veth-p netns "$NS_PRI"
	pri ip link set lo up
	srv ip addr add $POP_SIDE/24 dev veth-x
	pri ip addr add $PRIMARY/24 dev veth-p
	srv ip link set veth-x up
	pri ip link set veth-p up
}

# knot_local_head LEVEL [NOTIFY_ADDR]: the start of a config for Knot on the
# PoP (127.0.0.1@5300 in the server namespace, no TSIG): transfers allowed
# to 127.0.0.1 (acl "local"), remote "xdpcast" at NOTIFY_ADDR if given.
knot_local_head() {
	knot_conf_head 127.0.0.1@5300 "$1"
	cat <<CONF
acl:
  - id: local
    address: 127.0.0.1
    action: transfer
CONF
	[ -z "${2:-}" ] || printf 'remote:\n  - id: xdpcast\n    address: %s\n' "$2"
}

# knot_hidden_head LEVEL: the start of a config for Knot as the hidden
# primary ($PRIMARY@53, no TSIG): transfers allowed to the PoP's side (acl
# "pop"), remote "xdpcast" at xdpcastd's NOTIFY listener.
knot_hidden_head() {
	knot_conf_head $PRIMARY@53 "$1"
	cat <<CONF
remote:
  - id: xdpcast
    address: $POP_SIDE@$NOTIFY_PORT
acl:
  - id: pop
    address: $POP_SIDE
    action: transfer
CONF
}

# knot_zone ZONE ACL [SETTING...]: a zone entry of a Knot config, from
# $WORK/knot/ZONE.zone, transfers allowed by ACL, the journal never written
# back to the file; each SETTING ("notify: [xdpcast]") one more line.
knot_zone() {
	local zone=$1 acl=$2 setting
	shift 2
	cat <<CONF
  - domain: $zone.
    storage: "$WORK/knot"
    file: $zone.zone
    acl: $acl
    zonefile-sync: -1
CONF
	for setting in "$@"; do printf '    %s\n' "$setting"; done
}

# run_local_knot SECONDS NAME TYPE: knotd with $WORK/knot.conf in the server
# namespace (its pid in KNOT_PID, knotc at $WORK/knot.sock), up once it
# answers NAME TYPE, within SECONDS.
run_local_knot() {
	ip netns exec "$NS_SRV" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
	KNOT_PID=$!
	PIDS+=($KNOT_PID)
	wait_within "Knot" "$1" eval "srv kdig +short +time=1 +retry=0 -p 5300 @127.0.0.1 $2 $3 2>/dev/null | grep -q ."
}

# start_local_knot ZONE [NOTIFY_ADDR]: Knot on the PoP as the primary of
# ZONE from $WORK/knot/ZONE.zone, NOTIFY sent to NOTIFY_ADDR if given.
start_local_knot() {
	local zone=$1 notify=${2:-}
	{
		knot_local_head info "$notify"
		echo "zone:"
		knot_zone "$zone" local ${notify:+"notify: xdpcast"}
	} > "$WORK/knot.conf"
	run_local_knot 60 "$zone" SOA
}

# The PoP's BIRD (server namespace) peering over eBGP with a transit's
# (client namespace), sessions that notice a dead peer within seconds.
# The PoP's includes the file xdpcastd owns (docs/bgp.md), written
# withdrawn first, since BIRD's first start needs it.
POP_SOCK=$WORK/bird-pop.ctl
TRANSIT_SOCK=$WORK/bird-transit.ctl
INCLUDE=$WORK/run/xdpcast-bird.conf
BGP_TIMERS="hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;"

# start_bgp_pair FAMILIES: sessions for each of FAMILIES ("4", "4 6"), the
# PoP's named by the printf format $POP_SESSION with the family (default
# transit%s: transit4, transit6).
start_bgp_pair() {
	local family pop_address transit_address
	printf '%s\n' "log stderr all;" "router id $UNICAST4;" "protocol device {}" "include \"$INCLUDE\";" \
		> "$WORK/bird-pop.conf"
	# Times to the millisecond: a route learned again (a flap) gets a new one.
	printf '%s\n' "router id $CLIENT4;" "timeformat route iso long ms;" "protocol device {}" \
		> "$WORK/bird-transit.conf"
	for family in $1; do
		pop_address=UNICAST$family transit_address=CLIENT$family
		cat >> "$WORK/bird-pop.conf" <<CONF
protocol bgp $(printf "${POP_SESSION:-transit%s}" "$family") {
	local ${!pop_address} as 64501; neighbor ${!transit_address} as 64500; $BGP_TIMERS
	ipv$family { import none; export where proto ~ "xdpcast*"; };
}
CONF
		cat >> "$WORK/bird-transit.conf" <<CONF
protocol bgp pop$family {
	local ${!transit_address} as 64500; neighbor ${!pop_address} as 64501; $BGP_TIMERS
	ipv$family { import all; export none; };
}
CONF
	done
	"$BUILD/xdpcastctl" withdraw --control-socket "$CONTROL_SOCKET" --bird-include "$INCLUDE" --bird-socket none \
		> /dev/null
	start_pop_bird
	ip netns exec "$NS_CLI" bird -f -c "$WORK/bird-transit.conf" -s "$TRANSIT_SOCK" > "$WORK/bird-transit.log" 2>&1 &
	PIDS+=($!)
	# What the transit says is the test's truth: it must be there to say it.
	wait_for "the transit's BIRD" eval 'cli birdc -s "$TRANSIT_SOCK" show status > /dev/null 2>&1'
}

# bird_routes NAMESPACE SOCKET PREFIX PATTERN: the BIRD at SOCKET has
# PREFIX on a line matching PATTERN; 2 when BIRD did not greet (a BIRD
# that does not answer proves no withdrawal; birdc's exit status does not
# tell: 1 for "Network not found" too).
bird_routes() {
	local routes
	routes=$(ip netns exec "$1" birdc -s "$2" show route "$3" 2>/dev/null) || true
	grep -q "^BIRD .* ready\.$" <<< "$routes" || return 2
	grep -q "$4" <<< "$routes"
}
# transit_has PREFIX: the transit has PREFIX from the PoP; 2 when its BIRD
# did not answer.
transit_has() { bird_routes "$NS_CLI" "$TRANSIT_SOCK" "$1" "^$1 .*\[pop[46] "; }
# lacks COMMAND...: COMMAND (transit_has PREFIX, or a test's own use of
# bird_routes) had BIRD's answer, without the route.
lacks() { local rc=0; "$@" || rc=$?; [ "$rc" -eq 1 ]; }
# route_sample COMMAND...: "up" or "down" as COMMAND finds the route; nothing
# when BIRD did not answer (no sample, nor a gap).
route_sample() {
	local rc=0
	"$@" || rc=$?
	case $rc in 0) echo up ;; 1) echo down ;; esac
}

# start_pop_bird: the PoP's BIRD (again), its pid in POP_BIRD (ip netns
# exec becomes BIRD: signals reach it).
start_pop_bird() {
	ip netns exec "$NS_SRV" bird -f -c "$WORK/bird-pop.conf" -s "$POP_SOCK" >> "$WORK/bird-pop.log" 2>&1 &
	POP_BIRD=$!
	PIDS+=($POP_BIRD)
}

# floodgen ARGS...: bench/floodgen from the client namespace on veth-c, its
# line on stderr; prints "SENT DROPPED": the frames it sent, and the frames
# veth-c dropped meanwhile as its peer's ring was full (its own, or another
# sender's on veth-c: a flood reached XDP with SENT - DROPPED frames at
# least, SENT at most: `reached`). Counters are checked against that range,
# so drops only narrow what a flood tested: one frame in ten at most (the
# CI's busy cores have dropped one in 130 of a million spoofed sources at
# 100 kpps), else the flood hardly reached XDP and the test fails.
floodgen() {
	local out sent dropped before
	before=$(cli cat /sys/class/net/veth-c/statistics/tx_dropped)
	out=$(cli "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$(srv cat /sys/class/net/veth-s/address)" "$@") ||
		fail "floodgen $*: $out"
	dropped=$(( $(cli cat /sys/class/net/veth-c/statistics/tx_dropped) - before ))
	sent=$(awk '{print $4}' <<< "$out")
	[ $((dropped * 10)) -le "$sent" ] || fail "floodgen $*: veth-c dropped $dropped of $sent frames, the flood hardly reached XDP"
	echo "  $out$([ "$dropped" -eq 0 ] || echo ", $dropped dropped by veth-c")" >&2
	echo "$sent $dropped"
}
# reached COUNT "SENT DROPPED": COUNT is what of such a flood reached XDP.
reached() {
	local sent dropped
	read -r sent dropped <<< "$2"
	[ "$1" -le "$sent" ] && [ "$1" -ge $((sent - dropped)) ]
}

dig_ok() { cli kdig +short +time=1 +retry=0 @"$1" version.invalid. >/dev/null 2>&1; }

# within SECONDS COMMAND...: whether COMMAND succeeds within SECONDS,
# tried every 0.1 s; for a check with a message of its own, such as a log
# line the daemon writes a moment after the one a test waited for.
within() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_within WHAT SECONDS COMMAND...: retries every 0.1 s for up to
# SECONDS; fails the test after. wait_for: the same for 10 s.
wait_within() {
	local what=$1 limit=$2
	shift 2
	within "$limit" "$@" || fail "$what did not come up within $limit s"
}
wait_for() { local what=$1; shift; wait_within "$what" 10 "$@"; }

# end_loop_after VALUE FILE PID...: the query loops PID... (query_loop.py,
# started for longer than a test should take) end a second after FILE
# shows the answer VALUE, the last change a test makes: however slow the
# machine, they see it.
end_loop_after() {
	local value=$1 file=$2
	shift 2
	wait_within "the answer $value in $file" 60 grep -q " $value$" "$file"
	sleep 1
	# A function run in the background (cli) is a shell: the loop is its child.
	# That shell may end, and bash reap it, as soon as the loop does: its
	# kill then finds nothing, which is no failure (set -e ended the test).
	pkill -P "$(IFS=,; echo "$*")" 2>/dev/null || true
	kill "$@" 2>/dev/null || true
	wait "$@" 2>/dev/null || true
}

# listen_notify: a notify socket at $WORK/notify.sock, as systemd gives a
# Type=notify unit (NOTIFY_SOCKET), each message one line of
# $WORK/notify.log, those after STOPPING=1 too (a stop may extend its
# timeout).
listen_notify() {
	python3 - "$WORK/notify.sock" > "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    msg = s.recv(4096).decode()
    print(msg.replace("\n", " "), flush=True)
PY
	PIDS+=($!)
	wait_for "the notify listener" test -S "$WORK/notify.sock"
}

# ns_running NS COMMAND_LINE: how many processes of namespace NS run
# exactly COMMAND_LINE (pgrep would count those of another test, or of
# the host, as well).
ns_running() {
	local pids
	pids=$(ip netns pids "$1" | paste -sd, -)
	{ [ -z "$pids" ] || ps -o args= -p "$pids"; } | grep -cx "$2" || true
}

# ms_since START: milliseconds since START (from date +%s%N).
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ctl ARGS...: xdpcastctl on this test's daemon ($XDPCASTCTL when set).
ctl() { "${XDPCASTCTL:-$BUILD/xdpcastctl}" --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" "$@"; }
# json EXPR: EXPR over the JSON document on stdin, as v.
json() { python3 -c "import json, sys; v = json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
# json_documented SECTION: every field of the xdpcastctl --json output on
# stdin is described under SECTION of man/xdpcastctl.8's JSON section.
json_documented() {
	python3 "$ROOT/tests/e2e/json_documented.py" "$ROOT/man/xdpcastctl.8" "$1" || fail "man/xdpcastctl.8, JSON: $1"
}

# http_get URL: the body, fetched from the client namespace.
http_get() { cli python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"; }

# xdp_answers NAME TYPE EXPECTED: asked on the anycast IPv4 address, the
# answer is EXPECTED and the fast path counted exactly one answer for it.
# XDP_GOT holds what came, for the caller's message.
xdp_answers() {
	local before
	before=$(counter dns_answer)
	XDP_GOT=$(cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 "$1" "$2" 2>/dev/null) || true
	[ "$XDP_GOT" = "$3" ] && [ "$(counter dns_answer)" -eq $((before + 1)) ]
}

# blocklisted SOURCE: a query from SOURCE gets no answer, counted once as a
# blocklist drop (a query lost for another reason is not a block).
blocklisted() {
	local before
	before=$(counter drop_blocklist)
	[ -z "$(cli kdig +short +norec +time=1 +retry=0 -b "$1" @$ANYCAST4 www.example.test A 2>/dev/null)" ] &&
		[ "$(counter drop_blocklist)" -eq $((before + 1)) ]
}

# shimmed: the path of a wrapper, for $XDPCASTD, that starts xdpcastd with
# tests/tools/stall_write.c preloaded; what the shim plays is chosen by the
# variables set for start_xdpcastd (the shim's comment lists them). An ASan build's runtime
# checks that it comes first of the libraries loaded: the shim needs none.
shimmed() {
	cat > "$WORK/shimmed.sh" <<W
#!/bin/sh
export LD_PRELOAD=$BUILD/tests/stall_write.so
export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
exec $BUILD/xdpcastd "\$@"
W
	chmod +x "$WORK/shimmed.sh"
	echo "$WORK/shimmed.sh"
}

# start_xdpcastd ARGS...: on veth-s for the anycast prefixes, with ARGS
# (--zone FILE, --xdp-mode MODE, more --iface) added; $XDPCASTD instead of
# this build's binary when set. A start that fails ends the wait at once;
# one that reads a large zone under ASan on a slow machine takes long.
start_xdpcastd() {
	launch_xdpcastd "$@"
	wait_within "xdpcastd" 120 xdpcastd_ready
}

# launch_xdpcastd ARGS...: the same, without waiting for it to be ready.
launch_xdpcastd() {
	# Emptied here, not only by the background job's redirection, which may
	# come late: a previous daemon's "ready" would pass for this one's.
	: > "$WORK/xdpcastd.log"
	# Not through srv(): $! must be xdpcastd itself (ip netns exec execs it).
	# No BIRD unless the test starts one: the host's must never be touched.
	# IN_CONFIG="KEY...": these keys are the config file's, not given as
	# flags (a flag wins over the file): interfaces, control_socket (the
	# file names $CONTROL_SOCKET, where ctl asks), state_file, pin_dir (the
	# file names $PIN_DIR). ANYCAST_PREFIXES: the --anycast prefixes.
	local flags=() prefix
	[[ " ${IN_CONFIG:-} " == *" interfaces "* ]] || flags+=(--iface veth-s)
	[[ " ${IN_CONFIG:-} " == *" control_socket "* ]] || flags+=(--control-socket "$CONTROL_SOCKET")
	[[ " ${IN_CONFIG:-} " == *" state_file "* ]] || flags+=(--state-file "$WORK/state.json")
	[[ " ${IN_CONFIG:-} " == *" pin_dir "* ]] || flags+=(--pin-dir "$PIN_DIR")
	for prefix in ${ANYCAST_PREFIXES:-192.0.2.0/24 2001:db8:53::/48}; do flags+=(--anycast "$prefix"); done
	ip netns exec "$NS_SRV" "${XDPCASTD:-$BUILD/xdpcastd}" "${flags[@]}" --bird-socket none --pop "${POP:-e2e}" "$@" \
		> "$WORK/xdpcastd.log" 2>&1 &
	XDPCASTD_PID=$!
	PIDS+=($XDPCASTD_PID)
}

# said_ready: xdpcastd logged its ready line (not any line with "ready"
# in it: "Address already in use" is a failed start's).
said_ready() { grep -q "ready: pop" "$WORK/xdpcastd.log"; }

# Ready, or gone: then the test fails with what it said.
xdpcastd_ready() {
	said_ready && return 0
	kill -0 "$XDPCASTD_PID" 2>/dev/null || fail "xdpcastd exited: $(cat "$WORK/xdpcastd.log")"
	return 1
}

# running PID: the process runs; exited but not yet waited for (a zombie)
# is not running.
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

xdpcastd_ended() { ! running "$XDPCASTD_PID"; }

# ended_unwithdrawn WHAT: xdpcastd, sent SIGTERM, ends within 20 s with
# exit status 3, having said that BIRD did not take the withdrawal.
ended_unwithdrawn() {
	local rc=0
	within 20 xdpcastd_ended || fail "$1: still running 20 s after SIGTERM: $(tail -3 "$WORK/xdpcastd.log")"
	wait "$XDPCASTD_PID" || rc=$?
	[ "$rc" -eq 3 ] && grep -q "BIRD did not take the withdrawal" "$WORK/xdpcastd.log" ||
		fail "$1: exit $rc, $(tail -3 "$WORK/xdpcastd.log")"
}

# break_bird_config, mend_bird_config: the PoP's BIRD config left as an
# edit half done (BIRD refuses every configure), then set right and read.
break_bird_config() {
	cp "$WORK/bird-pop.conf" "$WORK/bird-pop.conf.good"
	echo "protocol half done {" >> "$WORK/bird-pop.conf"
}
mend_bird_config() {
	mv "$WORK/bird-pop.conf.good" "$WORK/bird-pop.conf"
	srv birdc -s "$POP_SOCK" configure | grep -q "Reconfigured" || fail "BIRD refused its config set right"
}

# stop_xdpcastd [SIGNAL]: SIGTERM (or SIGNAL, e.g. INT); it must exit 0
# with nothing attached or pinned.
stop_xdpcastd() {
	local rc=0 signal=${1:-TERM}
	kill -"$signal" "$XDPCASTD_PID"
	# Bounded: a signal it does not handle may be ignored (a background
	# job's SIGINT is), and a plain wait would hang the test.
	within 60 xdpcastd_ended || fail "xdpcastd still runs 60 s after SIG$signal"
	wait "$XDPCASTD_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "xdpcastd exited with $rc on SIG$signal"
	srv ip -o link show | grep -q "prog/xdp" && fail "a program is still attached after exit"
	[ ! -e "$PIN_DIR" ] || fail "maps are still pinned after exit"
	return 0
}

# counter REASON: packets counted under REASON so far.
# cpu_ms PATTERN: CPU time, in ms, of every thread of the processes whose
# command line matches PATTERN (schedstat counts nanoseconds; %.0f, because
# mawk's %d stops at 2^31, about 2.1 s).
cpu_ms() {
	local pid ns=0
	for pid in $(pgrep -f "$1"); do
		ns=$((ns + $( (cat /proc/"$pid"/task/*/schedstat 2>/dev/null || true) | awk '{s += $1} END {printf "%.0f", s}')))
	done
	echo $((ns / 1000000))
}

# ctl_lacks PATTERN ARGS...: xdpcastctl ARGS answered, and no line of what
# it printed matches PATTERN (grep's). A failed ctl is no absence: 2.
ctl_lacks() {
	local pattern=$1 out
	shift
	out=$(ctl "$@") || return 2
	! grep -q -- "$pattern" <<< "$out"
}

# counter REASON: the packets counted for REASON, over every interface
# (the total column: a first interface's alone would miss the others').
counter() {
	"${XDPCASTCTL:-$BUILD/xdpcastctl}" --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" stats --all |
		awk -v r="$1" '$1 == r {print $NF}'
}
