#!/usr/bin/env bash
# The benches' own tools, without a bench's load:
# - bench/first_answer.py against a server that queues the queries it gets
#   while it loads and then answers them all at once (as NSD does, which
#   binds before it reads its zones): it must see the first reply to hold
#   the address, not drown in the replies to its earlier queries
#   (bench/zone_scale.sh times NSD's start with it, RRL off), and stop
#   when the server's process has ended.
# - every NSD that the tests and benches start runs with RRL off.
# - bench/stall.sh removes its namespace, bpffs mount and files when it
#   fails, also when the daemon it stops exits non-zero.
# - make bench (bench/run.sh) failing partway leaves the day's results as
#   they were.
# - bench/floodgen takes no --trailer that its longest frames (IPv6
#   reflection replies) have no room for, and sends frames of 1514 octets.
# - bench/zone_copies.sh prints a row a size, the copy read back whole
#   (its records counted), and leaves no file behind.
# - bench/bpf_lines maps perf's samples to the program's source lines,
#   a helper's samples to the line calling it.
# - bench/figures.sh: medians column by column, kxdpgun's replies that
#   answer, and the share of bare's gain from a second queue; whether the
#   kernel refuses libknot's XDP program, as it refuses one of our own
#   calling the same helper, and the results' line of what that keeps
#   from being measured.
source "$(dirname "$0")/lib.sh"

setup_network

# A server on the unicast address that sleeps LOAD seconds before it reads
# its socket (the queries queue meanwhile), then answers every query with
# an A record of 192.0.2.80 until it has had none for 3 s.
cat > "$WORK/queuing_server.py" <<'PY'
import socket, sys, time
import dns.message, dns.rrset
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((sys.argv[1], 53))
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
sock.settimeout(3)
try:
    while True:
        wire, client = sock.recvfrom(512)
        query = dns.message.from_wire(wire)
        reply = dns.message.make_response(query)
        reply.answer.append(dns.rrset.from_text(query.question[0].name, 300, "IN", "A", "192.0.2.80"))
        sock.sendto(reply.to_wire(), client)
except socket.timeout:
    pass
PY
ip netns exec "$NS_SRV" python3 "$WORK/queuing_server.py" $UNICAST4 "$WORK/bound" 1 &
PIDS+=($!)
wait_for "the queuing server" test -e "$WORK/bound"
at=$(cli python3 "$ROOT/bench/first_answer.py" $UNICAST4 www.example.test 192.0.2.80 5)
[ "$at" != none ] || fail "first_answer.py saw no reply to its own query within 5 s of a server that had queued earlier ones"
echo "ok - first_answer.py passes over the replies to the queries a loading server had queued"

# A server that exits at its start (a zombie until its parent waits) ends
# the wait at once, not after the bench's 600 s: here 30 s, nothing listening.
sleep 0.5 &
gone=$!
at=$(cli python3 "$ROOT/bench/first_answer.py" 127.0.0.1 www.example.test 192.0.2.80 30 $gone)
[ "$at" = ended ] || fail "first_answer.py said '$at' about a server whose process had exited"
wait $gone
echo "ok - first_answer.py stops when the server's process has ended"

# NSD's configurations are written by these scripts (their key zonelistfile
# is NSD's own): each must switch RRL off.
for f in $(grep -rl --include='*.sh' 'zonelistfile:' "$ROOT/tests" "$ROOT/bench" "$ROOT/scripts"); do
	grep -q 'rrl-ratelimit: 0' "$f" || fail "${f#"$ROOT"/} starts NSD with RRL on (rrl-ratelimit: 0 missing)"
done
echo "ok - every NSD the tests and benches start has RRL off"

