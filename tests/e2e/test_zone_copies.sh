#!/usr/bin/env bash
# The transferred zones' copies kept on disk (transfer.copies) as the
# daemon's jobs race them: a catalog member removed while its copy is
# being written on the zones lane (held there by tests/tools/stall_write.c)
# had the copy written back after zone_copy_forget: a file of a zone no
# longer ours was left on disk, to be taken at a start were it listed again;
# a catalog's IXFR, applied in place on the loop's thread, changed the zone
# its copy was being written from (a copy with two SOA records, read from
# memory the change had freed); then it was taken as an AXFR instead: it is
# applied on the zones lane now, after the write, still an IXFR. A change
# not on disk yet when the daemon stopped was lost: a start without its
# primary served the serial before it. A write cut short left its
# temporary file for ever. A member one catalog dropped was looked for in
# the other catalogs' zones, read on the loop's thread while an IXFR
# changed one of them on the zones lane (a read of freed memory). An
# IXFR the zones lane applied as the daemon stopped was not written then.
# The writes at a stop held it past the unit's TimeoutStopSec unextended.
# A start stopped while it waited for a slow primary kept none of the
# transfers it had finished.
#
#   primary ns  veth-p 203.0.113.2/24 ──┐
#   server ns   veth-x 203.0.113.1/24 ──┘  (+ the client link of lib.sh)
source "$(dirname "$0")/lib.sh"
kctl() { pri knotc -s "$WORK/knot.sock" "$@"; }
# ixfrs_sent ZONE: how many IXFRs of ZONE the primary has sent.
ixfrs_sent() { grep -c "\[$1\.\] IXFR, outgoing, .* finished" "$WORK/knot.log" || true; }
# ixfr_queued ZONE SENT: the primary sent ZONE one IXFR more than SENT, and
# a moment passed for xdpcastd to read it and queue it on the zones lane
# (behind a stalled write: nothing says so but the time).
ixfr_queued() {
	local zone=$1 sent=$2
	wait_within "$zone's IXFR sent" 20 eval '[ "$(ixfrs_sent "$zone")" -gt "$sent" ]'
	sleep 0.5
}
log_has() { grep -q "$1" "$WORK/xdpcastd.log"; }
setup_network
setup_primary_link
mkdir -p "$WORK/knot"
cat > "$WORK/knot/one.test.zone" <<ZONE
\$ORIGIN one.test.
@    300 IN SOA ns1.one.test. hostmaster.one.test. 1 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   192.0.2.111
ZONE
# catalog SERIAL [yes]: the catalog, listing one.test when asked.
catalog() { { echo "\$ORIGIN catalog.test."; echo "@ 0 IN SOA invalid. invalid. $1 3600 600 604800 0"; echo "@ 0 IN NS invalid."; echo 'version 0 IN TXT "2"'; [ -z "${2:-}" ] || echo "a1.zones 0 IN PTR one.test."; } > "$WORK/knot/catalog.test.zone"; }
catalog 1 yes
sed 's/one\.test/two.test/g' "$WORK/knot/one.test.zone" > "$WORK/knot/two.test.zone"
# other_catalog NAME SERIAL [PTR...]: a catalog of version 2 with these member nodes.
other_catalog() { local name=$1 serial=$2; shift 2; { echo "\$ORIGIN $name."; echo "@ 0 IN SOA invalid. invalid. $serial 3600 600 604800 0"; echo "@ 0 IN NS invalid."; echo 'version 0 IN TXT "2"'; printf '%s\n' "$@"; } > "$WORK/knot/$name.zone"; }
other_catalog cata.test 1 "a1.zones 0 IN PTR one.test."
other_catalog catb.test 1 "bstall.zones 0 IN PTR two.test."
{ knot_hidden_head info; echo "zone:"
knot_zone catalog.test pop "notify: xdpcast"; knot_zone one.test pop "notify: xdpcast"
knot_zone two.test pop "notify: xdpcast"; knot_zone cata.test pop "notify: xdpcast"
knot_zone catb.test pop "notify: xdpcast"; } > "$WORK/knot.conf"
ip netns exec "$NS_PRI" knotd -c "$WORK/knot.conf" > "$WORK/knot.log" 2>&1 &
KNOT_PID=$!; PIDS+=($KNOT_PID)
wait_for "Knot" eval 'pri kdig +short +time=1 +retry=0 @$PRIMARY www.one.test A 2>/dev/null | grep -q .'
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: catalog.test, primary: $PRIMARY, catalog: true}
YAML
STALL_NAME=/zones/one.test.zone STALL_MARKER=$WORK/stalled STALL_S=6 STALL_KEEP=$WORK/kept \
	XDPCASTD=$(shimmed) start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_within "one.test's copy being written" 20 test -e "$WORK/stalled"
