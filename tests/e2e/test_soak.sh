#!/usr/bin/env bash
# A PoP's life, over and over, for SOAK_SECONDS (default 20) after two
# cycles that set the baseline: queries answered from XDP and passed to
# NSD, zone file edits by SIGHUP and
# `xdpcastctl reload`, a Knot primary's commits sent by NOTIFY (IXFR for
# local.test, AXFR for full.test, whose journal Knot does not keep), SOA
# refresh timers every 2 s, the zone watch, a health command, NSD stopped
# and started (withdrawn, announced through BIRD), BIRD and Knot restarted,
# drain/undrain, block add/del, status, stats, catchment, /metrics,
# control-socket clients that connect and say nothing, a catalog member
# added and removed, and a handover after the first cycle and every fourth
# after. Each cycle ends where it began (every edit undone), so what
# the daemon holds after the last cycle must be what it held after the
# second: descriptors, threads, children, map descriptors, blob pages,
# keys in the names table, bytes in the answer cache, source filter entries,
# lines of /metrics. RSS, mappings, log volume and BIRD's reconfigurations
# are reported, not judged (they move with malloc and timing). Run with an
# ASan build (BUILD=build-asan, `make SANITIZE=1`) it also checks that every
# daemon exits without a report from the sanitizers.
#
#   SOAK_SECONDS=900 SOAK_REPORT=/tmp/soak.tsv BUILD=build-asan tests/e2e/test_soak.sh
source "$(dirname "$0")/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-20}
ZONE=$WORK/example.test.zone
REPORT=${SOAK_REPORT:-$WORK/soak.tsv}
kctl() { srv knotc -s "$WORK/knot.sock" "$@" > /dev/null; }

setup_network
cp "$ROOT/tests/zones/example.test.zone" "$ZONE"
mkdir -p "$WORK/knot" "$WORK/run" "$WORK/zones"
# A zone that only the zone watch reloads: written anew (renamed into place) each cycle.
"$ROOT/tests/tools/names_zone.sh" watched.test 20 > "$WORK/zones/watched.test.zone"

# The primary: local.test with a journal (IXFR), full.test without (every
# transfer an AXFR), the catalog catalog.test of a.test (and b.test, now
# and then); NOTIFY to xdpcastd and to NSD, its other secondary.
for zone in local.test full.test a.test b.test; do
	{
		echo "\$ORIGIN $zone."
		echo "@ 60 IN SOA ns1 hostmaster 1 2 1 86400 60"      # refresh 2 s, retry 1 s
		echo "@ 60 IN NS ns1"
		echo "ns1 60 IN A 192.0.2.53"
		for i in $(seq 1 50); do echo "h$i 60 IN A 192.0.2.$i"; done
	} > "$WORK/knot/$zone.zone"
done
# write_knot_conf [MEMBER]: the catalog's members are a.test and MEMBER.
write_knot_conf() {
	local member
	cat > "$WORK/knot.conf" <<CONF
$(knot_conf_head 127.0.0.1@5300 warning)
acl:
  - id: local
    address: [127.0.0.1, $UNICAST4]
    action: transfer
remote:
  - id: secondaries
    address: [127.0.0.1@5301, $UNICAST4@53]
template:
  - id: default
    storage: "$WORK/knot"
    acl: local
    zonefile-sync: -1
    notify: secondaries
zone:
  - domain: local.test.
  - domain: full.test.
    journal-content: none
    zonefile-sync: 0            # no journal: kept in its file across restarts
  - domain: catalog.test.
    catalog-role: generate
CONF
	for member in a.test "$@"; do
		printf '  - domain: %s.\n    catalog-role: member\n    catalog-zone: catalog.test.\n' "$member" >> "$WORK/knot.conf"
	done
}
write_knot_conf
start_knot() {
	ip netns exec "$NS_SRV" knotd -c "$WORK/knot.conf" >> "$WORK/knot.log" 2>&1 &
	KNOT_PID=$!
	PIDS+=($KNOT_PID)
	wait_within "Knot" 60 knot_serves
}
# knot_serves: Knot answers the SOA of each zone NSD transfers (NSD's
# first transfer of one it has not loaded yet would be refused, and NSD
# back off).
knot_serves() {
	local zone
	for zone in local.test full.test; do
		srv kdig +short +time=1 +retry=0 -p 5300 @127.0.0.1 "$zone" SOA 2>/dev/null | grep -q . || return 1
	done
}
start_knot

