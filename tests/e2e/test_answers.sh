#!/usr/bin/env bash
# The fast path against NSD itself. Every positive answer the cache holds,
# then negative answers, referrals, wildcards, CNAME chains and what is left
# to NSD, are asked over IPv4 (in mixed case) and IPv6, with and without
# EDNS, DO and CD. Each response from XDP must equal NSD's own answer to the
# same query (rcode, flags, every section as a set, EDNS), and each class
# of query must move its own counter by exactly its number of queries (or
# dns_pass_no_room, where the frame has no room for the answer). Runs with
# the program in native and in skb mode.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
DEFAULT_VARIANTS=("+noedns +cd" "+bufsize=1232 +dnssec" "+bufsize=512")
VARIANTS=("${DEFAULT_VARIANTS[@]}")

# mixed_case NAME TYPE NAME TYPE...: flips every other letter of the names,
# as 0x20 randomisation would.
mixed_case() {
	python3 -c '
import sys
a = sys.argv[1:]
print(" ".join(("".join(c.upper() if i % 2 else c for i, c in enumerate(x)) if n % 2 == 0 else x)
               for n, x in enumerate(a)))' "$@"
}

# ask SERVER VARIANT NAME TYPE...: one kdig for all the queries, normalised.
ask() {
	local server=$1 variant=$2
	shift 2
	# shellcheck disable=SC2086 # the variant is several kdig options
	cli kdig +norec +ignore +time=2 +retry=1 $variant @"$server" "$@" | "$ROOT/tests/e2e/kdig_normalize.py"
}