catalog 2
kctl zone-reload catalog.test > /dev/null
wait_for "member removed" log_has "member one.test. removed"
wait_within "the stalled write over" 20 test -e "$WORK/stalled.over"
sleep 1         # what follows it on the lane
[ ! -e "$WORK/zones/one.test.zone" ] || fail "a removed member's copy written back after its removal: $(ls -l "$WORK/zones")"
echo "ok - a member removed while its copy is being written: no copy of it left on disk"
stop_xdpcastd

# The catalog's IXFR, applied in place on the loop's thread while its copy
# was being written on the zones lane: the copy read a zone changing under it.
rm -f "$WORK/stalled" "$WORK/stalled.over" "$WORK/kept"
STALL_NAME=catalog.test. STALL_MARKER=$WORK/stalled STALL_S=6 STALL_KEEP=$WORK/kept \
	XDPCASTD=$(shimmed) start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_within "the catalog's copy being written" 20 test -e "$WORK/stalled"
kctl zone-begin catalog.test > /dev/null
kctl zone-set catalog.test a1.zones 0 PTR one.test. > /dev/null
kctl zone-set catalog.test a3.zones 0 PTR three.test. > /dev/null
kctl zone-commit catalog.test > /dev/null
wait_for "the catalog at serial 3" log_has "zone catalog.test.: [A-Z]* from .* serial 2 -> 3,"
log_has "zone catalog.test.: IXFR from .* serial 2 -> 3," ||
	fail "the catalog's IXFR not applied as one: $(grep "catalog.test" "$WORK/xdpcastd.log" | tail -4)"
wait_within "the stalled copy written" 20 test -e "$WORK/kept"
kill -0 "$XDPCASTD_PID" || fail "xdpcastd died"
[ "$(grep -c "SOA" "$WORK/kept")" = 1 ] && ! grep -q PTR "$WORK/kept" ||
	fail "the copy written as the IXFR came is not the catalog at one serial: $(cat "$WORK/kept")"
echo "ok - the catalog's IXFR as its copy is being written: applied after the write, which holds the catalog at serial 2"

# The stalled write took 6 s: the next waits 50 times that, and the stop
# comes first.
grep -q "SOA.* 2 3600" "$WORK/zones/catalog.test.zone" || fail "the copy is not at serial 2: $(cat "$WORK/zones/catalog.test.zone")"
stop_xdpcastd
log_has "transferred zones whose copies were written as the daemon stops: [12] " || fail "no copy written at the stop: $(tail -5 "$WORK/xdpcastd.log")"
grep -q "SOA.* 3 3600" "$WORK/zones/catalog.test.zone" && [ "$(grep -c PTR "$WORK/zones/catalog.test.zone")" = 2 ] ||
	fail "the copy at the stop is not the catalog at serial 3: $(cat "$WORK/zones/catalog.test.zone")"
echo "ok - a change not on disk yet when the daemon stops: written as it stops (the catalog at serial 3)"

# A kill during a write leaves its temporary file beside the copy: the
# next start removes it (the copy itself is kept and served).
echo "junk a write left" > "$WORK/zones/catalog.test.zone.Ab12Cd"
start_xdpcastd --config "$WORK/xdpcastd.yaml"
log_has "transfer.copies: 1 temporary files of writes cut short removed from $WORK/zones" ||
	fail "the leftover not removed at the start: $(grep copies "$WORK/xdpcastd.log")"
[ ! -e "$WORK/zones/catalog.test.zone.Ab12Cd" ] && [ -e "$WORK/zones/catalog.test.zone" ] ||
	fail "zones/ after the start: $(ls "$WORK/zones")"
echo "ok - a temporary file a cut write left is removed at the next start, the copy kept"
stop_xdpcastd

# Two catalogs: the member one drops is looked for in the other, whose
# zone was read on the loop's thread while its IXFR changed it on the
# zones lane (a read of freed memory, a write past the members read).
# The zones lane is held by catb.test's copy write, so that its IXFR is
# applied there while the loop's thread, held in turn, reads catb.test
# for cata.test's AXFR, which drops one.test.
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: cata.test, primary: $PRIMARY, catalog: true}
    - {zone: catb.test, primary: $PRIMARY, catalog: true}