# NSD: a secondary of the zones that change; the catalog's members, which
# do not, from Knot's files (a restarted NSD transfers less, so comes back sooner).
NSD_SERVER_OPTIONS=$(for zone in local.test full.test; do
	printf '%s\n' "zone:" "  name: $zone" "  request-xfr: 127.0.0.1@5300 NOKEY" "  allow-notify: 0.0.0.0/0 NOKEY"
done)
NSD_ZONES=("$ZONE" "$WORK/zones/watched.test.zone" "$WORK/knot/a.test.zone" "$WORK/knot/b.test.zone")
start_nsd "${NSD_ZONES[@]}"
NSD_PID=${PIDS[-1]}

start_bgp_pair 4

cat > "$WORK/xdpcastd.yaml" <<YAML
zones: [$ZONE, $WORK/zones/watched.test.zone]
drain_ms: 0
bgp: {asn: 64501, drain: {prepend: 2}}
health:
  interval_ms: 200
  rise: 2
  fall: 2
  commands: [{name: web, run: "test -e $WORK/zones"}]
zone_watch: {enabled: true, delay_ms: 100}
transfer:
  notify_listen: 127.0.0.1@5301
  zones:
    - {zone: local.test, primary: 127.0.0.1@5300}
    - {zone: full.test, primary: 127.0.0.1@5300}
    - {zone: catalog.test, primary: 127.0.0.1@5300, catalog: true}
YAML
daemon() {
	start_xdpcastd --config "$WORK/xdpcastd.yaml" --bird-socket "$POP_SOCK" \
		--bird-include "$INCLUDE" --metrics $UNICAST4:9153
}
announced() { transit_has 192.0.2.0/24; }
withdrawn() { lacks transit_has 192.0.2.0/24; }
# serial_is ZONE SERIAL: the fast path answers ZONE's SOA with SERIAL.
serial_is() {
	local before
	before=$(counter dns_answer)
	[ "$(cli kdig +short +norec +time=1 +retry=0 @$ANYCAST4 "$1" SOA 2>/dev/null | awk '{print $3}')" = "$2" ] &&
		[ "$(counter dns_answer)" -eq $((before + 1)) ]
}
# served ZONE: the daemon serves ZONE (a catalog member).
served() { grep -q "^zone $1\. " <<< "$(ctl status)"; }
metrics() { http_get "http://$UNICAST4:9153/metrics"; }