# A daemon that says it is ready, never answers xdpcastctl (so stall.sh
# fails at its first status), ignores the SIGHUP and exits 1 on SIGTERM.
cat > "$WORK/failing_daemon.sh" <<'SH'
#!/bin/bash
trap '' HUP
trap 'exit 1' TERM
echo "ready: pop bench"
while :; do sleep 0.1; done
SH
chmod +x "$WORK/failing_daemon.sh"
leftovers() {
	ip netns list | grep -o '^xc-stall-[0-9]*' || true
	awk '$2 ~ "^/tmp/xdpcast-stall\\." {print $2}' /proc/mounts
	ls -d /tmp/xdpcast-stall.* 2>/dev/null || true
}
before=$(leftovers)
(cd "$ROOT" && BUILD=$BUILD XDPCASTD=$WORK/failing_daemon.sh bench/stall.sh 10) > "$WORK/stall.out" 2>&1 &&
	fail "bench/stall.sh succeeded with a daemon that never answers: $(cat "$WORK/stall.out")"
[ "$(leftovers)" = "$before" ] ||
	fail "bench/stall.sh failed and left: $(comm -13 <(sort <<< "$before") <(leftovers | sort) | tr '\n' ' ')"
echo "ok - bench/stall.sh, failing, removes its namespace, mount and files"

# floodgen's longest frame: 14 + 40 + 8 + 468 octets, and the trailer.
flood() { cli "$BUILD/bench/floodgen" --iface veth-c --dst-mac "$(srv cat /sys/class/net/veth-s/address)" \
	--dst $ANYCAST6 --src 2001:db8:f000::/36 --kind reflection --count 64 "$@"; }
out=$(flood --trailer 985 2>&1) && fail "floodgen took --trailer 985: $out"
[ "$out" = "floodgen: --trailer: at most 984 octets (the room the longest frame leaves of 1514)" ] ||
	fail "floodgen --trailer 985 said: $out"
out=$(flood --trailer 984 2>&1) || fail "floodgen --trailer 984: $out"
[[ "$out" == "floodgen: reflection sent 64 frames"* ]] || fail "floodgen --trailer 984 said: $out"
echo "ok - floodgen's --trailer stops where its frames would pass 1514 octets"

ls -d /tmp/xdpcast-copies-bench.* /tmp/xdpcast-zone-bench-* > "$WORK/before" 2>/dev/null || true
rows=$(cd "$ROOT" && SIZES="1000 3000" BUILD=$BUILD bench/zone_copies.sh | grep -c '^| [0-9]')
[ "$rows" = 2 ] || fail "bench/zone_copies.sh printed $rows rows for 2 sizes"
(cd "$ROOT" && tests/tools/names_zone.sh scale.test 3000 > "$WORK/scale.zone")
read -r records _ _ _ file_bytes copy_bytes <<< "$("$BUILD/bench/zone_bench" -c "$WORK/scale.zone")"
[ "$records" = 3003 ] && [ "$copy_bytes" -gt "$file_bytes" ] ||
	fail "zone_bench -c: $records records (3003 in the file), copy $copy_bytes bytes, file $file_bytes"
ls -d /tmp/xdpcast-copies-bench.* /tmp/xdpcast-zone-bench-* > "$WORK/after" 2>/dev/null || true
cmp -s "$WORK/before" "$WORK/after" || fail "files left in /tmp: $(comm -13 "$WORK/before" "$WORK/after")"
echo "ok - bench/zone_copies.sh: a row a size, the copy read back whole, nothing left in /tmp"

# A bench whose first tool fails: the day's results stay, what ran is kept apart.
mkdir -p "$WORK/fake-build/bench" "$WORK/results"
printf '#!/bin/sh\necho "prog_bench: failing on purpose" >&2\nexit 1\n' > "$WORK/fake-build/bench/prog_bench"
chmod +x "$WORK/fake-build/bench/prog_bench"
day=$(date -u +%Y-%m-%d)
echo "the results of an earlier run" > "$WORK/results/$day-quick.md"
(cd "$ROOT" && QUICK=1 BUILD=$WORK/fake-build RESULTS=$WORK/results bench/run.sh) > "$WORK/bench.out" 2>&1 &&
	fail "bench/run.sh succeeded with a prog_bench that fails: $(cat "$WORK/bench.out")"
[ "$(cat "$WORK/results/$day-quick.md")" = "the results of an earlier run" ] ||
	fail "bench/run.sh, failing, replaced the day's results with: $(head -3 "$WORK/results/$day-quick.md")"