YAML
rm -f "$WORK/stalled" "$WORK/stalled.over" "$WORK/kept" "$WORK/zones/"*
STALL_NAME=/zones/catb.test.zone STALL_MARKER=$WORK/stalled STALL_S=12 \
	STALL_READ_NAME=bstall. STALL_READ_ARM=$WORK/read_arm STALL_READ_S=12 XDPCASTD=$(shimmed) \
	start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_within "catb.test's copy being written" 20 test -e "$WORK/stalled"
sent=$(ixfrs_sent catb.test)
kctl zone-begin catb.test > /dev/null
for i in $(seq 1 10); do kctl zone-set catb.test "n$i.zones" 0 PTR "n$i.test." > /dev/null; done
kctl zone-commit catb.test > /dev/null
ixfr_queued catb.test "$sent"
touch "$WORK/read_arm"
other_catalog cata.test 2
kctl zone-reload cata.test > /dev/null
alive() { kill -0 "$XDPCASTD_PID" 2>/dev/null; }
wait_within "catb.test's IXFR applied" 30 eval 'log_has "zone catb.test.: IXFR from .* serial 1 -> 2," || ! alive'
within 10 eval 'log_has "member one.test. removed" || ! alive' || fail "one.test not removed: $(grep one.test "$WORK/xdpcastd.log")"
alive && ! grep -q Sanitizer "$WORK/xdpcastd.log" ||
	fail "xdpcastd died reading a catalog as its IXFR changed it: $(tail -25 "$WORK/xdpcastd.log")"
echo "ok - a member one catalog drops looked for in another catalog as that one's IXFR is applied: nothing read as it changes"
stop_xdpcastd

# An IXFR applied as the daemon stops (its serve job waited on the zones
# lane behind a write): the fast path served it, but its copy was not
# marked as not on disk yet, and a start without the primary served the
# serial before it.
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: one.test, primary: $PRIMARY}
    - {zone: two.test, primary: $PRIMARY}
YAML
rm -f "$WORK/stalled" "$WORK/stalled.over" "$WORK/zones/"*
STALL_NAME=/zones/two.test.zone STALL_MARKER=$WORK/stalled STALL_S=12 XDPCASTD=$(shimmed) \
	start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_within "two.test's copy being written" 20 test -e "$WORK/stalled"
sent=$(ixfrs_sent one.test)
kctl zone-begin one.test > /dev/null
kctl zone-set one.test new 300 A 192.0.2.112 > /dev/null
kctl zone-commit one.test > /dev/null
ixfr_queued one.test "$sent"
stop_xdpcastd
grep -q "SOA.* 2 3600" "$WORK/zones/one.test.zone" && grep -q "192.0.2.112" "$WORK/zones/one.test.zone" ||
	fail "one.test's copy after the stop is not the serial its IXFR brought as it stopped: $(cat "$WORK/zones/one.test.zone")"
echo "ok - an IXFR applied as the daemon stops: its copy is written at the stop"

# The copies written at a stop or a handover hold the unit's
# TimeoutStopSec (30 s): systemd killed a daemon still writing, and the
# stop hook withdrew a handover's prefixes. Each write extends it, as the
# start's transfers do; here the stop comes before the copies' first write.
rm -f "$WORK/zones/"*
listen_notify
NOTIFY_SOCKET=$WORK/notify.sock start_xdpcastd --config "$WORK/xdpcastd.yaml"
stop_xdpcastd
log_has "transferred zones whose copies were written as the daemon stops: 2 " || fail "no copies written at the stop: $(tail -5 "$WORK/xdpcastd.log")"
sed -n '/^STOPPING=1/,$p' "$WORK/notify.log" | grep -q "^EXTEND_TIMEOUT_USEC=[0-9]*$" ||
	fail "the stop wrote copies without extending its timeout: $(cat "$WORK/notify.log")"
echo "ok - the copies written at a stop extend its timeout for systemd"