# What the daemon holds, one tab-separated line: RSS (KiB), descriptors,
# threads, child processes, memory mappings, BPF map descriptors, blob
# pages in xdpcast_blob, keys in the names table in force, bytes of the
# zones' records in the cache, entries of xdpcast_source_filter, lines of
# /metrics, bytes of log (all daemons), BIRD's reconfigurations so far.
# Descriptors, children and map descriptors come and go with each health
# round (a socket, a command, the pinned maps test-run): the least of five
# readings, so that only what stays is counted.
SAMPLE_FIELDS="rss_kib fds threads children mappings map_fds blob_pages names cache_bytes source_filter metrics_lines log_bytes bird_configures"
JUDGED="fds threads children map_fds blob_pages names cache_bytes source_filter metrics_lines"
held() {
	local pid=$XDPCASTD_PID i
	for i in 1 2 3 4 5; do
		printf '%s %s %s %s\n' "$(ls /proc/$pid/fd | wc -l)" "$(awk '/^Threads/ {print $2}' /proc/$pid/status)" \
			"$(pgrep -c -P "$pid" || true)" \
			"$(for f in /proc/$pid/fd/*; do readlink "$f"; done 2>/dev/null | grep -c 'anon_inode:bpf-map')"
		sleep 0.1
	done | awk 'NR == 1 {split($0, m)} {for (i = 1; i <= 4; i++) if ($i < m[i]) m[i] = $i}
		END {print m[1], m[2], m[3], m[4]}'
}
sample() {
	local pid=$XDPCASTD_PID names_id fds threads children map_fds
	read -r fds threads children map_fds <<< "$(held)"
	# Slot 0 of xdpcast_answer_gen: the names table's id, little-endian bytes.
	names_id=$(bpftool -j map dump pinned "$PIN_DIR/xdpcast_answer_gen" |
		json 'int.from_bytes(bytes(int(b, 16) for b in v[0]["value"]), "little")')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)" "$fds" "$threads" "$children" \
		"$(wc -l < /proc/$pid/maps)" "$map_fds" \
		"$(bpftool -j map dump pinned "$PIN_DIR/xdpcast_blob" | json 'len(v)')" \
		"$(bpftool -j map dump id "$names_id" |
			json 'sum(s["qclass"] not in (0, 0xffff) for e in v for s in e["formatted"]["value"]["slot"])')" \
		"$(ctl status --json | json 'sum(z["cache_bytes"] for z in v["zones"])')" \
		"$(bpftool -j map dump pinned "$PIN_DIR/xdpcast_source_filter" | json 'len(v)')" \
		"$(metrics | wc -l)" \
		"$(($(cat "$WORK"/xdpcastd-*.log 2>/dev/null | wc -c) + $(wc -c < "$WORK/xdpcastd.log")))" \
		"$(grep -c "Reconfigured" "$WORK/bird-pop.log")"
}

# A Knot commit of ZONE (zone-set or zone-unset ARGS), then the fast path
# answers ZONE's SOA with its new serial.
declare -A SERIAL=([local.test]=1 [full.test]=1)
commit() {
	local zone=$1
	shift
	kctl zone-begin "$zone"
	kctl "$@"
	kctl zone-commit "$zone"
	SERIAL[$zone]=$((SERIAL[$zone] + 1))
	wait_for "$zone serial ${SERIAL[$zone]} from XDP" serial_is "$zone" "${SERIAL[$zone]}"
}

# edit_zone SED: the file zone edited with a new serial; NSD reloads it.
FILE_SERIAL=2026112401
edit_zone() {
	FILE_SERIAL=$((FILE_SERIAL + 1))
	sed -i -e "s/^@ *IN SOA .*/@ IN SOA ns1 hostmaster $FILE_SERIAL 7200 900 1209600 300/" -e "$1" "$ZONE"
	kill -HUP "$NSD_PID"
	wait_for "NSD at serial $FILE_SERIAL" eval "cli kdig +short +norec @$UNICAST4 example.test SOA | grep -q ' $FILE_SERIAL '"
}

# handover: SIGUSR1, the daemon exits 0 (and, under ASan, without a word
# from the sanitizers), the one started after takes over. Its log is kept.
HANDOVERS=0
handover() {
	local rc=0
	kill -USR1 "$XDPCASTD_PID"
	wait "$XDPCASTD_PID" || rc=$?
	HANDOVERS=$((HANDOVERS + 1))
	cp "$WORK/xdpcastd.log" "$WORK/xdpcastd-$HANDOVERS.log"
	[ "$rc" -eq 0 ] || fail "the daemon exited with $rc at handover $HANDOVERS: $(tail -20 "$WORK/xdpcastd-$HANDOVERS.log")"
	grep -q "handed over" "$WORK/xdpcastd-$HANDOVERS.log" || fail "no handover logged"
	! grep -q "Sanitizer\|runtime error" "$WORK/xdpcastd-$HANDOVERS.log" ||
		fail "the sanitizers at handover $HANDOVERS: $(cat "$WORK/xdpcastd-$HANDOVERS.log")"
	daemon
}