grep -q "^# xdpcast bench" "$WORK/results/$day-quick.md.partial" ||
	fail "bench/run.sh, failing, kept no partial results"
grep -q "make bench failed partway: what ran is in $WORK/results/$day-quick.md.partial" "$WORK/bench.out" ||
	fail "bench/run.sh, failing, did not say where its partial results are: $(cat "$WORK/bench.out")"
echo "ok - make bench failing partway leaves the day's results and says where the partial ones are"

# bench/bpf_lines on perf script's frames for a loaded program: a sample at
# the program's first instruction (its own code, at the function's line), one
# in a helper it called from there (charged to the call site: the return
# address less 1), one elsewhere (counted, charged to nothing of the program).
bpftool prog load "$BUILD/bare.bpf.o" "$WORK/bpffs/bare"
read -r id tag <<< "$(bpftool -j prog show pinned "$WORK/bpffs/bare" | json '"%d %s" % (v["id"], v["tag"])')"
start=$(awk -v s="bpf_prog_${tag}_bare" '$3 == s {print $1}' /proc/kallsyms)
[ -n "$start" ] || fail "no bpf_prog_${tag}_bare in /proc/kallsyms"
printf '\t%s bpf_prog_%s_bare\n\t%s veth_poll\n\n\t%s a_helper\n\t%x bpf_prog_%s_bare\n\t%s veth_poll\n\n\t%s elsewhere\n\n' \
	"$start" "$tag" ffffffff81000100 ffffffff81000000 $((0x$start + 1)) "$tag" ffffffff81000100 ffffffff81000200 \
	> "$WORK/samples"
"$BUILD/bench/bpf_lines" "$id" < "$WORK/samples" > "$WORK/lines"
rm "$WORK/bpffs/bare"
grep -q "^3 samples; 2 (66.7%) under program $id, 1 (33.3%) in its own code$" "$WORK/lines" &&
	grep -Eq '^ +1  50\.0%  a_helper$' "$WORK/lines" &&
	grep -Eq '^ +1 100\.0%  bare bare\.bpf\.c:35 int bare\(struct xdp_md \*ctx\)$' "$WORK/lines" &&
	grep -Eq '^ +2 100\.0%  bare bare\.bpf\.c:35 int bare\(struct xdp_md \*ctx\)$' "$WORK/lines" ||
	fail "bench/bpf_lines: $(cat "$WORK/lines")"
echo "ok - bench/bpf_lines charges a sample to its line in the program, a helper's to the line calling it"

source "$ROOT/bench/figures.sh"
# Each column's own median: the run of the median rate is not the one of
# the median time (it took the whole line of the median rate: 500).
runs=$'1100 500\n1000 300\n1200 310'
[ "$(median 1 <<< "$runs")" = 1100 ] && [ "$(median 2 <<< "$runs")" = 310 ] ||
	fail "median: $(median 1 <<< "$runs") and $(median 2 <<< "$runs") of $runs (1100 and 310)"
[ "$(median 1 <<< $'4\n1\n10\n3')" = 4 ] || fail "median of 1 3 4 10: $(median 1 <<< $'4\n1\n10\n3') (3.5, printed 4)"
median 1 < /dev/null > /dev/null && fail "median of nothing succeeded"
# A server that refuses 400 of 1000 replies at 500 replies/s answers 300/s.
report="total queries:     2000 (1000 pps)
total replies:     1000 (500 pps) (50%)
responded NOERROR:  500
responded NXDOMAIN: 100
responded REFUSED:  400"
[ "$(answered_rate <<< "$report")" = 300 ] || fail "answered_rate: $(answered_rate <<< "$report") of: $report (300)"
answered_rate <<< "total replies:     10 (5 pps) (1%)
responded REFUSED:  10" > /dev/null && fail "answered_rate succeeded where nothing was answered"
# bench/results 2026-12-01, run 1: bare 198,698 -> 380,394, xdpcast
# 176,402 -> 302,231 pps: 0.78 of bare's gain (a ratio of the speed-ups said 0.89).
[ "$(gain_share 198698 380394 176402 302231)" = 0.78 ] || fail "gain_share: $(gain_share 198698 380394 176402 302231) (0.78)"
[ "$(gain_share 100 200 100 100)" = 0.00 ] || fail "gain_share of a program that gained nothing: $(gain_share 100 200 100 100)"
[ "$(gain_share 100 100 100 150)" = n/a ] || fail "gain_share when bare gained nothing: $(gain_share 100 100 100 150)"
line=$(not_measured "cannot use helper" "Knot's XDP mode" "its socket mode is")
[ "$line" = "Not measured on this kernel ($(uname -r)): Knot's XDP mode, since it refuses libknot's XDP program, which kxdpgun and Knot's XDP mode load (\"cannot use helper\"); its socket mode is." ] ||
	fail "not_measured: $line"
