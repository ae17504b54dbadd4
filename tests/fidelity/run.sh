#!/usr/bin/env bash
# Fidelity: every answer from the fast path means what NSD's answer means.
# A corpus generated from the zones — every name (owners and empty
# non-terminals) with every type present in the zone and a few absent,
# random names below the apex, empty non-terminals, wildcards and
# delegations, in mixed case — is sent to xdpcast (NSD behind it) and to
# NSD directly, without EDNS and with EDNS 512/1232/4096, DO off and on,
# over IPv4 and IPv6. Rcode, flags, each section as a set of RRsets and
# EDNS must be equal. Zero differences is the bar; the test prints how
# many queries it compared and the share the fast path answered itself.
# MINIMAL=1: NSD with minimal-responses, xdpcastd with --minimal-responses.
source "$(dirname "$0")/../e2e/lib.sh"

VARIANTS=("+noedns" "+bufsize=512" "+bufsize=1232" "+bufsize=4096 +dnssec" "+bufsize=1232 +dnssec +nsid")
# Asked at every name besides its own types (RRSIG: the server answers
# those; the program passes them).
ABSENT_TYPES=(A AAAA MX TXT SRV DS DNSKEY CAA RRSIG)
TX_REASONS=(dns_answer dns_nxdomain dns_nodata dns_referral dns_truncated dns_badvers dns_refused)

# A zone of long names: one near 255 octets, one of 30 labels, one of 40
# (deeper than the program walks: left to NSD).
write_long_zone() {
	local l63 deep30="" deep40="" i
	l63=$(printf 'x%.0s' $(seq 1 63))
	for i in $(seq 1 28); do deep30+="l$i."; done
	for i in $(seq 1 38); do deep40+="m$i."; done
	cat <<ZONE
\$ORIGIN long.test.
\$TTL 600
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 120
@ IN NS ns1.example.test.
$l63.$l63.$l63.y1234567890123456789012345678901234567890123456 IN A 192.0.2.250
${deep30%.} IN AAAA 2001:db8:53::250
${deep40%.} IN TXT "forty labels"
*.$l63 IN TXT "wild under a long label"
ZONE
}