# One cycle: everything changes and is changed back.
WATCHED_SERIAL=1
cycle() {
	local before connects
	# Queries: answered from XDP on the anycast address, passed on the unicast one.
	before=$(counter dns_answer)
	cli python3 "$ROOT/tests/e2e/query_loop.py" $ANYCAST4 www.example.test 1 A IN 300 > /dev/null
	cli python3 "$ROOT/tests/e2e/query_loop.py" $UNICAST4 h1.local.test 0.3 A IN 300 > /dev/null
	[ "$(counter dns_answer)" -gt "$before" ] || fail "no query answered from XDP"
	# Zone file: a name added by SIGHUP, removed by xdpcastctl reload
	# (NSD reading the file first, as a PoP's deployment does).
	edit_zone "\$a soak IN A 192.0.2.99"
	kill -HUP "$XDPCASTD_PID"
	wait_for "the file zone's new name from XDP" xdp_answers soak.example.test A 192.0.2.99
	edit_zone '/^soak IN A/d'
	ctl reload > /dev/null || fail "xdpcastctl reload failed"
	# A catalog member added on the primary, then removed.
	write_knot_conf b.test
	kctl reload
	wait_for "member b.test served" served b.test
	write_knot_conf
	kctl reload
	wait_for "member b.test gone" ctl_lacks "^zone b.test\. " status
	# A new serial of the watched zone, renamed into place: the zone watch alone.
	WATCHED_SERIAL=$((WATCHED_SERIAL + 1))
	"$ROOT/tests/tools/names_zone.sh" watched.test 20 $WATCHED_SERIAL > "$WORK/watched.new"
	mv "$WORK/watched.new" "$WORK/zones/watched.test.zone"
	kill -HUP "$NSD_PID"
	wait_for "watched.test serial $WATCHED_SERIAL from XDP" serial_is watched.test $WATCHED_SERIAL
	# NOTIFY + IXFR, NOTIFY + AXFR: a name added, then removed.
	commit local.test zone-set local.test soak 60 A 192.0.2.98
	commit local.test zone-unset local.test soak A
	commit full.test zone-set full.test soak 60 A 192.0.2.97
	commit full.test zone-unset full.test soak A
	# The primary away for two SOA refreshes (connections refused), then back.
	kill "$KNOT_PID"
	wait "$KNOT_PID" 2>/dev/null || true
	sleep 2
	start_knot
	# The operator.
	ctl status > /dev/null
	ctl stats > /dev/null
	ctl catchment > /dev/null
	ctl block add 203.0.113.128/25 > /dev/null
	ctl block del 203.0.113.128/25 > /dev/null
	ctl drain 192.0.2.0/24 > /dev/null
	ctl undrain > /dev/null
	# Control-socket clients that connect and leave, or say nothing past
	# their deadline (meanwhile the cycle goes on).
	python3 -c 'import socket, sys, time
quiet = [socket.socket(socket.AF_UNIX) for _ in range(3)]
for s in quiet: s.connect(sys.argv[1])
quiet[0].close(); quiet[1].close(); time.sleep(2.5)' "$CONTROL_SOCKET" &
	QUIET_CLIENT=$!
	metrics > /dev/null
	# The server behind fails and comes back.
	kill "$NSD_PID"
	wait "$NSD_PID" 2>/dev/null || true
	wait_for "withdrawn after NSD stopped" withdrawn
	# NSD keeps its secondaries' timers in xfrd.state, among them a backoff
	# that grows at every refresh the primary's absence failed: a restarted
	# NSD, its secondaries empty, waited that many times 10-20 s for their
	# first transfer (over 15 s after a few cycles). Without the file it
	# transfers them at once (its documented way). NSD's timers, not ours.
	rm -f "$WORK/xfrd.state"
	start_nsd "${NSD_ZONES[@]}"
	NSD_PID=${PIDS[-1]}
	wait_within "announced after NSD came back" 15 announced
	# BIRD restarted: xdpcastd connects again and BIRD reads the file.
	connects=$(grep -c "connected to BIRD" "$WORK/xdpcastd.log")
	kill "$POP_BIRD"
	wait "$POP_BIRD" 2>/dev/null || true
	start_pop_bird
	wait_within "xdpcastd back on BIRD" 40 eval '[ "$(grep -c "connected to BIRD" "$WORK/xdpcastd.log")" -gt "$connects" ]'
	wait_within "announced after BIRD came back" 15 announced
	wait "$QUIET_CLIENT"
	# Settled before a sample: NSD's copies and every serial current.
	wait_for "NSD's copies current" eval 'cli kdig +short +norec @$UNICAST4 local.test SOA | grep -q " ${SERIAL[local.test]} "'
}

