#!/usr/bin/env bash
# `make demo`: a client and a PoP namespace joined by veth; NSD on the
# anycast addresses behind xdpcastd; kdig queries over IPv4 and IPv6; the
# counters; then everything is removed again.
source "$(dirname "$0")/../tests/e2e/lib.sh"

ZONE=$ROOT/demo/demo.zone
POP=demo
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "network: client $CLIENT4 / $CLIENT6 <-veth-> PoP (anycast $ANYCAST4, $ANYCAST6)"
setup_network
start_nsd "$ZONE"
echo "NSD is up behind the PoP's anycast addresses"

step "xdpcastd on the PoP's veth (native XDP)"
start_xdpcastd --xdp-mode native --zone "$ZONE"
sed 's/^/  /' "$WORK/xdpcastd.log"

step "kdig @$ANYCAST4 www.anycast.example A   (answered in XDP)"
cli kdig +norec @$ANYCAST4 www.anycast.example A
step "kdig @$ANYCAST6 anycast.example MX   (answered in XDP, additional included)"
cli kdig +norec @$ANYCAST6 anycast.example MX
step "kdig @$ANYCAST4 nosuch.anycast.example A   (NXDOMAIN with the SOA, answered in XDP)"
cli kdig +norec @$ANYCAST4 nosuch.anycast.example A | grep -E "status|Flags|SOA"
step "kdig @$ANYCAST4 www.anycast.example ANY   (a query type left to NSD: passed)"
cli kdig +norec +short @$ANYCAST4 www.anycast.example ANY
step "kdig +tcp @$ANYCAST4 www.anycast.example A   (TCP: passed to NSD)"
cli kdig +tcp +short @$ANYCAST4 www.anycast.example A

step "xdpcastctl stats"
"$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" stats

step "bpftool map dump pinned \$PIN_DIR/xdpcast_stats: per-CPU counters by field name"
bpftool map dump pinned "$PIN_DIR/xdpcast_stats" | grep -A3 '"cpu"' | grep -A1 -B2 '"dns_answer"' | awk 'NR <= 12'

step "cleaning up"
kill -TERM "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
tail -1 "$WORK/xdpcastd.log"
echo "demo done"
