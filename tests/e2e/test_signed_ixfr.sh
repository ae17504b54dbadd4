#!/usr/bin/env bash
# A zone Knot signs itself (NSEC3 with RFC 9276's parameters, then NSEC),
# followed by NOTIFY + IXFR: a commit (a name added, one removed, a
# wildcard and an empty non-terminal added), a re-sign of every RRset and
# a commit removing names. A signer's IXFR takes out every signature of an
# RRset and puts new ones in, which aborted xdpcastd in the zone patch.
# After each change the serial is answered and every DO=1 answer (the
# program's, test run) equals NSD's for the zone as Knot then has it
# (AXFR), each answered in XDP.
source "$(dirname "$0")/lib.sh"

setup_network
kctl() { srv knotc -s "$WORK/knot.sock" "$@"; }
knot_serial() { srv kdig +short -p 5300 @127.0.0.1 signed.test SOA | awk '{print $3}'; }
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: 127.0.0.1@5301
  zones:
    - {zone: signed.test, primary: 127.0.0.1@5300}
YAML

# compare WHAT HOW: the DO=1 answers of the names of Knot's copy (and names
# below them, and random ones) against NSD serving that copy.
compare() {
	local serial name type nsd_pid
	serial=$(knot_serial)
	# Applied from the primary: a kept copy of that serial says "serial N:"
	# too, and the transfer that brings it may still be on its way.
	wait_for "serial $serial transferred ($1)" grep -q "zone signed.test. serial $serial: [0-9]" "$WORK/xdpcastd.log"
	grep -q "zone signed.test.: $2 from 127.0.0.1@5300, serial [0-9]* -> $serial," "$WORK/xdpcastd.log" ||
		fail "serial $serial not by $2: $(grep 'signed.test.: ' "$WORK/xdpcastd.log")"
	# The names of the copy before too: those a change removed must be gone.
	[ ! -f "$WORK/axfr.zone" ] || mv "$WORK/axfr.zone" "$WORK/axfr.before"
	srv kdig -p 5300 @127.0.0.1 +nocomments +noquestion +nostats signed.test AXFR |
		grep -v '^;' | awk 'NF' | sed '$d' > "$WORK/axfr.zone"       # without the closing SOA
	if [ -f "$WORK/nsd.pid" ]; then
		# Read once: NSD removes the file as it exits, before it is gone.
		nsd_pid=$(cat "$WORK/nsd.pid")
		kill "$nsd_pid"
		wait_for "the previous NSD gone" eval '! kill -0 "$nsd_pid" 2>/dev/null'
	fi
	start_nsd "$WORK/axfr.zone"
	{
		# NSEC3 owners are not names of the zone (RFC 5155 section 7.2.8)
		for copy in "$WORK/axfr.zone" "$WORK/axfr.before"; do
			[ ! -f "$copy" ] || "$BUILD/tests/list_answers" --names "$copy"
		done | grep -Eiv '^[0-9a-v]{32}\.' | sort -u |
			while read -r name; do
				for type in A TXT MX DS NSEC; do echo "$name $type"; done
				echo "x$RANDOM.$name A"
				echo "x.y$RANDOM.$name TXT"
			done
		for i in $(seq 1 20); do echo "n$RANDOM-$i.signed.test. AAAA"; done
	} > "$WORK/corpus"
	while read -r name type; do
		ctl --json --dnssec lookup "$name" "$type"
	done < "$WORK/corpus" > "$WORK/lookups.json"
	# shellcheck disable=SC2046
	cli kdig +norec +dnssec +bufsize=1232 +time=2 +retry=1 @"$UNICAST4" $(cat "$WORK/corpus") > "$WORK/nsd.txt"
	"$ROOT/tests/fidelity/compare_lookups.py" --all "$WORK/lookups.json" "$WORK/nsd.txt" > /dev/null ||
		fail "$1 (serial $serial): DO=1 answers differ from NSD's or were passed (above)"
	echo "ok - $DENIAL, $1: serial $serial by $2, $(wc -l < "$WORK/corpus") DO=1 queries answered in XDP as NSD answers them"
}

for DENIAL in NSEC3 NSEC; do
	# Each round from a fresh start: the last one's copy on disk (beside
	# the state file) would be served first, with its serial.
	rm -rf "$WORK/knot" "$WORK/zones" "$WORK/state.json" "$WORK/axfr.zone" "$WORK/axfr.before"
	mkdir -p "$WORK/knot"
	cat > "$WORK/knot/signed.test.zone" <<'ZONE'
$ORIGIN signed.test.
@ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.80
*.w 300 IN TXT "wild"
a.b.ent 300 IN A 192.0.2.81
ZONE
	{
		knot_local_head info 127.0.0.1@5301
		cat <<CONF
policy:
  - id: signer
    algorithm: ecdsap256sha256
    nsec3: $([ $DENIAL = NSEC3 ] && echo on || echo off)
    nsec3-iterations: 0
    nsec3-salt-length: 0
zone:
$(knot_zone signed.test local "notify: xdpcast" "dnssec-signing: on" "dnssec-policy: signer")
CONF
	} > "$WORK/knot.conf"
	run_local_knot 60 signed.test DNSKEY
	start_xdpcastd --config "$WORK/xdpcastd.yaml"
	compare "signed by Knot" AXFR

	kctl zone-begin signed.test > /dev/null
	kctl zone-set signed.test new1 300 A 192.0.2.101 > /dev/null
	kctl zone-set signed.test c.d.ent2 300 A 192.0.2.102 > /dev/null
	kctl zone-set signed.test '*.v' 300 A 192.0.2.103 > /dev/null
	kctl zone-unset signed.test www > /dev/null
	kctl zone-commit signed.test > /dev/null
	compare "a commit" IXFR

	before=$(knot_serial)
	kctl zone-sign signed.test > /dev/null
	wait_for "Knot's re-sign" eval "[ \"\$(knot_serial)\" != $before ]"
	compare "every RRset signed again" IXFR

	kctl zone-begin signed.test > /dev/null
	kctl zone-unset signed.test a.b.ent > /dev/null
	kctl zone-unset signed.test '*.w' > /dev/null
	kctl zone-commit signed.test > /dev/null
	compare "names and a wildcard removed" IXFR

	stop_xdpcastd
	kill "$KNOT_PID"
	wait "$KNOT_PID" 2>/dev/null || true
done