# compare_all NAME TYPE...: every variant, both families; returns the count.
compare_all() {
	local variant via_xdp via_nsd asked=0
	for variant in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2046 # mixed_case prints the query words
		via_xdp=$(ask $ANYCAST4 "$variant" $(mixed_case "$@"))
		via_nsd=$(ask $UNICAST4 "$variant" "$@")
		same "$via_xdp" "$via_nsd" "IPv4 $variant" $(($# / 2))
		via_xdp=$(ask $ANYCAST6 "$variant" "$@")
		via_nsd=$(ask $UNICAST6 "$variant" "$@")
		same "$via_xdp" "$via_nsd" "IPv6 $variant" $(($# / 2))
		asked=$((asked + $#))
	done
	echo "$asked"
}

# first_difference A B: the number of the first response block that differs.
first_difference() {
	diff <(awk -v RS='----\n' '{ gsub(/\n/, "|"); print }' <<<"$1") \
	     <(awk -v RS='----\n' '{ gsub(/\n/, "|"); print }' <<<"$2") | awk -F'[a-z,]' 'NR == 1 { print $1 }'
}

# same XDP NSD WHAT QUERIES: one response each, equal.
same() {
	[ "$(grep -c '^----$' <<<"$1")" -eq "$4" ] || fail "$3: $4 queries, $(grep -c '^----$' <<<"$1") responses via XDP"
	if [ "$1" != "$2" ]; then
		# the first response that differs, whole, question included
		local n
		n=$(first_difference "$1" "$2")
		awk -v RS='----\n' -v n="$n" 'NR == n' <<<"$2" | grep -A1 'QUESTION SECTION' >&2
		diff <(awk -v RS='----\n' -v n="$n" 'NR == n' <<<"$2") \
		     <(awk -v RS='----\n' -v n="$n" 'NR == n' <<<"$1") >&2 || true
		fail "$3: an answer via XDP differs from NSD's (above: - NSD, + XDP)"
	fi
}

# reasons_total REASON[,REASON...]: their counters summed.
reasons_total() {
	local r total=0
	for r in ${1//,/ }; do total=$((total + $(counter "$r"))); done
	echo "$total"
}

# expect_reason REASON[,REASON...] NAME TYPE...: equal to NSD, and the
# reasons moved by the number of queries, but for answers without room in
# the frame.
expect_reason() {
	local reason=$1 before no_room asked moved without_room
	shift
	before=$(reasons_total "$reason")
	no_room=$(counter dns_pass_no_room)
	asked=$(compare_all "$@")
	moved=$(( $(reasons_total "$reason") - before ))
	without_room=$(( $(counter dns_pass_no_room) - no_room ))
	[ "$moved" -gt 0 ] && [ $((moved + without_room)) -eq "$asked" ] ||
		fail "$reason: moved by $moved (+$without_room without room), expected $asked"
	TOTAL_NO_ROOM=$((TOTAL_NO_ROOM + without_room))
	COMPARED=$((COMPARED + asked))
}

run_mode() {
	local mode=$1 positives random=()
	COMPARED=0 TOTAL_NO_ROOM=0
	start_xdpcastd --xdp-mode "$mode" --zone "$ZONE" --zone "$SIGNED"
	grep -q "in $mode mode" "$WORK/xdpcastd.log" || fail "xdpcastd did not attach in $mode mode"

	mapfile -t positives < <("$BUILD/tests/list_answers" "$ZONE" | tr ' ' '\n')
	expect_reason dns_answer,dns_truncated "${positives[@]}"
	expect_reason dns_truncated big.example.test TXT
	expect_reason dns_nxdomain missing.example.test A a.b.missing.example.test TXT \
		zz.www.example.test AAAA dangling.example.test A
	for i in $(seq 1 20); do random+=("r$RANDOM-$i.example.test" A); done
	expect_reason dns_nxdomain "${random[@]}"
	expect_reason dns_nodata www.example.test MX example.test SRV _udp.example.test SRV \
		very.long.name.with.many.labels.to.walk.through.in.the.fast.path.and.still.be.answered.correctly.example.test A \
		sub.example.test DS wild.example.test A host.wild.example.test MX x.wc.example.test MX \
		alias.example.test MX
	expect_reason dns_referral ns.sub.example.test A sub.example.test NS x.y.sub.example.test AAAA
	expect_reason dns_answer host.wild.example.test A a.b.wild.example.test A x.wc.example.test AAAA \
		outside.example.test A
	expect_reason dns_pass_miss loop1.example.test A example.org A
	expect_reason dns_pass_other www.example.test ANY

	# EDNS and CHAOS, with NSD configured with the same identity and NSID.
	VARIANTS=("+edns=1" "+edns=1 +nsid +dnssec")
	expect_reason dns_badvers www.example.test A missing.example.test A
	VARIANTS=("+nsid" "+nsid +bufsize=512")
	expect_reason dns_answer www.example.test A example.test MX
	expect_reason dns_nxdomain nope.example.test AAAA
	VARIANTS=("-c CH" "-c CH +nsid")
	expect_reason dns_answer id.server TXT hostname.bind TXT
	expect_reason dns_refused version.bind TXT version.server TXT id.server A version.bind A
	expect_reason dns_pass_miss authors.bind TXT
	VARIANTS=("${DEFAULT_VARIANTS[@]}")

	# The signed zone: DO=1 answers carry the RRSIGs from XDP, negative
	# answers, referrals and wildcards their NSEC proofs and DS records
	# (most of them too large for a veth frame here: dns_pass_no_room;
	# tests/fidelity compares them all through a test run); DO=0 as above.
	mapfile -t positives < <("$BUILD/tests/list_answers" "$SIGNED" | grep -v '^\*' | grep -v '^mx10\.signed\.test\. MX$' |
				 tr ' ' '\n')
	expect_reason dns_answer,dns_truncated "${positives[@]}"
	# Its additional records fit only in part (NSD sends those that fit).
	expect_reason dns_pass_other mx10.signed.test MX
	expect_reason dns_answer '*.wild.signed.test' A host.wild.signed.test A
	expect_reason dns_nxdomain nothere.signed.test A a.b.signed.test AAAA
	expect_reason dns_nodata www.signed.test MX wild.signed.test TXT
	expect_reason dns_referral x.child.signed.test A child.signed.test NS

	stop_xdpcastd
	echo "ok - $mode mode: $COMPARED queries equal to NSD's answers, each counted under its reason" \
	     "($TOTAL_NO_ROOM passed for lack of room in the frame)"
}

setup_network
SIGNED=$(sign_zone "$ROOT/tests/zones/signed.test.zone" signed.test)
start_nsd "$ZONE" "$SIGNED"
run_mode native
run_mode skb
