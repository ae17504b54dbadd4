#!/usr/bin/env bash
# The interfaces under link events while xdpcastd runs, on three of them
# (veth-s towards the client, veth-y a second one, the bridge br-m, whose
# port is no member as a bond's would be): set down and up, the
# program stays and answers; veth-s deleted, the fast_path check names it
# gone while veth-y keeps its program; veth-s made again under the same
# name (a new ifindex, as after a driver reload), the program is attached
# there at the next round, the check rises and the answers on the new
# interface are counted under veth-s (one re-attach); veth-y made again
# with an MTU too large for native XDP fails the check, saying so, until
# the MTU comes down. A restart while veth-y is gone starts, withdrawn,
# and attaches it once it appears (refused first for its MTU, then made
# again), not counting that as a re-attach; the counts of both go on
# from the previous daemon's.
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/zone
cp "$ROOT/tests/zones/example.test.zone" "$ZONE"

setup_network
srv ip link add veth-y type veth peer name veth-z
srv ip link set veth-y up
srv ip link set veth-z up
srv ip link add br-m type bridge
srv ip link set br-m up
start_nsd "$ZONE"
cat > "$WORK/xdpcastd.yaml" <<YAML
health: {interval_ms: 200, rise: 2, fall: 2, backend: $ANYCAST4}
YAML
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcastd.yaml" --iface veth-y --iface br-m

status() { ctl status --json | json "$1"; }
healthy() { [ "$(status 'v["healthy"]')" = True ]; }
fast_path_detail() { ctl status --json | json '[c["error"] for c in v["checks"] if c["check"] == "fast_path"][0]'; }
reattached() { status '[f["reattached"] for f in v["interfaces"] if f["name"] == "'"$1"'"][0]'; }
ifindex_of() { srv cat "/sys/class/net/$1/ifindex"; }
runs_ours() { srv ip -o link show "$1" | grep -q "prog/xdp id $(status 'v["program_id"]') "; }
expected=$(cli kdig +short @$UNICAST4 www.example.test A)

wait_for "healthy" healthy

# Only a bond's members run the program under an ifindex of their own
# (tested in defense_test: this kernel has no bonding): a bridge's port,
# which sysfs lists under the bridge as it lists a bond's members, is
# none; status and its JSON show no members.
members_of() { status "[f['members'] for f in v['interfaces'] if f['name'] == '$1'][0]"; }
srv ip link set veth-z master br-m
sleep 0.5       # a round or two
[ "$(members_of br-m)" = "[]" ] || fail "br-m's port listed as a member: $(members_of br-m)"
grep -qx "interface br-m (ifindex [0-9]*): skb mode" <<< "$(ctl status)" ||
	fail "status on br-m: $(ctl status | grep br-m)"
! grep -q "members" "$WORK/xdpcastd.log" || fail "members logged: $(grep members "$WORK/xdpcastd.log")"
srv ip link set veth-z nomaster
json_documented status <<< "$(ctl --json status)"
echo "ok - a bridge's port is no member of the bridge (status, JSON, the log)"

srv ip link set veth-s down
srv ip link set veth-s up
sleep 0.5
healthy && runs_ours veth-s || fail "after veth-s down and up: $(fast_path_detail)"
wait_for "an answer from XDP after veth-s came up" xdp_answers www.example.test A "$expected"
echo "ok - veth-s set down and up: the program stays, answers, the PoP stays healthy"

old_ifindex=$(ifindex_of veth-s)
srv ip link del veth-s
wait_for "the fast_path check failing" eval '! healthy'
fast_path_detail | grep -q "veth-s: no such interface" || fail "veth-s gone, the check says: $(fast_path_detail)"
runs_ours veth-y || fail "veth-y lost the program when veth-s went"
grep -q "^interface veth-s (ifindex $old_ifindex): not attached, no such interface" <<< "$(ctl status)" ||
	fail "status on veth-s gone: $(ctl status | grep veth-s)"
echo "ok - veth-s deleted: the fast_path check says so ($(fast_path_detail)); veth-y keeps the program"

link_client
new_ifindex=$(ifindex_of veth-s)
[ "$new_ifindex" != "$old_ifindex" ] || fail "veth-s came back with the same ifindex $old_ifindex: nothing tested"
wait_for "the program on the new veth-s" runs_ours veth-s
wait_for "healthy again" healthy
[ "$(status '[f["ifindex"] for f in v["interfaces"] if f["name"] == "veth-s"][0]')" = "$new_ifindex" ] ||
	fail "status shows the old ifindex of veth-s: $(ctl status | grep veth-s)"
grep -q "veth-s: created again as ifindex $new_ifindex (was $old_ifindex)" "$WORK/xdpcastd.log" ||
	fail "the re-attach to the new veth-s is not logged"
[ "$(reattached veth-s)" = 1 ] ||
	fail "veth-s made again is not counted once: $(ctl status | grep veth-s)"