# A start stopped while it waits for a slow primary: the copies were
# written only once started, so the transfers it had finished were lost,
# and the next start without their primary left their zones to the
# server behind. (tests/e2e/slow_primary.py answers slow.test's AXFR a
# minute late; the transfer waits that long.)
echo 1 > "$WORK/serial"
srv python3 "$ROOT/tests/e2e/slow_primary.py" 127.0.0.1 5399 "$WORK/serial" 60 60 > "$WORK/slow_primary.log" 2>&1 &
PIDS+=($!)
wait_for "the slow primary" eval 'srv python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 5399))" 2>/dev/null'
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  timeout_ms: 60000
  zones:
    - {zone: one.test, primary: $PRIMARY}
    - {zone: slow.test, primary: 127.0.0.1@5399}
YAML
rm -f "$WORK/zones/"*
launch_xdpcastd --config "$WORK/xdpcastd.yaml"
one_transferred() {
	[ "$(ctl --timeout 2 status --json 2>/dev/null | json '(v["phase"], v["start"]["done"])' 2>/dev/null)" = \
		"('starting', 1)" ]
}
wait_for "one.test's first transfer, slow.test's under way" one_transferred
stop_xdpcastd
log_has "signal 15 during the start: stopped before attaching anything" || fail "not stopped during the start: $(tail -3 "$WORK/xdpcastd.log")"
log_has "transferred zones whose copies were written as the daemon stops: 1 " ||
	fail "no copy written as the start stopped: $(tail -5 "$WORK/xdpcastd.log")"
grep -q "SOA.* 2 3600" "$WORK/zones/one.test.zone" && grep -q "192.0.2.112" "$WORK/zones/one.test.zone" ||
	fail "one.test's copy after a start stopped: $(ls -l "$WORK/zones"; cat "$WORK/zones/one.test.zone" 2>&1)"
[ ! -e "$WORK/zones/slow.test.zone" ] || fail "a copy of slow.test, never transferred: $(cat "$WORK/zones/slow.test.zone")"
echo "ok - a start stopped while it waits for a slow primary: the transfers it finished are kept"


# A copy whose write failed (a full disk) was never written again, and
# each refresh finding the zone up to date stamped the older copy on disk
# current: a start without the primary served the serial before the
# failed write for a whole SOA expire. (The shim fails the copy's writes
# as ENOSPC while $WORK/full exists.)
cat > "$WORK/xdpcastd.yaml" <<YAML
transfer:
  notify_listen: $POP_SIDE@$NOTIFY_PORT
  zones:
    - {zone: one.test, primary: $PRIMARY}
YAML
rm -f "$WORK/full" "$WORK/zones/"*
FULL_NAME=/zones/one.test.zone FULL_MARKER=$WORK/full XDPCASTD=$(shimmed) start_xdpcastd --config "$WORK/xdpcastd.yaml"
wait_within "one.test's copy written" 20 test -e "$WORK/zones/one.test.zone"
touch "$WORK/full"
kctl zone-begin one.test > /dev/null
kctl zone-set one.test full 300 A 192.0.2.113 > /dev/null
kctl zone-commit one.test > /dev/null
wait_within "the copy's write failing" 20 \
	log_has "keeping a transferred zone's copy: $WORK/zones/one.test.zone: .*No space left on device"
grep -q "SOA.* 2 3600" "$WORK/zones/one.test.zone" || fail "one.test's copy is not at serial 2: $(cat "$WORK/zones/one.test.zone")"
transferred_at() { ctl status --json | json 'v["transfers"][0]["transferred_at"]'; }
stamped=$(stat -c %Y "$WORK/zones/one.test.zone") refreshed=$(transferred_at)
sleep 1.1       # a stamp now would differ from the copy's
kctl zone-notify one.test > /dev/null
wait_within "one.test refreshed, up to date" 10 eval '[ "$(transferred_at)" != "$refreshed" ]'
[ "$(stat -c %Y "$WORK/zones/one.test.zone")" = "$stamped" ] ||
	fail "a refresh stamped the copy at serial 2 current while serial 3 is served: $(stat -c %y "$WORK/zones/one.test.zone")"
echo "ok - a refresh does not stamp a copy current while its write failed"
rm "$WORK/full"
wait_within "the failed write tried again" 30 grep -q "SOA.* 3 3600" "$WORK/zones/one.test.zone"
grep -q "192.0.2.113" "$WORK/zones/one.test.zone" || fail "one.test's copy at serial 3: $(cat "$WORK/zones/one.test.zone")"
echo "ok - a copy's write that failed (a full disk) is tried again"
stop_xdpcastd
