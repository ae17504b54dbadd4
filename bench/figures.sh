#!/usr/bin/env bash
# The arithmetic of the live benches' tables, and what the benches can
# measure on this kernel; sourced by bench/run.sh, live.sh, scaling.sh and
# servers.sh, and tested on its own (tests/e2e/test_bench_tools.sh).

# median COLUMN: the median of that column of stdin (of an even count,
# the mean of the two in the middle); fails on no line.
median() {
	awk -v c="$1" '{print $c}' | sort -g |
		awk '{v[NR] = $1} END {if (!NR) exit 1; printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# answered_rate: of kxdpgun's report on stdin, the replies per second that
# answer (NOERROR, NXDOMAIN): a server that refuses or fails is not fast.
# Fails when none answered.
answered_rate() {
	awk '/total replies:/ {gsub(/[()]/, "", $4); pps = $4; replies = $3}
	     /responded (NOERROR|NXDOMAIN):/ {answers += $NF}
	     END {if (!replies || !answers) exit 1; printf "%.0f", pps * answers / replies}'
}

# gain_share BARE1 BARE2 X1 X2: of rates on one queue and on two, X's gain
# as a share of bare's, (X2 / X1 - 1) / (BARE2 / BARE1 - 1): 1 scales as
# bare does, 0 not at all; "n/a" when bare gained nothing.
gain_share() {
	awk -v b1="$1" -v b2="$2" -v x1="$3" -v x2="$4" \
		'BEGIN {if (b1 <= 0 || x1 <= 0 || b2 <= b1) print "n/a"; else printf "%.2f", (x2 / x1 - 1) / (b2 / b1 - 1)}'
}

# knot_xdp_refusal: nothing where the kernel's verifier takes libknot's XDP
# program (kxdpgun's, and Knot's XDP mode's), else its words, from a
# one-second kxdpgun run on a veth pair in a namespace of its own, removed
# with what runs in it also when interrupted. (Kernel 6.18.44-fc-v1300,
# unlike v1272, refuses bpf_xdp_adjust_meta, which that program calls, to
# XDP programs; kxdpgun then reports it and exits 0.)
# Any other failure of kxdpgun is not a refusal: the bench's own runs fail
# on it, loudly.
knot_xdp_refusal() (
	ns=xc-knot-xdp-$BASHPID
	queries=$(mktemp /tmp/xdpcast-knot-xdp.XXXXXX)
	# (each step may fail, a process gone before its kill: none stops the rest)
	trap '{ ip netns pids "$ns" | xargs -r kill; } 2>/dev/null || :; ip netns del "$ns" 2>/dev/null || :; rm -f "$queries"' EXIT
	trap 'exit 1' INT TERM
	echo "example.test A" > "$queries"
	ip netns add "$ns" &&
		ip -n "$ns" link add xp0 type veth peer name xp1 &&
		ip -n "$ns" link set xp0 up && ip -n "$ns" link set xp1 up &&
		ip -n "$ns" addr add 192.0.2.2/24 dev xp0 || exit 1
	# In the background, waited for: bash runs a trap only once the
	# command in the foreground has ended, and an interrupt would wait
	# out kxdpgun's run.
	ip netns exec "$ns" timeout 10 kxdpgun -t 1 -Q 10 -i "$queries" -I xp0 -R 02:00:00:00:00:01 192.0.2.1 2>&1 |
		grep -m1 'cannot use helper' &
	wait $! || true
)

# not_measured REFUSAL WHAT [INSTEAD]: the results' line for what a kernel
# refusing libknot's XDP program (knot_xdp_refusal's words REFUSAL) keeps
# a bench from measuring, and what it measures instead.
not_measured() {
	echo "Not measured on this kernel ($(uname -r)): $2, since it refuses libknot's XDP program," \
		"which kxdpgun and Knot's XDP mode load (\"$1\")${3:+; $3}."
}