[[ "$(not_measured why "Knot's XDP mode")" == *'load ("why").' ]] || fail "not_measured without what instead: $(not_measured why "Knot's XDP mode")"
echo "ok - bench/figures.sh: medians per column, answers among kxdpgun's replies, the share of bare's gain, the line of what is not measured"

# knot_xdp_refusal agrees with the kernel: it finds a refusal exactly where
# an XDP program calling bpf_xdp_adjust_meta (as libknot's does) is refused.
cat > "$WORK/meta.bpf.c" <<'C'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
SEC("xdp") int meta(struct xdp_md *ctx) { return bpf_xdp_adjust_meta(ctx, -4) ? XDP_ABORTED : XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
C
clang -O2 -target bpf -I"$BUILD" -c "$WORK/meta.bpf.c" -o "$WORK/meta.bpf.o" || fail "cannot build the adjust_meta program"
# (pinned in setup_network's bpffs, which the cleanup unmounts)
if bpftool -d prog load "$WORK/meta.bpf.o" "$WORK/bpffs/meta" type xdp 2> "$WORK/meta.log"; then kernel_refuses=; else kernel_refuses=yes; fi
refusal=$(knot_xdp_refusal)
if [ -n "$kernel_refuses" ]; then
	grep -q 'cannot use helper bpf_xdp_adjust_meta' "$WORK/meta.log" || fail "the adjust_meta program failed otherwise: $(cat "$WORK/meta.log")"
	[ -n "$refusal" ] || fail "knot_xdp_refusal found nothing on a kernel that refuses bpf_xdp_adjust_meta"
else
	[ -z "$refusal" ] || fail "knot_xdp_refusal found '$refusal' on a kernel that takes bpf_xdp_adjust_meta"
fi
ip netns list | grep -q '^xc-knot-xdp-' && fail "knot_xdp_refusal left its namespace: $(ip netns list)"
echo "ok - knot_xdp_refusal agrees with the kernel's verdict on bpf_xdp_adjust_meta (${refusal:-taken here})"

# Interrupted while its kxdpgun runs (here one that would run 29 s), it
# ends that and removes its namespace at once, not when kxdpgun is done.
mkdir "$WORK/stub"
printf '#!/bin/sh\nexec sleep 29.125\n' > "$WORK/stub/kxdpgun"
chmod +x "$WORK/stub/kxdpgun"
PATH="$WORK/stub:$PATH" knot_xdp_refusal > /dev/null &
PIDS+=($!)
wait_for "knot_xdp_refusal's kxdpgun" eval 'pgrep -fx "sleep 29.125" > /dev/null'
probe=$(ip netns list | sed -n 's/^xc-knot-xdp-\([0-9]*\).*/\1/p')
[ -n "$probe" ] || fail "knot_xdp_refusal's namespace is not there while its kxdpgun runs"
kill -TERM "$probe"
wait_within "knot_xdp_refusal's end when interrupted" 5 eval '! pgrep -fx "sleep 29.125" > /dev/null && ! ip netns list | grep -q "^xc-knot-xdp-"'
echo "ok - knot_xdp_refusal, interrupted, ends its kxdpgun and removes its namespace at once"
