#!/usr/bin/env bash
# Every RRset the fast path caches, asked over IPv4 and IPv6, with and
# without EDNS, in mixed case: the answer from XDP must equal NSD's own
# answer (rcode, flags, every section as a set, EDNS), and dns_answer plus
# dns_truncated must move by exactly the number of those queries. Then
# negative answers, referrals and what is left to NSD, each class moving
# its own counter by exactly its number of queries. Native and skb mode.
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

# expect_reason REASON NAME TYPE [VARIANT]: over IPv4 and IPv6 (every
# variant unless one is given), equal to NSD, and REASON moved by as many.
expect_reason() {
	local reason=$1 name=$2 type=$3 before variant asked=0
	local variants=("${VARIANTS[@]}")
	[ $# -ge 4 ] && variants=("$4")
	before=$(counter "$reason")
	for variant in "${variants[@]}"; do
		compare $ANYCAST4 $UNICAST4 "$(mixed_case "$name")" "$type" "$variant"
		compare $ANYCAST6 $UNICAST6 "$name" "$type" "$variant"
		asked=$((asked + 2))
	done
	[ "$(( $(counter "$reason") - before ))" -eq "$asked" ] ||
		fail "$name $type: $reason moved by $(( $(counter "$reason") - before )), expected $asked"
}

run_mode() {
	local mode=$1 answered_before name type variant queries=0 fast no_room negatives reason
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

	[ "$(counter dns_truncated)" -gt 0 ] || fail "$mode: no truncated answer was exercised"

	negatives=0
	while read -r reason name type; do
		expect_reason "$reason" "$name" "$type"
		negatives=$((negatives + ${#VARIANTS[@]} * 2))
	done <<-QUERIES
		dns_nxdomain missing.example.test A
		dns_nxdomain a.b.missing.example.test TXT
		dns_nxdomain zz.www.example.test AAAA
		dns_nodata www.example.test MX
		dns_nodata example.test SRV
		dns_nodata _udp.example.test SRV
		dns_nodata very.long.name.with.many.labels.to.walk.through.in.the.fast.path.and.still.be.answered.correctly.example.test A
		dns_nodata sub.example.test DS
		dns_referral ns.sub.example.test A
		dns_referral sub.example.test NS
		dns_referral x.y.sub.example.test AAAA
		dns_pass_miss host.wild.example.test A
		dns_nodata wild.example.test A
		dns_pass_miss alias.example.test A
	QUERIES
	for i in $(seq 1 20); do
		expect_reason dns_nxdomain "r$RANDOM-$i.example.test" A +noedns
		negatives=$((negatives + 2))
	done

	stop_xdpcastd
	echo "ok - $mode mode: $queries positive queries equal to NSD's answers ($no_room too large for the frame, passed)"
	echo "ok - $mode mode: $negatives negative, referral and pass queries equal to NSD's, each counted under its reason"
}

setup_network
start_nsd "$ZONE"
run_mode native
run_mode skb