daemon
wait_within "announced" 15 announced
wait_for "local.test from XDP" serial_is local.test 1
wait_for "full.test from XDP" serial_is full.test 1
wait_for "catalog member a.test" served a.test

cycle
handover
cycle
echo "seconds cycle $SAMPLE_FIELDS" | tr ' ' '\t' > "$REPORT"
started=$(date +%s)
first=$(sample)
printf '0\t2\t%s\n' "$first" >> "$REPORT"
cycles=2
# A daemon's own figures (descriptors, threads, children) start afresh at a
# handover: the last sample must come from a daemon two cycles old at least,
# so that a leak per cycle shows against the first (taken one cycle after
# its daemon took over).
daemon_cycles=1
while [ $(($(date +%s) - started)) -lt "$SOAK_SECONDS" ] || [ "$daemon_cycles" -lt 2 ]; do
	if [ $((cycles % 4)) -eq 1 ]; then
		handover
		daemon_cycles=0
	fi
	cycle
	cycles=$((cycles + 1))
	daemon_cycles=$((daemon_cycles + 1))
	last=$(sample)
	printf '%s\t%s\t%s\n' $(($(date +%s) - started)) $cycles "$last" >> "$REPORT"
done
elapsed=$(($(date +%s) - started))

# Growth per hour of every figure, from the sample after cycle 2 to the last.
python3 - "$REPORT" "$elapsed" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
head, first, last = rows[0], rows[1], rows[-1]
hours = max(int(sys.argv[2]), 1) / 3600
print("soak: %s cycles in %s s" % (int(last[1]) - 2, sys.argv[2]))
for name, a, b in zip(head[2:], first[2:], last[2:]):
    print("  %-14s %10s -> %10s  (%+.0f/h)" % (name, a, b, (int(b) - int(a)) / hours))
PY

# What must not move.
IFS=$'\t' read -r -a a <<< "$first"
IFS=$'\t' read -r -a b <<< "$last"
fields=($SAMPLE_FIELDS)
for i in "${!fields[@]}"; do
	[[ " $JUDGED " == *" ${fields[$i]} "* ]] || continue
	[ "${a[$i]}" = "${b[$i]}" ] || fail "${fields[$i]} went from ${a[$i]} after cycle 2 to ${b[$i]} after cycle $cycles"
done
echo "ok - $((cycles - 2)) more cycles ($HANDOVERS handovers) in $elapsed s: $JUDGED as after cycle 2"

stop_xdpcastd
! grep -q "Sanitizer\|runtime error" "$WORK/xdpcastd.log" || fail "the sanitizers: $(cat "$WORK/xdpcastd.log")"
echo "ok - every daemon exited 0 ($HANDOVERS handovers, a stop) with nothing from the sanitizers"
