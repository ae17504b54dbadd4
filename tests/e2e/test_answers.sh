#!/usr/bin/env bash
# Every RRset the fast path caches, asked over IPv4 and IPv6, with and
# without EDNS, in mixed case: the answer from XDP must equal NSD's own
# answer (rcode, flags, every section as a set, EDNS), and dns_answer plus
# dns_truncated must move by exactly the number of those queries. RRsets
# left to userspace and a missing name must come back from NSD, counted as
# dns_pass_miss. Runs with the program in native and in skb mode.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
VARIANTS=("+noedns +cd" "+bufsize=1232 +dnssec" "+bufsize=512")

# mixed_case NAME: flips every other letter, as 0x20 randomisation would.
mixed_case() {
	python3 -c 'import sys; print("".join(c.upper() if i % 2 else c for i, c in enumerate(sys.argv[1])))' "$1"
}

ask() { cli kdig +norec +ignore +time=2 +retry=1 "$@" | "$ROOT/tests/e2e/kdig_normalize.py"; }

# compare SERVER_XDP SERVER_NSD NAME TYPE VARIANT
compare() {
	local via_xdp via_nsd
	# shellcheck disable=SC2086 # the variant is several kdig options
	via_xdp=$(ask @"$1" "$3" "$4" $5)
	# shellcheck disable=SC2086
	via_nsd=$(ask @"$2" "$3" "$4" $5)
	[ -n "$via_xdp" ] || fail "no answer from $1 for $3 $4 $5"
	if [ "$via_xdp" != "$via_nsd" ]; then
		diff <(echo "$via_nsd") <(echo "$via_xdp") >&2 || true
		fail "$3 $4 $5 via $1 differs from NSD's answer (above: - NSD, + XDP)"
	fi
}

run_mode() {
	local mode=$1 answered_before passed_before name type variant queries=0 fast passes=0 no_room
	start_xdpcastd --xdp-mode "$mode" --zone "$ZONE"
	grep -q "in $mode mode" "$WORK/xdpcastd.log" || fail "xdpcastd did not attach in $mode mode"

	answered_before=$(( $(counter dns_answer) + $(counter dns_truncated) + $(counter dns_pass_no_room) ))
	while read -r name type; do
		for variant in "${VARIANTS[@]}"; do
			compare $ANYCAST4 $UNICAST4 "$(mixed_case "$name")" "$type" "$variant"
			compare $ANYCAST6 $UNICAST6 "$name" "$type" "$variant"
			queries=$((queries + 2))
		done
	done < <("$BUILD/tests/list_answers" "$ZONE")
	# Answers that need more room than the frame gives (veth: ~32 B tail,
	# ~200 B head in native mode) are passed and counted: NSD sent them.
	no_room=$(counter dns_pass_no_room)
	fast=$(( $(counter dns_answer) + $(counter dns_truncated) + no_room - answered_before ))
	if [ "$fast" -ne "$queries" ]; then
		"$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" stats >&2
		fail "$mode: $queries queries, but the fast path answered or passed for room only $fast"
	fi

	passed_before=$(counter dns_pass_miss)
	while read -r name type _; do
		compare $ANYCAST4 $UNICAST4 "$name" "$type" +noedns
		passes=$((passes + 1))
	done < <("$BUILD/tests/list_answers" --all "$ZONE" | grep ' pass$')
	compare $ANYCAST6 $UNICAST6 missing.example.test A +bufsize=1232
	passes=$((passes + 1))
	[ "$(( $(counter dns_pass_miss) - passed_before ))" -eq "$passes" ] ||
		fail "$mode: dns_pass_miss moved by $(( $(counter dns_pass_miss) - passed_before )), expected $passes"
	[ "$(counter dns_truncated)" -gt 0 ] || fail "$mode: no truncated answer was exercised"

	stop_xdpcastd
	echo "ok - $mode mode: $queries queries equal to NSD's answers ($no_room too large for the frame, passed), $passes passed to NSD"
}

setup_network
start_nsd "$ZONE"
run_mode native
run_mode skb