xdp_answers www.example.test A "$expected" ||
	fail "an answer on the new veth-s: got '$XDP_GOT', not counted under veth-s: $(ctl stats | grep -E 'reason|dns_answer')"
echo "ok - veth-s made again (ifindex $old_ifindex -> $new_ifindex): attached at the next round, healthy, counted under veth-s"

# Made again with an MTU above what native XDP allows on veth: the check
# says what failed, round after round, until the MTU comes down.
srv ip link del veth-y
srv ip link add veth-y mtu 9000 type veth peer name veth-z mtu 9000
srv ip link set veth-y up
srv ip link set veth-z up
made_again_failed() {
	fast_path_detail | grep -q "veth-y: attaching the xdpcast program to the interface made again failed: .*(the kernel: veth: Peer MTU is too large to set XDP)"
}
wait_for "the check naming the failed attach to the new veth-y" made_again_failed
sleep 0.5
made_again_failed || fail "a later round says: $(fast_path_detail)"
srv ip link set veth-z mtu 1500
srv ip link set veth-y mtu 1500
wait_for "the program on veth-y once its MTU came down" runs_ours veth-y
wait_for "healthy again" healthy
[ "$(reattached veth-y)" = 1 ] || fail "veth-y made again is not counted once: $(ctl status | grep veth-y)"
echo "ok - veth-y made again with MTU 9000: attaching fails, said so at each round; once the MTU came down, attached"

# A restart (a handover) while veth-y is gone: the start takes the
# program over on veth-s, says veth-y is missing, keeps the prefixes
# withdrawn through the fast_path check, and attaches veth-y once it
# appears (the start failed on it: the taken-over program answered on
# with no daemon, and under systemd a restart loop began).
srv ip link del veth-y
wait_for "the fast_path check naming veth-y gone" eval 'fast_path_detail | grep -q "veth-y: no such interface"'
# Down (fall rounds in a row) before the handover: a check handed over up
# stays up for fall rounds more, which would race the check below.
wait_for "the check down with veth-y gone" eval '! healthy'
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID"
# veth-y first: its stats slot, empty, comes before veth-s's.
{ cat "$WORK/xdpcastd.yaml"; echo "interfaces: [veth-y, veth-s]"; } > "$WORK/ordered.yaml"
IN_CONFIG=interfaces start_xdpcastd --zone "$ZONE" --config "$WORK/ordered.yaml"
grep -q "veth-y: no such interface: attached once one of that name appears" "$WORK/xdpcastd.log" ||
	fail "the start does not say veth-y is missing: $(grep veth-y "$WORK/xdpcastd.log")"
runs_ours veth-s || fail "the start did not take veth-s over"
# The detail carried over from the handover until the first round.
within 10 eval 'fast_path_detail | grep -q "veth-y: no such interface since the start"' ||
	fail "the check says: $(fast_path_detail)"
healthy && fail "healthy with veth-y missing"
grep -q "^interface veth-y (ifindex 0): not attached, no such interface since the start" <<< "$(ctl status)" ||
	fail "status on veth-y missing: $(ctl status | grep veth-y)"
header=$(srv "$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$WORK/none.sock" stats | head -1)
[ "$(echo $header)" = "reason action (none) veth-s total" ] || fail "stats without the daemon, veth-y missing: $header"
# Its count goes on from the previous daemon's, found by its name (gone,
# it has no ifindex; the config lists it first now).
[ "$(reattached veth-y) $(reattached veth-s)" = "1 1" ] ||
	fail "re-attach counts after the handover: $(ctl status | grep -E 'veth-[ys]')"
# First with an MTU native XDP refuses, then made again as it should be.
srv ip link add veth-y mtu 9000 type veth peer name veth-z mtu 9000
srv ip link set veth-y up
srv ip link set veth-z up
wait_for "the check naming the failed attach to veth-y" eval 'fast_path_detail | grep -q "veth-y: attaching the xdpcast program to the interface that appeared failed: .*Peer MTU is too large"'
srv ip link del veth-y
srv ip link add veth-y type veth peer name veth-z
srv ip link set veth-y up
srv ip link set veth-z up
wait_for "the program on veth-y once it appeared" runs_ours veth-y
wait_for "healthy once veth-y appeared" healthy
grep -q "veth-y: appeared as ifindex [0-9]*; attaching" "$WORK/xdpcastd.log" &&
	grep -q "veth-y: attached in native mode$" "$WORK/xdpcastd.log" ||
	fail "the attach to veth-y is not logged: $(grep veth-y "$WORK/xdpcastd.log")"
# Missing since this start: its first attach is no re-attach.
[ "$(reattached veth-y)" = 1 ] ||
	fail "veth-y's first attach counted as a re-attach (1 before): $(ctl status | grep veth-y)"
echo "ok - a handover while veth-y was gone: the start took veth-s over, withdrawn until veth-y appeared (first refused for its MTU, then made again), then attached (not counted as a re-attach) and healthy"

stop_xdpcastd
echo "ok - stopped: detached from veth-y and veth-s"