# queries ZONE: the corpus for one zone, "NAME TYPE" per line.
queries() {
	local zone=$1 origin types name type i
	origin=$("$BUILD/tests/list_answers" --names "$zone" | awk "NR == 1")
	mapfile -t types < <({ "$BUILD/tests/list_answers" "$zone" | awk '{print $2}'; printf '%s\n' "${ABSENT_TYPES[@]}"; } | sort -u)
	while read -r name; do
		for type in "${types[@]}"; do echo "$name $type"; done
		case $name in
		\*.*) echo "r$RANDOM.${name#\*.} A"          # under the wildcard,
		       # and two labels under: the next closer name is not the qname
		       [ ${#name} -lt 230 ] && echo "r$RANDOM.r$RANDOM.${name#\*.} MX" ;;
		*) [ ${#name} -lt 230 ] && echo "r$RANDOM.$name A" ;;  # below every name
		esac
	done < <("$BUILD/tests/list_answers" --names "$zone")
	for i in $(seq 1 10); do echo "n$RANDOM-$i.$origin AAAA"; done
}

mixed_case() { python3 -c 'import sys,random
for line in sys.stdin:
    name, qtype = line.split()
    print("".join(c.upper() if random.random() < .5 else c for c in name), qtype)'; }

ask() {
	local server=$1 variant=$2 file=$3
	# shellcheck disable=SC2046,SC2086
	cli kdig +norec +ignore +time=2 +retry=1 $variant @"$server" $(cat "$file") |
		"$ROOT/tests/e2e/kdig_normalize.py"
}

tx_total() {
	local r total=0
	for r in "${TX_REASONS[@]}"; do total=$((total + $(counter "$r"))); done
	echo "$total"
}

# A zone of 5,000 names: its chain of denial fills a three-level index
# (64 proofs a node), so the program's search walks every level.
write_big_zone() {
	local i
	printf '$ORIGIN %s\n$TTL 600\n@ IN SOA ns1 hostmaster 1 3600 600 86400 120\n@ IN NS ns1\nns1 IN A 192.0.2.1\n' "$1"
	for i in $(seq 1 5000); do echo "h$i IN A 192.0.2.$((i % 250 + 1))"; done
	echo "*.w IN TXT \"wild\""
}

setup_network
write_long_zone > "$WORK/long.test.zone"
write_big_zone big.test. > "$WORK/big.test.zone"
write_big_zone big3.test. > "$WORK/big3.test.zone"
BIG=$(sign_zone "$WORK/big.test.zone" big.test)
BIG3=$(sign_zone "$WORK/big3.test.zone" big3.test ED25519 nsec3)
SIGNED=$(sign_zone "$ROOT/tests/zones/signed.test.zone" signed.test)
sed 's/signed\.test\./nsec3.test./' "$ROOT/tests/zones/signed.test.zone" > "$WORK/nsec3.test.zone"
SIGNED3=$(sign_zone "$WORK/nsec3.test.zone" nsec3.test ED25519 nsec3)
sed 's/signed\.test\./optout.test./' "$ROOT/tests/zones/signed.test.zone" > "$WORK/optout.test.zone"
# Empty non-terminals above opt-out delegations alone, unsigned and signed.
printf '%s\n' 'd.ent2 IN NS ns.example.net.' 'd.ent3 IN NS ns.example.net.' \
	'd.ent3 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' \
	'x.y.ent4 IN NS ns.example.net.' >> "$WORK/optout.test.zone"
OPTOUT=$(sign_zone "$WORK/optout.test.zone" optout.test ECDSAP256SHA256 nsec3-optout)
ZONES=("$ROOT/tests/zones/example.test.zone" "$SIGNED" "$SIGNED3" "$OPTOUT" "$WORK/long.test.zone"
       "$ROOT/tests/zones/additional.test.zone")
xdpcastd_args=()
for z in "${ZONES[@]}" "$BIG" "$BIG3"; do xdpcastd_args+=(--zone "$z"); done
style=""
if [ "${MINIMAL:-0}" = 1 ]; then
	NSD_SERVER_OPTIONS="  minimal-responses: yes"
	xdpcastd_args+=(--minimal-responses)
	style=" (minimal responses)"
fi
start_nsd "${ZONES[@]}" "$BIG" "$BIG3"
start_xdpcastd --xdp-mode native --config "$ROOT/tests/fidelity/no-limits.yaml" "${xdpcastd_args[@]}"

for z in "${ZONES[@]}"; do queries "$z"; done | mixed_case > "$WORK/corpus"
corpus_size=$(wc -l < "$WORK/corpus")
compared=0
answered=0
# What XDP passes, NSD behind it answers as it answers directly: the
# comparison alone would pass a program that answers nothing. Each variant
# and family must be answered in XDP for a third of the corpus at least
# (about two thirds without DO, two fifths with it, where signed answers
# outgrow a veth frame's room).
for variant in "${VARIANTS[@]}"; do
	for family in 4 6; do
		if [ $family = 4 ]; then xdp=$ANYCAST4 nsd=$UNICAST4; else xdp=$ANYCAST6 nsd=$UNICAST6; fi
		tx_asked=$(tx_total)
		via_xdp=$(ask $xdp "$variant" "$WORK/corpus")
		in_xdp=$(( $(tx_total) - tx_asked ))
		[ $((in_xdp * 3)) -ge "$corpus_size" ] ||
			fail "IPv$family $variant: $in_xdp of $corpus_size queries answered in XDP (a third at least)"
		answered=$((answered + in_xdp))
		via_nsd=$(ask $nsd "$variant" "$WORK/corpus")
		[ "$(grep -c '^----$' <<<"$via_xdp")" -eq "$corpus_size" ] || fail "IPv$family $variant: not every query was answered via XDP"
		if [ "$via_xdp" != "$via_nsd" ]; then
			diff <(echo "$via_nsd") <(echo "$via_xdp") | head -40 >&2 || true
			fail "IPv$family $variant: answers via XDP differ from NSD's (above: < NSD, > XDP)"
		fi
		compared=$((compared + corpus_size))
	done
done

# DO=1 to the signed zones, through the program itself (BPF_PROG_TEST_RUN,
# whose frames have a page of room: a veth frame here has too little for
# most signed answers, which the comparison above then leaves to NSD).
# Every answer is compared with NSD's as a set per section, and every
# query must be answered in XDP (the program has each DO=1 answer of
# these zones: data, denials, wildcards and CNAME chains from them), but
# two shapes whose answers are over 1,232 octets uncompressed, as the
# answers that serve many names are stored (the program passes what it
# cannot send whole): below *.wcx, a CNAME to a name that does not exist,
# NSEC3's answer (the chain, the SOA, four NSEC3s and their RRSIGs); and
# the referral to wide, eight name servers with sixteen glue records.
# And mx10's MX answer, whose additional records fit only in part (NSD
# sends those that fit; the program sends all or none, so it passes).
# Names of NSEC3 records are not names of the zone (RFC 5155 section
# 7.2.8), and RRSIG queries are the server's: left to NSD, not asked.
# Each zone also gets the names whose proofs are at the edges of its chain
# and of the nodes of its denial index (chain_edges.py): the NSEC3 covering
# a hash below the first owner hash, wrapping around, and the owners on
# either side of a node boundary of the two- and three-level indexes.
signed_share=()
# lookups CORPUS: `xdpcastctl --json --dnssec lookup` of each "NAME TYPE"
# line, in order. Each lookup is a process of its own (an ASan build's
# start and leak check take ~100 ms), so the two halves run at once.
lookups() {
	local half pids=()
	split -n l/2 -d "$1" "$WORK/half."
	for half in "$WORK/half.00" "$WORK/half.01"; do
		while read -r name type; do
			ctl --json --dnssec lookup "$name" "$type"
		done < "$half" > "$half.json" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$WORK/half.00.json" "$WORK/half.01.json"
}
big_queries() {         # random names below the big zone's names, and types they lack
	local i
	for i in $(seq 1 150); do
		echo "x$RANDOM.h$((RANDOM % 5000 + 1)).$1 A"
		echo "h$((RANDOM % 5000 + 1))-$RANDOM.$1 AAAA"
		echo "h$((RANDOM % 5000 + 1)).$1 MX"
	done
	echo "r$RANDOM.w.$1 TXT"
	echo "r$RANDOM.w.$1 A"
}
for z in "$SIGNED" "$SIGNED3" "$OPTOUT" "$BIG" "$BIG3"; do
	{
		case $z in
		"$BIG"|"$BIG3") big_queries "$(basename "$z" .signed)." ;;
		*) queries "$z" | grep -Eiv '(^|\.)[0-9a-v]{32}\.(nsec3|optout)\.test\. | RRSIG$' ;;
		esac
		"$ROOT/tests/fidelity/chain_edges.py" "$z" "$(basename "$z" .signed)"
	} | mixed_case > "$WORK/signed_corpus"
	size=$(wc -l < "$WORK/signed_corpus")
	lookups "$WORK/signed_corpus" > "$WORK/lookups.json"
	# shellcheck disable=SC2046
	cli kdig +norec +dnssec +bufsize=1232 +time=2 +retry=1 @$UNICAST4 $(cat "$WORK/signed_corpus") > "$WORK/nsd.txt"
	may_pass=()
	case $z in
	"$SIGNED") may_pass=(--may-pass '(^|\.)(wide|mx10)\.[^.]+\.test\.$') ;;
	"$SIGNED3"|"$OPTOUT") may_pass=(--may-pass '(^|\.)(wide|mx10)\.[^.]+\.test\.$|^[^*].*\.wcx\.') ;;
	esac
	in_xdp=$("$ROOT/tests/fidelity/compare_lookups.py" --all "${may_pass[@]}" "$WORK/lookups.json" "$WORK/nsd.txt") ||
		fail "$(basename "$z" .signed): DO=1 answers of the program (test run) differ from NSD's or were passed (above)"
	compared=$((compared + in_xdp))
	signed_share+=("$(basename "$z" .signed) $in_xdp of $size")
done
stop_xdpcastd
echo "fidelity$style: $compared queries compared, 0 differences;" \
     "$answered ($((answered * 100 / compared))%) answered in XDP," \
     "the rest by NSD behind it; DO=1 queries to signed zones answered in XDP, all but the oversized" \
     "ones below *.wcx and wide and mx10's MX (test run): ${signed_share[*]}"
