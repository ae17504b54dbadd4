#!/usr/bin/env bash
# xdpcastctl against a running daemon (every subcommand, text and JSON) and
# without one (a clear error, exit 1, as JSON under --json); bpftool shows
# the maps' BTF names; the pins of a daemon whose /sys/fs/bpf is its own
# (ip netns exec) are found through its control socket.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone

for command in stats status reload "lookup www.example.test" "block list" catchment; do
	rc=0
	out=$(ctl $command 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [[ "$out" == "xdpcastctl: "*"(is xdpcastd running?)" ]] ||
		fail "xdpcastctl $command without a daemon: rc $rc, '$out'"
done
echo "ok - without a daemon every command says so and exits 1"

[[ "$("$BUILD/xdpcastctl" --version)" == "xdpcastctl "?* ]] || fail "xdpcastctl --version"
rc=0; out=$("$BUILD/xdpcastctl" --frobnicate stats 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: unknown option '--frobnicate' (see xdpcastctl --help)" ] ||
	fail "an unknown option: rc $rc, $out"
rc=0; out=$(ctl --json status 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [[ "$(json 'v["error"]' <<< "$out")" == *"(is xdpcastd running?)" ]] || fail "an error under --json: $out"
json_documented Errors <<< "$out"
echo "ok - --version; an unknown option is one line; errors under --json are {\"error\": ...}"

# --json counts wherever it is, also after a bad option; errors quoting an
# argument that is not UTF-8 are still JSON; the stop hook's clean skip too.
rc=0; out=$(ctl --top x --json catchment 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [ "$(json 'v["error"]' <<< "$out")" = "--top takes a number of networks, 0 (every one) or more" ] ||
	fail "a bad option before --json: rc $rc, '$out'"
rc=0; out=$(ctl catchment --since 0 --json 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [ "$(json 'v["error"]' <<< "$out")" = "--since takes 1 to 31536000 seconds (a year)" ] ||
	fail "a bad option before --json, after the command: rc $rc, '$out'"
rc=0; out=$(ctl --json lookup www.example.test $'\xff' 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [ "$(json 'v["error"]' <<< "$out")" = "'"$'\xef\xbf\xbd'"' is not a record type" ] ||
	fail "an error quoting a byte 0xff: rc $rc, '$out'"
rc=0; out=$(ctl --json block add $'\xff' 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [[ "$(json 'v["error"]' <<< "$out")" == "prefix '"$'\xef\xbf\xbd'"': "* ]] ||
	fail "block add of a byte 0xff: rc $rc, '$out'"
out=$(SERVICE_RESULT=success ctl --json --after-failure withdraw)
[ "$(json 'v["ok"], v["withdrawn"], v["reason"]' <<< "$out")" = "(True, False, 'SERVICE_RESULT=success')" ] ||
	fail "withdraw --after-failure after a clean stop, --json: $out"
json_documented "drain, undrain, withdraw" <<< "$out"
echo "ok - --json after a bad option, errors quoting bytes that are not UTF-8, and the clean stop's skip are JSON"

# The stop hook with BIRD not running and the include's directories missing:
# the file is written (BIRD reads it when it starts), and the hook succeeds.
include=$WORK/run/xdpcast/bird/bird.conf
rc=0; out=$(SERVICE_RESULT=exit-code ctl --after-failure --bird-include "$include" --bird-socket "$WORK/no-bird.ctl" \
	withdraw 2>&1) || rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "withdrawn: $include has no routes; no BIRD at $WORK/no-bird.ctl: it reads the file when it starts (xdpcastd ended: SERVICE_RESULT=exit-code)" ] ||
	fail "withdraw --after-failure without BIRD: rc $rc, $out"
grep -q "^protocol static xdpcast4" "$include" || fail "the include: $(cat "$include" 2>&1)"
# An operator's withdraw where no daemon listens (a handover, say) is not
# kept: it said "withdrawn" alone, and the successor announced a moment later.
out=$(ctl --bird-include "$include" --bird-socket none withdraw)
[ "$out" = "withdrawn: $include has no routes (no xdpcastd running: the next to start decides again)" ] ||
	fail "withdraw without a daemon: '$out'"
json_documented "drain, undrain, withdraw" <<< "$(ctl --json --bird-include "$include" --bird-socket none withdraw)"
echo "ok - the stop hook without BIRD and without the include's directory: written, exit 0; a withdraw without a daemon says it is not kept"

# A config file the hook cannot read: the paths on its command line still
# count (stderr said "the default paths", as if they did not).
printf 'not: [yaml\n' > "$WORK/broken.yaml"
rm -f "$include"
rc=0; out=$(SERVICE_RESULT=exit-code ctl --after-failure --config "$WORK/broken.yaml" --bird-include "$include" \
	--bird-socket "$WORK/no-bird.ctl" withdraw 2>&1 >/dev/null) || rc=$?
[ "$rc" -eq 0 ] && [[ "$out" == "xdpcastctl: $WORK/broken.yaml:"*": withdrawing at the paths given here, else the defaults" ]] ||
	fail "withdraw --after-failure with a config that is not YAML: rc $rc, '$out'"
grep -q "^protocol static xdpcast4" "$include" || fail "the include given with a broken config: $(cat "$include" 2>&1)"
echo "ok - the stop hook with a config file that is not YAML: withdrawn at the paths it was given, and says so"

# A daemon that never answers (stopped, or stuck) hung every command that
# asks it, stats and lookup too: given up on after --timeout, at the
# read and at a connect its full backlog holds.
python3 - "$WORK/mute.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(0)
held = socket.socket(socket.AF_UNIX)
held.connect(sys.argv[1])       # in the backlog: the next connect waits
time.sleep(60)
PY
PIDS+=($!)
wait_for "the mute socket" test -S "$WORK/mute.sock"
rc=0; out=$(timeout 10 "$BUILD/xdpcastctl" --control-socket "$WORK/mute.sock" --timeout 1 status 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: $WORK/mute.sock: xdpcastd took no connection in 1 s (stopped, stuck, or loading its zones at the start?)" ] ||
	fail "status of a daemon whose backlog is full: rc $rc, '$out'"
python3 - "$WORK/silent.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen()
clients = [s.accept() for _ in range(2)]        # taken, never answered
time.sleep(60)
PY
PIDS+=($!)
wait_for "the silent socket" test -S "$WORK/silent.sock"
rc=0; out=$(timeout 10 "$BUILD/xdpcastctl" --control-socket "$WORK/silent.sock" --timeout 1 --json drain 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [ "$(json 'v["error"]' <<< "$out")" = "$WORK/silent.sock: no answer from xdpcastd in 1 s (stopped, stuck, or loading its zones at the start?)" ] ||
	fail "drain of a daemon that never answers: rc $rc, '$out'"
# withdraw writes BIRD's file only where no daemon listens: one that is
# there would announce again at its next round.
rc=0; out=$(timeout 10 "$BUILD/xdpcastctl" --control-socket "$WORK/silent.sock" --timeout 1 --bird-socket none \
	--bird-include "$WORK/withdrawn.conf" withdraw 2>&1) || rc=$?
# It says what withdraws there.
[ "$rc" -eq 1 ] && [ ! -e "$WORK/withdrawn.conf" ] &&
	[ "$out" = "xdpcastctl: $WORK/silent.sock: no answer from xdpcastd in 1 s (stopped, stuck, or loading its zones at the start?); to withdraw, stop that xdpcastd (the unit's stop hook withdraws), or withdraw once nothing listens" ] ||
	fail "withdraw next to a daemon that never answers: rc $rc, '$out'"
# A daemon with every connection taken says so and closes at once: the
# command line sent after that killed xdpcastctl by SIGPIPE (exit 141,
# without a word), most times.
python3 - "$WORK/busy.sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
while True:
    c, _ = s.accept()
    c.send(b'{"ok":false,"error":"busy: too many control connections"}\n')
    c.close()
PY
PIDS+=($!)
wait_for "the busy socket" test -S "$WORK/busy.sock"
for i in $(seq 1 20); do
	rc=0; out=$("$BUILD/xdpcastctl" --control-socket "$WORK/busy.sock" drain 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: busy: too many control connections" ] ||
		fail "drain of a busy daemon, try $i: rc $rc, '$out'"
done
# Its answer is no status (that was printed as one of nulls, exit 0), and
# no reason to empty BIRD's file behind it.
busy() { "$BUILD/xdpcastctl" --control-socket "$WORK/busy.sock" "$@"; }
rc=0; out=$(busy status 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: busy: too many control connections" ] || fail "status of a busy daemon: rc $rc, '$out'"
rc=0; out=$(busy reload 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: busy: too many control connections" ] || fail "reload of a busy daemon: rc $rc, '$out'"
rc=0; out=$(busy --json status 2>/dev/null) || rc=$?
[ "$rc" -eq 1 ] && [ "$(json 'v["error"]' <<< "$out")" = "busy: too many control connections" ] ||
	fail "status --json of a busy daemon: rc $rc, '$out'"
rc=0; out=$(busy --bird-socket none --bird-include "$WORK/withdrawn.conf" withdraw 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ ! -e "$WORK/withdrawn.conf" ] &&
	[ "$out" = "xdpcastctl: busy: too many control connections; to withdraw, stop that xdpcastd (the unit's stop hook withdraws), or withdraw once nothing listens" ] ||
	fail "withdraw next to a busy daemon: rc $rc, '$out'"
rc=0; out=$(ctl --timeout x status 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: --timeout takes 0 (however long) to 86400 seconds" ] ||
	fail "--timeout x: rc $rc, '$out'"
echo "ok - a daemon that takes no connection or never answers: an error after --timeout, not a hang; a busy one is said so"

setup_network
cp "$ZONE" "$WORK/zone"
start_nsd "$WORK/zone"
# Reloads here are the explicit ones: no reload of its own on file change.
echo "zone_watch: {enabled: false}" > "$WORK/xdpcastd.yaml"
start_xdpcastd --zone "$WORK/zone" --xdp-mode native --config "$WORK/xdpcastd.yaml"

out=$(ctl status)
prog_id=$(srv ip -o link show veth-s | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}')
grep -qx "interface veth-s (ifindex [0-9]*): native mode" <<< "$out" || fail "status: $out"
grep -qE "^zone example.test. serial 2026112401, 41 records from $WORK/zone: 47 names, [0-9.]+ KiB in the cache$" <<< "$out" ||
	fail "status: $out"
grep -q "program id $prog_id\$" <<< "$out" || fail "status does not show program id $prog_id: $out"
[ "$(ctl --json status | json 'v["generation"], v["zones"][0]["serial"], v["interfaces"][0]["xdp_mode"]')" = \
  "(1, 2026112401, 'native')" ] || fail "status --json: $(ctl --json status)"
echo "ok - status: interface, native mode, program id $prog_id, generation and serial (text and JSON)"
# A --pin-dir without pins (another PoP's, a typo) next to a running
# daemon said "(is xdpcastd running?)" alone: where it pinned them, too.
for command in stats "lookup www.example.test" catchment "block list"; do
	rc=0; out=$("$BUILD/xdpcastctl" --control-socket "$CONTROL_SOCKET" --pin-dir "$WORK/nopins" $command 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [[ "$out" == "xdpcastctl: $WORK/nopins/"*"; xdpcastd at $CONTROL_SOCKET pinned its maps in $PIN_DIR" ]] ||
		fail "$command with a --pin-dir without pins: rc $rc, '$out'"
done
echo "ok - a --pin-dir without pins next to a running daemon: where the daemon pinned its maps is said"

for i in 1 2 3; do cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.test A > /dev/null; done
grep -qE "^dns_answer +tx +3 +3$" <<< "$(ctl stats)" || fail "stats: $(ctl stats)"
[ "$(ctl --json stats | json 'v["dns_answer"]["packets"], v["dns_answer"]["interfaces"]["veth-s"]')" = "(3, 3)" ] ||
	fail "stats --json: $(ctl --json stats)"
watch=$(ctl stats --watch 1 --count 2)
[ "$(grep -c "total/s" <<< "$watch")" -eq 2 ] || fail "stats --watch 1 --count 2: $watch"
# every report has lines under its header: rates, or "(no packets in the last 1 s)"
awk '/total\/s/ && prev ~ /total\/s/ {exit 1} {prev = $0} END {exit prev ~ /total\/s/}' <<< "$watch" ||
	fail "a --watch report with its header alone: $watch"
# Without the daemon, the columns are the program's own interfaces: named
# where the program runs on the interface of that index (the PoP's namespace).
header=$(srv "$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$WORK/none.sock" stats | head -1)
[ "$(echo $header)" = "reason action veth-s total" ] || fail "stats without the daemon, in its namespace: $header"
header=$("$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$WORK/none.sock" stats | head -1)
[[ "$(echo $header)" =~ ^"reason action ifindex "[0-9]+" total"$ ]] || fail "stats without the daemon, elsewhere: $header"
echo "ok - stats per reason and interface (text, JSON, --watch rates, a line when idle; named without the daemon)"

out=$(ctl lookup www.example.test)
grep -qx "www.example.test A: answered in XDP (dns_answer)" <<< "$out" || fail "lookup: $out"
grep -qx "www.example.test. 3600 A 192.0.2.80" <<< "$out" || fail "lookup: $out"
[ "$(ctl --json lookup nope.example.test AAAA | json 'v["rcode"], v["reason"], len(v["authority"])')" = \
  "('NXDOMAIN', 'dns_nxdomain', 1)" ] || fail "lookup --json NXDOMAIN: $(ctl --json lookup nope.example.test AAAA)"
grep -qx "www.example.org A: passed to the server behind (dns_pass_miss)" <<< "$(ctl lookup www.example.org)" ||
	fail "lookup of a name we do not serve: $(ctl lookup www.example.org)"
[ "$(ctl --json stats | json 'v["dns_answer"]["packets"]')" = 3 ] || fail "lookups were counted on veth-s"
rc=0; out=$(ctl lookup www.example.test BOGUS 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: 'BOGUS' is not a record type" ] || fail "lookup with a bad type: $out"
# A label with a byte 0xff is a name (\255 in presentation format): looked up,
# and shown with U+FFFD in its place.
[ "$(ctl --json lookup $'\xff.example.test' | json 'v["name"], v["rcode"]')" = "('"$'\xef\xbf\xbd'".example.test', 'NXDOMAIN')" ] ||
	fail "lookup of a name with a byte 0xff: $(ctl --json lookup $'\xff.example.test' 2>&1)"
# A name that is none says why (it said "is not a domain name" alone).
long_label=$(printf 'a%.0s' {1..64}).example.test
long_name=$(printf 'abcdefghi.%.0s' {1..26})test
for case in "$long_label|a label is longer than 63 bytes" "a..b|an empty label" "$long_name|longer than 255 bytes"; do
	rc=0; out=$(ctl lookup "${case%%|*}" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: '${case%%|*}' is not a domain name: ${case#*|}" ] ||
		fail "lookup ${case%%|*}: rc $rc, '$out'"
done
echo "ok - lookup runs the attached program: answer, NXDOMAIN, pass; not counted on the interface"

out=$(ctl answers www.example.test)
grep -qx "www.example.test AAAA: answered in XDP (dns_answer)" <<< "$out" || fail "answers: $out"
grep -qx "www.example.test. 3600 AAAA 2001:db8:53::80" <<< "$out" || fail "answers: $out"
grep -qx "www.example.test MX: answered in XDP (dns_nodata)" <<< "$out" || fail "answers: $out"
[ "$(ctl --json answers www.example.test | json '[(a["type"], a["reason"]) for a in v["answers"]][2:4]')" = \
  "[('A', 'dns_answer'), ('AAAA', 'dns_answer')]" ] || fail "answers --json: $(ctl --json answers www.example.test)"
echo "ok - answers: every common type of a name as the program serves it"

# Catchment: the client's /24 and /48, answers only (the lookups above
# are the daemon's probes: not clients).
for i in 1 2; do cli kdig +short +norec +time=2 +retry=0 @$ANYCAST6 www.example.test AAAA > /dev/null; done
cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.org A > /dev/null || true      # passed: not counted
[ "$(ctl --json catchment | json '[(e["prefix"], e["answers"], round(e["share"], 1)) for e in v]')" = \
  "[('198.51.100.0/24', 3, 0.6), ('2001:db8:1::/48', 2, 0.4)]" ] || fail "catchment --json: $(ctl --json catchment)"
grep -qE "^198\.51\.100\.0/24 +3 +60\.0%  [0-9.]+ s ago$" <<< "$(ctl catchment)" || fail "catchment: $(ctl catchment)"
[ "$(ctl --json catchment --top 1 | json 'len(v)')" = 1 ] || fail "catchment --top 1: $(ctl --json catchment --top 1)"
sleep 3
cli kdig +short +norec +time=2 +retry=0 @$ANYCAST6 www.example.test AAAA > /dev/null
[ "$(ctl --json catchment --since 2 | json '[(e["prefix"], e["answers"], e["share"]) for e in v]')" = \
  "[('2001:db8:1::/48', 3, 1.0)]" ] || fail "catchment --since 2: $(ctl --json catchment --since 2)"
grep -q '"network"' <<< "$(bpftool map dump pinned "$PIN_DIR/xdpcast_catchment")" || fail "no BTF in xdpcast_catchment"
# The answer cache's names table is made by the loader: with the program's BTF.
names_id=$(bpftool -j map dump pinned "$PIN_DIR/xdpcast_answer_gen" |
	json 'int.from_bytes(bytes(int(b, 16) for b in v[0]["value"]), "little")')
grep -q '"name_hash"' <<< "$(bpftool map dump id "$names_id")" || fail "no BTF in the names table $names_id"
echo "ok - catchment: the client's /24 and /48 with their answers and shares (text, JSON, --top, --since); the names table has BTF"

sed -i 's/^www             IN A    192.0.2.80$/www             IN A    192.0.2.88/' "$WORK/zone"
[ "$(ctl reload)" = "reloaded: generation 2" ] || fail "reload did not say generation 2"
grep -qx "www.example.test. 3600 A 192.0.2.88" <<< "$(ctl lookup www.example.test)" || fail "reload did not take"
echo "bad line" >> "$WORK/zone"
rc=0; out=$(ctl reload 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == "xdpcastctl: reload failed, generation 2 keeps answering: $WORK/zone:"* ]] ||
	fail "reload of a broken zone: rc $rc, $out"
[ "$(ctl --json reload | json 'v["ok"], v["generation"]')" = "(False, 2)" ] || fail "reload --json"
echo "ok - reload: new data from XDP at once; a broken zone is refused with file and line"

ctl block add 203.0.113.0/24
[ "$(ctl --json block list | json '[(e["prefix"], e["origin"]) for e in v]')" = "[('203.0.113.0/24', 'live')]" ] ||
	fail "block list --json: $(ctl --json block list)"
echo "ok - block list --json"

# Scripts parse --json: every field each command prints is described, in
# bold, under that command in the man page's JSON section.
json_documented status <<< "$(ctl --json status)"
json_documented stats <<< "$(ctl --json stats --all)"
json_documented stats <<< "$(ctl --json stats --watch 1 --count 2)"
json_documented lookup <<< "$(ctl --json lookup www.example.test)"
json_documented answers <<< "$(ctl --json answers www.example.test)"
json_documented catchment <<< "$(ctl --json catchment)"
json_documented "block list" <<< "$(ctl --json block list)"
json_documented "block add, block del" <<< "$(ctl --json block del 203.0.113.0/24)"
json_documented "block add, block del" <<< "$(ctl --json block add 203.0.113.0/24)"
json_documented reload <<< "$(ctl --json reload)"     # the zone's bad line: refused
sed -i '/^bad line$/d' "$WORK/zone"
json_documented reload <<< "$(ctl --json reload)"
json_documented "drain, undrain, withdraw" <<< "$(ctl --json undrain)"
echo "ok - every field of --json (status, stats and --watch, lookup, answers, catchment, block, reload, undrain, withdraw, errors) is in the man page's JSON section"

# The pins of the contract, by name; whatever else is pinned is named xdpcast_*.
for pin in xdpcast_prog xdpcast_stats xdpcast_protected xdpcast_settings xdpcast_source_filter xdpcast_source_buckets \
	xdpcast_rrl xdpcast_global_buckets xdpcast_source_screen xdpcast_catchment xdpcast_views xdpcast_answer_gen \
	xdpcast_blob xdpcast_control_plane; do
	[ -e "$PIN_DIR/$pin" ] || fail "$pin is not pinned in $PIN_DIR: $(ls "$PIN_DIR")"
done
[ -z "$(ls "$PIN_DIR" | grep -v '^xdpcast_')" ] || fail "pins not named xdpcast_*: $(ls "$PIN_DIR")"
# xdpcast_stats by field name: every reason of the contract in its order,
# then what was appended, each with packets and bytes.
bpftool -j map dump pinned "$PIN_DIR/xdpcast_stats" | python3 -c '
import json, sys
contract = """dns_answer dns_nxdomain dns_nodata dns_referral dns_truncated dns_pass_miss dns_pass_no_room
dns_pass_other not_protected pass_tcp pass_other drop_malformed drop_fragment drop_blocklist drop_bogon_source
drop_port_policy drop_reflection drop_rate_limited drop_pass_budget rrl_drop rrl_slip dns_badvers dns_refused
dns_pass_dnssec""".split()
entry = json.load(sys.stdin)[0]
value = entry.get("formatted", entry)["values"][0]["value"]
fields = list(value)
if fields[:len(contract)] != contract or any(sorted(value[f]) != ["bytes", "packets"] for f in fields):
    sys.exit("xdpcast_stats fields: %s" % fields)' || fail "bpftool map dump of xdpcast_stats: not the contract's fields"
grep -q '"cookie_secret"' <<< "$(bpftool map dump pinned "$PIN_DIR/xdpcast_settings")" || fail "no BTF in xdpcast_settings"
grep -q '"kind"' <<< "$(bpftool map dump pinned "$PIN_DIR/xdpcast_source_filter")" || fail "no BTF in xdpcast_source_filter"
echo "ok - bpftool map dump shows the BTF field names"

# Slow and idle clients of the control socket: ten that connect and say
# nothing, one that sends a byte every 4 s. status still answers (its time
# is printed, not judged) and the silent ones are cut at their deadline.
# Then twenty more than it serves at once: those are told so.
python3 - "$CONTROL_SOCKET" "$WORK/go" > "$WORK/slow-clients.txt" <<'PY' &
import os, socket, sys, time
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    return s
idle = [connect() for _ in range(10)]
drip = connect()
print("connected", flush=True)
for byte in b"status":
    try:
        drip.send(bytes([byte]))
    except OSError:
        break
    time.sleep(4)
idle[0].settimeout(10)
print("idle closed", idle[0].recv(10) == b"", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
extra = [connect() for _ in range(20)]
busy = 0
for s in extra:
    s.settimeout(5)
    try:
        busy += b"too many control connections" in s.recv(200)
    except OSError:
        pass
print("busy", busy, flush=True)
PY
SLOW=$!
PIDS+=($SLOW)
wait_for "the slow clients" grep -q connected "$WORK/slow-clients.txt"
start=$(date +%s%N)
ctl status > /dev/null || fail "status failed next to slow clients"
took=$(ms_since "$start")
touch "$WORK/go"
wait "$SLOW"
grep -qx "idle closed True" "$WORK/slow-clients.txt" || fail "an idle client was not cut: $(cat "$WORK/slow-clients.txt")"
[ "$(awk '$1 == "busy" {print $2}' "$WORK/slow-clients.txt")" -gt 0 ] || fail "no client was told the socket is busy"
ctl status > /dev/null || fail "status failed after the crowd"
echo "ok - status answered in $took ms next to 10 idle clients and a byte-every-4-s one (the silent cut at their deadline); 20 over the cap were told busy"

# Command lines the daemon cannot take are refused at once, with the
# reason: one past 128 bytes was cut there and run ("status" + 130 spaces
# + "now" answered the status), and one with a NUL byte got no answer
# until its deadline. A line of 128 bytes (and its newline) is whole.
python3 - "$CONTROL_SOCKET" <<'PY' || fail "command lines too long or with a NUL byte"
import json, socket, sys, time
def ask(line):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(5)
    s.sendall(line)
    start, data = time.time(), b""
    while not data.endswith(b"\n"):
        try:
            chunk = s.recv(1 << 16)
        except ConnectionResetError:        # closed with the rest of a long line unread
            break
        if not chunk:
            break
        data += chunk
    return (json.loads(data) if data else None), time.time() - start
for line, expected in [(b"status" + b" " * 130 + b"now\n", {"ok": False, "error": "a command line is at most 128 bytes"}),
                       (b"status\0now\n", {"ok": False, "error": "a NUL byte in the command line"})]:
    reply, took = ask(line)
    if reply != expected or took > 1:
        sys.exit("%r...: %r after %.1f s" % (line[:12], reply, took))
reply, took = ask(b"status" + b" " * 122 + b"\n")
if not reply or not reply["ok"]:
    sys.exit("a line of 128 bytes: %r" % reply)
PY
echo "ok - a command line over 128 bytes or with a NUL byte is refused at once, with the reason"

# status is encoded on a worker: fifty clients that leave before their
# reply (ten at a time: each holds its slot until its reply is made), then
# twelve at once, each answered whole; then a stop while a dozen replies
# are still being encoded exits 0 (a late reply goes nowhere).
python3 - "$CONTROL_SOCKET" <<'PY' || fail "status clients that leave early, or many at once"
import json, socket, sys, time
def ask():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.send(b"status\n")
    return s
def reply(s):
    s.settimeout(10)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(1 << 16)
        if not chunk:
            sys.exit("a status reply was cut: %r" % data[-80:])
        data += chunk
    return json.loads(data)
for _ in range(5):
    for s in [ask() for _ in range(10)]:
        s.close()
    for _ in range(50):     # until their slots are free again
        r = reply(ask())
        if r["ok"]:
            break
        time.sleep(0.1)
    else:
        sys.exit("status after clients that left early: %r" % r)
for _ in range(50):     # the early leavers' slots free as their replies are made
    replies = [reply(s) for s in [ask() for _ in range(12)]]
    if all(r["ok"] for r in replies):
        break
    time.sleep(0.2)
for r in replies:
    if not r["ok"] or [z["zone"] for z in r["zones"]] != ["example.test."]:
        sys.exit("a status reply: %r" % r)
PY
python3 -c 'import socket, sys, time
clients = [socket.socket(socket.AF_UNIX) for _ in range(12)]
for s in clients:
    s.connect(sys.argv[1])
    s.send(b"status\n")
print("sent", flush=True)
time.sleep(3)' "$CONTROL_SOCKET" > "$WORK/pending.txt" &
waiting=$!
PIDS+=($waiting)
wait_for "twelve status requests" grep -q sent "$WORK/pending.txt"
stop_xdpcastd
grep -q "stopped: detached and unpinned" "$WORK/xdpcastd.log" || fail "a stop with status replies pending: $(tail -3 "$WORK/xdpcastd.log")"
wait "$waiting"
echo "ok - status replies encoded off the loop: 50 clients gone before theirs, 12 at once answered whole, a stop with 12 pending exits 0"

# A status larger than the socket's buffer (1,500 zones: ~250 KB), asked
# by clients that shut their socket down while it is being sent: the
# daemon read them again (POLLHUP without POLLOUT), answered what it read
# in place of the reply on its way, and leaked that reply each time.
mkdir "$WORK/many"
many=()
for i in $(seq 1 1500); do
	printf '$ORIGIN z%d.test.\n@ 300 SOA ns hm 1 2 3 4 5\n@ 300 NS ns\nns 300 A 192.0.2.1\n' "$i" > "$WORK/many/z$i.zone"
	many+=(--zone "$WORK/many/z$i.zone")
done
start_xdpcastd --zone "$ZONE" "${many[@]}"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$XDPCASTD_PID/status"; }
ctl status > /dev/null
before=$(rss_kb)
python3 - "$CONTROL_SOCKET" <<'PY'
import socket, sys, time
for _ in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.send(b"status\n")
    time.sleep(0.05)                    # the reply fills the socket's buffer
    s.shutdown(socket.SHUT_RDWR)
    time.sleep(0.01)
    s.close()
PY
ctl status > /dev/null || fail "status after clients that shut down during theirs"
grown=$(( $(rss_kb) - before ))
# Under ASan freed memory waits in its quarantine (256 MB), so RSS tells
# nothing there; LeakSanitizer's report at the stop (a non-zero exit) does.
if ldd "$BUILD/xdpcastd" | grep -q libasan; then
	how="leaks: none at the stop (LeakSanitizer)"
else
	[ "$grown" -lt 10240 ] || fail "100 status replies cut short: xdpcastd grew by $grown KiB"
	how="xdpcastd grew by $grown KiB"
fi
stop_xdpcastd
echo "ok - 100 clients that shut down while a 250 KB status is sent: $how"

# Zone paths that are not UTF-8 (a 0xff byte), or long (é × 240 in two
# directories, which a status once cut at 512 bytes): the zones stay in
# the status, the long path whole, and status and reload still answer
# after a reload that failed on such a path.
bad_dir=$WORK/$'\xff'
long_dir=$WORK/$(printf 'é%.0s' {1..120})/$(printf 'é%.0s' {1..120})
mkdir -p "$bad_dir" "$long_dir"
sed 's/example\.test\./bad.test./g' "$ZONE" > "$bad_dir/bad.test.zone"
sed 's/example\.test\./long.test./g' "$ZONE" > "$long_dir/long.test.zone"
# The PoP's name as long as --pop allows (64, the NSID's bytes), whole in
# status and /metrics (a snapshot once cut it to 63).
long_pop=$(printf 'p%.0s' {1..64})
POP=$long_pop start_xdpcastd --zone "$ZONE" --zone "$bad_dir/bad.test.zone" --zone "$long_dir/long.test.zone" \
	--config "$WORK/xdpcastd.yaml" --metrics $UNICAST4:9553
[ "$(ctl --json status | json 'v["pop"]')" = "$long_pop" ] && grep -q "pop $long_pop," <<< "$(ctl status)" &&
	grep -q "^xdpcast_build_info{pop=\"$long_pop\"," <<< "$(http_get "http://$UNICAST4:9553/metrics")" ||
	fail "a PoP name of 64 characters, not whole: $(ctl --json status | json 'v["pop"]')"
echo "ok - a PoP name of 64 characters, whole in status, status --json and /metrics"
[ "$(ctl --json status | json 'sorted(z["zone"] for z in v["zones"])')" = \
  "['bad.test.', 'example.test.', 'long.test.']" ] || fail "status --json with odd zone paths: $(ctl --json status 2>&1)"
[ "$(ctl --json status | LONG="$long_dir/long.test.zone" json 'next(__import__("os").environ["LONG"] == z["file"]
  for z in v["zones"] if z["zone"] == "long.test.")' 2>&1)" = True ] ||
	fail "the long path, whole: $(ctl --json status 2>&1)"
[ "$(ctl status | grep -c '^zone ')" -eq 3 ] || fail "status with odd zone paths: $(ctl status 2>&1)"
echo "bad line" >> "$bad_dir/bad.test.zone"
rc=0; out=$(ctl reload 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == "xdpcastctl: reload failed, generation 1 keeps answering: $WORK/"$'\xef\xbf\xbd'"/bad.test.zone:"* ]] ||
	fail "reload that failed on a path with 0xff: rc $rc, $out"
grep -q "^reload failed" <<< "$(ctl status)" || fail "status after that reload: $(ctl status 2>&1)"
[ "$(ctl --json status | json 'v["reload_failures"]')" = 1 ] || fail "status --json after that reload: $(ctl --json status 2>&1)"
echo "ok - zone paths with a 0xff byte or over 512 bytes: in status; a reload failed on one answers, status still does"
stop_xdpcastd

# An operator's withdraw of a prefix the next config lost (a mistake): it
# does not apply, but stays in the state file through unrelated changes and
# applies again once the prefix is back; `undrain PREFIX` forgets it.
start_xdpcastd --zone "$ZONE" --anycast 203.0.113.0/24
ctl withdraw 203.0.113.0/24 > /dev/null || fail "withdraw 203.0.113.0/24 refused"
stop_xdpcastd
start_xdpcastd --zone "$ZONE"
grep -q "state.json: 203.0.113.0/24 is not an anycast prefix of this config: its withdraw does not apply, and stays in the file" \
	"$WORK/xdpcastd.log" || fail "not logged: $(cat "$WORK/xdpcastd.log")"
ctl withdraw 2001:db8:53::/48 > /dev/null && ctl undrain 2001:db8:53::/48 > /dev/null || fail "withdraw, undrain"
grep -q '"203.0.113.0/24"' "$WORK/state.json" || fail "an unrelated save erased the withdraw: $(cat "$WORK/state.json")"
stop_xdpcastd
start_xdpcastd --zone "$ZONE" --anycast 203.0.113.0/24
grep -qx "anycast 203.0.113.0/24: withdrawn (withdrawn by xdpcastctl)" <<< "$(ctl status)" || fail "status: $(ctl status)"
stop_xdpcastd
start_xdpcastd --zone "$ZONE"
ctl undrain 203.0.113.0/24 > /dev/null || fail "undrain of a kept entry refused"
grep -q "203.0.113" "$WORK/state.json" && fail "undrain did not forget it: $(cat "$WORK/state.json")"
stop_xdpcastd
echo "ok - a withdraw of a prefix the config lost: kept in the state file through other changes, back with the prefix, forgotten by undrain PREFIX"

# A withdraw (or drain) the state file cannot keep (a full or read-only disk:
# the operator takes the PoP out because its disk fails) was refused, the
# prefix left announced. Now it takes effect and says it is not kept; an
# undrain of what the file holds cannot be kept and is refused (the next
# start would withdraw again), one of what it never held applies. (The
# shim fails the state file's writes while $WORK/full exists.)
FULL_NAME=state.json FULL_MARKER=$WORK/full XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE"
touch "$WORK/full"
not_kept="not kept across restarts: writing $WORK/state.json: creating a temporary file beside it: No space left on device"
rc=0; out=$(ctl withdraw 192.0.2.0/24 2>&1 > /dev/null) || rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "xdpcastctl: warning: $not_kept" ] || fail "withdraw with the state file unwritable: rc $rc, '$out'"
# Status says so for as long as it is not kept (the warning went to one terminal).
grep -qx "anycast 192.0.2.0/24: withdrawn (withdrawn by xdpcastctl; not kept across restarts: the state file could not be written)" <<< "$(ctl status)" ||
	fail "status of a withdraw not kept: $(ctl status)"
out=$(ctl --json withdraw 2001:db8:53::/48)
[ "$(json 'v["ok"], v["warning"]' <<< "$out")" = "(True, '$not_kept')" ] || fail "withdraw --json with the state file unwritable: $out"
json_documented "drain, undrain, withdraw" <<< "$out"
# The file never held these withdrawals: undoing one needs no write.
ctl undrain 2001:db8:53::/48 > /dev/null || fail "undrain of a withdraw never kept, the state file unwritable"
ctl_lacks "^anycast 2001:db8:53::/48: withdrawn (withdrawn by xdpcastctl" status ||
	fail "still withdrawn after the undrain: $(ctl status)"
# One the file holds: refused while it cannot be written.
rm "$WORK/full"
ctl withdraw 192.0.2.0/24 > /dev/null || fail "withdraw once the state file is writable"
touch "$WORK/full"
rc=0; out=$(ctl undrain 192.0.2.0/24 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: writing $WORK/state.json: creating a temporary file beside it: No space left on device" ] ||
	fail "undrain of a kept withdraw with the state file unwritable: rc $rc, '$out'"
grep -qx "anycast 192.0.2.0/24: withdrawn (withdrawn by xdpcastctl)" <<< "$(ctl status)" || fail "status after the refused undrain: $(ctl status)"
# Of every prefix, with one withdraw kept and one not: the one not kept
# ends, the other stays, and the answer says which.
ctl withdraw 2001:db8:53::/48 > /dev/null 2>&1 || fail "withdraw 2001:db8:53::/48 with the state file unwritable"
rc=0; out=$(ctl undrain 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: writing $WORK/state.json: creating a temporary file beside it: No space left on device: 192.0.2.0/24 stays as the state file keeps it; the others are undrained" ] ||
	fail "undrain of every prefix, one kept: rc $rc, '$out'"
[ "$(ctl status | grep -c "withdrawn by xdpcastctl")" -eq 1 ] && grep -qx "anycast 192.0.2.0/24: withdrawn (withdrawn by xdpcastctl)" <<< "$(ctl status)" ||
	fail "status after a partly refused undrain: $(ctl status)"
rm "$WORK/full"
ctl undrain > /dev/null || fail "undrain once the state file is writable"
ctl_lacks "withdrawn by xdpcastctl" status || fail "still withdrawn after the undrain: $(ctl status)"
stop_xdpcastd
echo "ok - withdraw with the state file unwritable: in effect, with a warning that it is not kept; its undrain needs no write, a kept one's is refused"

# The state file is written on a worker: a disk slow to sync held the
# loop's thread for as long as the write took (status, health rounds and
# every timer with it). A drain or withdraw is in force at once and
# answered once written; an undrain takes effect once written. The shim
# holds a write of the state file 12 s whenever $WORK/stalled is missing.
STALL_NAME=state.json STALL_MARKER=$WORK/stalled STALL_S=12 XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE"
withdrawn_by_ctl() { ctl status | grep -c "(withdrawn by xdpcastctl" || true; }
withdrawals() { [ "$(withdrawn_by_ctl)" -eq "$1" ]; }
ctl --json withdraw 192.0.2.0/24 > "$WORK/withdraw4.json" &
withdraw4=$!
wait_for "the state file's write held" test -e "$WORK/stalled"
ctl --json withdraw 2001:db8:53::/48 > "$WORK/withdraw6.json" &
withdraw6=$!
wait_for "both withdrawals in force as the write is held" withdrawals 2
state=$(ctl status)
[ ! -e "$WORK/stalled.over" ] || fail "status waited for the state file's write"
kill -0 "$withdraw4" 2> /dev/null || fail "answered before the state file kept it: $(cat "$WORK/withdraw4.json")"
grep -qx "anycast 192.0.2.0/24: withdrawn (withdrawn by xdpcastctl; being written to the state file)" <<< "$state" ||
	fail "status as the write is held: $state"
wait "$withdraw4" || fail "withdraw 192.0.2.0/24 with its write held: $(cat "$WORK/withdraw4.json")"
wait "$withdraw6" || fail "withdraw 2001:db8:53::/48 asked meanwhile: $(cat "$WORK/withdraw6.json")"
whys='sorted((p["prefix"], p["why"]) for p in v["prefixes"]), "warning" in v'
# The first answered as its write ended, the second's still under way.
[ "$(json "$whys" < "$WORK/withdraw4.json")" = "([('192.0.2.0/24', 'withdrawn by xdpcastctl'), ('2001:db8:53::/48', 'withdrawn by xdpcastctl; being written to the state file')], False)" ] ||
	fail "the first withdraw's reply: $(cat "$WORK/withdraw4.json")"
[ "$(json "$whys" < "$WORK/withdraw6.json")" = "([('192.0.2.0/24', 'withdrawn by xdpcastctl'), ('2001:db8:53::/48', 'withdrawn by xdpcastctl')], False)" ] ||
	fail "the second withdraw's reply: $(cat "$WORK/withdraw6.json")"
[ "$(json 'sorted(v["maintenance"])' < "$WORK/state.json")" = "['192.0.2.0/24', '2001:db8:53::/48']" ] ||
	fail "the state file after both: $(cat "$WORK/state.json")"
rm "$WORK/stalled" "$WORK/stalled.over"
ctl undrain 192.0.2.0/24 > /dev/null &
undrain=$!
wait_for "the undrain's write held" test -e "$WORK/stalled"
state=$(ctl status)
[ ! -e "$WORK/stalled.over" ] || fail "the undrain's write ended before status: the test proves nothing"
grep -qx "anycast 192.0.2.0/24: withdrawn (withdrawn by xdpcastctl; undrain waiting for the state file)" <<< "$state" ||
	fail "undrained before the state file kept it: $state"
wait "$undrain" || fail "undrain with its write held"
withdrawals 1 || fail "still withdrawn after the undrain: $(ctl status)"
[ "$(json 'sorted(v["maintenance"])' < "$WORK/state.json")" = "['2001:db8:53::/48']" ] ||
	fail "the state file after the undrain: $(cat "$WORK/state.json")"
# Asked twice as the first undrain's write is held: that write keeps it,
# so its answer finds the prefix undrained (it waited for the second write).
undrains_asked() { [ "$(grep -c "xdpcastctl: undrain $1 (in force" "$WORK/xdpcastd.log")" -eq "$2" ]; }
rm "$WORK/stalled" "$WORK/stalled.over"
ctl --json undrain 2001:db8:53::/48 > "$WORK/undrain1.json" &
undrain1=$!
wait_for "the undrain's write held" test -e "$WORK/stalled"
ctl --json undrain 2001:db8:53::/48 > "$WORK/undrain2.json" &
undrain2=$!
wait_for "the second undrain asked" undrains_asked 2001:db8:53::/48 2
[ ! -e "$WORK/stalled.over" ] || fail "the first write ended before the second undrain: the test proves nothing"
wait "$undrain1" && wait "$undrain2" || fail "two undrains: $(cat "$WORK/undrain1.json" "$WORK/undrain2.json")"
[ "$(json '["xdpcastctl" in (p["why"] or "") for p in v["prefixes"] if p["prefix"] == "2001:db8:53::/48"]' < "$WORK/undrain1.json")" = "[False]" ] ||
	fail "the first undrain answered with the prefix still withdrawn: $(cat "$WORK/undrain1.json")"
stop_xdpcastd
echo "ok - the state file written off the loop: status answered while a write was held; withdrawals in force at once, answered once kept; an undrain in force once kept"

# A write that does not end (a disk hung as it fails) holds no control
# connection for ever: after 20 s a withdraw is answered in force and not
# kept yet, an undrain waiting behind it refused with why; each applies
# once written.
STALL_NAME=state.json STALL_MARKER=$WORK/stalled STALL_S=27 XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE"
rm -f "$WORK/stalled" "$WORK/stalled.over"
ctl --json withdraw 2001:db8:53::/48 > "$WORK/withdraw6.json" &
withdraw6=$!
wait_for "the state file's write held" test -e "$WORK/stalled"
rc=0; out=$(ctl undrain 2001:db8:53::/48 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: the state file's write has not ended after 20 s: the undrain takes effect if it is written (xdpcastctl status says when)" ] ||
	fail "an undrain behind a write that does not end: rc $rc, '$out'"
wait "$withdraw6" || fail "withdraw with its write not ending: $(cat "$WORK/withdraw6.json")"
[ "$(json 'v["warning"]' < "$WORK/withdraw6.json")" = "in force, not kept across restarts yet: the state file's write has not ended after 20 s" ] ||
	fail "a withdraw whose write does not end: $(cat "$WORK/withdraw6.json")"
state=$(ctl status)
[ ! -e "$WORK/stalled.over" ] || fail "the write ended before the answers: the test proves nothing"
grep -qx "anycast 2001:db8:53::/48: withdrawn (withdrawn by xdpcastctl; undrain waiting for the state file)" <<< "$state" ||
	fail "the withdraw not in force, or the undrain already: $state"
wait_for "the write held ended, then the undrain's" withdrawals 0
[ "$(json 'v["maintenance"]' < "$WORK/state.json")" = "{}" ] || fail "the state file after the undrain: $(cat "$WORK/state.json")"
stop_xdpcastd
echo "ok - a write that does not end: after 20 s a withdraw is answered in force, not kept yet, and an undrain refused; both applied once written"

# A stop with commands waiting: closed without a word, each read "no
# answer from xdpcastd" (a withdraw as if refused). Each is told why, and
# the held write goes on as xdpcastd exits (the undrain's after it).
STALL_NAME=state.json STALL_MARKER=$WORK/stalled STALL_S=10 XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE"
rm -f "$WORK/stalled" "$WORK/stalled.over"
ctl --json withdraw 2001:db8:53::/48 > "$WORK/withdraw6.json" &
withdraw6=$!
wait_for "the state file's write held" test -e "$WORK/stalled"
ctl undrain 2001:db8:53::/48 > "$WORK/undrain.out" 2>&1 &
undrain=$!
wait_for "the undrain asked" undrains_asked 2001:db8:53::/48 1
# And one still sending its command line (cut at its 2 s deadline: the
# stop comes well before).
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.send(b"stat")
print("sent", flush=True)
s.settimeout(30)
print(s.recv(4096).decode(), end="")' "$CONTROL_SOCKET" > "$WORK/partial.out" &
partial=$!
PIDS+=($partial)
wait_for "a partial command line sent" grep -q sent "$WORK/partial.out"
kill -TERM "$XDPCASTD_PID"
wait "$withdraw6" || fail "a withdraw waiting at a stop: $(cat "$WORK/withdraw6.json")"
[ "$(json 'v["warning"]' < "$WORK/withdraw6.json")" = "xdpcastd is stopping before it saw the state file's write end: kept across restarts if it is written as xdpcastd exits" ] ||
	fail "a withdraw waiting at a stop: $(cat "$WORK/withdraw6.json")"
rc=0; wait "$undrain" || rc=$?
[ "$rc" -eq 1 ] && [ "$(cat "$WORK/undrain.out")" = "xdpcastctl: xdpcastd is stopping before it saw the state file's write end: the undrain takes effect at the next start if it is written as xdpcastd exits" ] ||
	fail "an undrain waiting at a stop: rc $rc, '$(cat "$WORK/undrain.out")'"
wait "$partial" || fail "a client still sending at a stop: $(cat "$WORK/partial.out")"
[ "$(sed -n 2p "$WORK/partial.out")" = '{"ok":false,"error":"xdpcastd is stopping before answering"}' ] ||
	fail "a client still sending at a stop: $(cat "$WORK/partial.out")"
[ ! -e "$WORK/stalled.over" ] || fail "the write ended before the stop answered: the test proves nothing"
within 60 xdpcastd_ended || fail "xdpcastd still runs 60 s after SIGTERM"
rc=0; wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "xdpcastd exited with $rc on SIGTERM with a held write"
srv ip -o link show | grep -q "prog/xdp" && fail "a program is still attached after the stop"
[ ! -e "$PIN_DIR" ] || fail "maps are still pinned after the stop"
[ "$(json 'v["maintenance"]' < "$WORK/state.json")" = "{}" ] || fail "the state file after the stop: $(cat "$WORK/state.json")"
# A handover with a reload under way (held at a file the zone includes):
# the reload's client is told, then the next start takes over.
cp "$ZONE" "$WORK/handover.zone"
echo "zone_watch: {enabled: false}" > "$WORK/handover.yaml"
HOLD_OPEN_NAME=handover-tail HOLD_OPEN_MARKER=$WORK/reload-held HOLD_OPEN_RELEASE=$WORK/reload-release HOLD_S=60 \
	XDPCASTD=$(shimmed) start_xdpcastd --zone "$WORK/handover.zone" --config "$WORK/handover.yaml"
echo "tail 300 IN A 192.0.2.99" > "$WORK/handover-tail.zone"
echo "\$INCLUDE $WORK/handover-tail.zone" >> "$WORK/handover.zone"
ctl reload > "$WORK/reload.out" 2>&1 &
reload=$!
wait_for "the reload held at the included file" test -e "$WORK/reload-held"
kill -USR1 "$XDPCASTD_PID"
rc=0; wait "$reload" || rc=$?
[ "$rc" -eq 1 ] && [ "$(cat "$WORK/reload.out")" = "xdpcastctl: xdpcastd is handing over to the next start before the reload ended" ] ||
	fail "a reload waiting at a handover: rc $rc, '$(cat "$WORK/reload.out")'"
touch "$WORK/reload-release"
within 60 xdpcastd_ended || fail "xdpcastd still runs 60 s after SIGUSR1"
rc=0; wait "$XDPCASTD_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "xdpcastd exited with $rc on SIGUSR1 with a reload held"
start_xdpcastd --zone "$ZONE"
grep -Eq "the previous xdpcastd \(pid [0-9]+\) handed over" "$WORK/xdpcastd.log" || fail "no takeover after the handover: $(cat "$WORK/xdpcastd.log")"
stop_xdpcastd
rm "$WORK/handover.zone" "$WORK/handover-tail.zone" "$WORK/handover.yaml" "$WORK/reload-held" "$WORK/reload-release"
echo "ok - a stop with commands waiting: each told why (a withdraw kept if written, an undrain at the next start if written, a half-sent line), the writes done as it exits; a reload waiting at a handover told so"

# A kept entry's undrain whose held write then fails (the disk full
# meanwhile), asked again as it is held: the first is refused, not
# answered as kept because the second was pending; both are, and the entry
# stays until a write keeps its undrain.
start_xdpcastd --zone "$ZONE" --anycast 203.0.113.0/24
ctl withdraw 203.0.113.0/24 > /dev/null || fail "withdraw 203.0.113.0/24"
stop_xdpcastd
touch "$WORK/stalled"
FULL_NAME=state.json FULL_MARKER=$WORK/full STALL_NAME=state.json STALL_MARKER=$WORK/stalled STALL_S=8 \
	XDPCASTD=$(shimmed) start_xdpcastd --zone "$ZONE"
rm -f "$WORK/stalled" "$WORK/stalled.over"
ctl undrain 203.0.113.0/24 > "$WORK/undrain1.out" 2>&1 &
undrain1=$!
wait_for "the undrain's write held" test -e "$WORK/stalled"
touch "$WORK/full"
ctl undrain 203.0.113.0/24 > "$WORK/undrain2.out" 2>&1 &
undrain2=$!
wait_for "the second undrain asked" undrains_asked 203.0.113.0/24 2
[ ! -e "$WORK/stalled.over" ] || fail "the first write ended before the second undrain: the test proves nothing"
full_error="xdpcastctl: writing $WORK/state.json: creating a temporary file beside it: No space left on device"
for n in 1 2; do
	rc=0; wait "$(eval echo "\$undrain$n")" || rc=$?
	[ "$rc" -eq 1 ] && [ "$(cat "$WORK/undrain$n.out")" = "$full_error" ] ||
		fail "undrain $n of a kept entry, its write failed: rc $rc, '$(cat "$WORK/undrain$n.out")'"
done
grep -q '"203.0.113.0/24"' "$WORK/state.json" || fail "the kept entry lost: $(cat "$WORK/state.json")"
rm "$WORK/full"
ctl undrain 203.0.113.0/24 > /dev/null || fail "undrain of the kept entry once the disk has room"
grep -q "203.0.113" "$WORK/state.json" && fail "the kept entry not forgotten: $(cat "$WORK/state.json")"
stop_xdpcastd
echo "ok - undrains asked as a write is held: answered by what that write kept (undrained, or refused when it failed), not by the next"

# A drain of 0 prepends kept in the state file, read by a config with
# bgp.asn and no communities: its status blamed a missing bgp.asn, as did
# the refusal of `drain --prepend 0`; and an undrain of it waiting for the
# state file was not said.
echo "bgp: {asn: 64500}" > "$WORK/asn.yaml"
printf '{"maintenance": {"192.0.2.0/24": {"action": "drain", "prepend": 0}}}\n' > "$WORK/state.json"
STALL_NAME=state.json STALL_MARKER=$WORK/stalled STALL_S=8 XDPCASTD=$(shimmed) \
	start_xdpcastd --zone "$ZONE" --config "$WORK/asn.yaml" --anycast 203.0.113.0/24
cannot_drain="drained by xdpcastctl, withdrawn: no bgp.drain.communities, and 0 prepends of bgp.asn to drain with"
grep -qx "anycast 192.0.2.0/24: withdrawn ($cannot_drain)" <<< "$(ctl status)" ||
	fail "a drain of 0 prepends with bgp.asn set: $(ctl status)"
grep -q "state.json: 192.0.2.0/24: drained by an operator (0 prepends), but the config has no bgp.drain.communities, and 0 prepends of bgp.asn to drain with: withdrawn instead" \
	"$WORK/xdpcastd.log" || fail "the start's warning: $(grep state.json "$WORK/xdpcastd.log")"
rc=0; out=$(ctl drain --prepend 0 2001:db8:53::/48 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: a drain of 0 prepends needs bgp.drain.communities in the config file" ] ||
	fail "drain --prepend 0 with bgp.asn set: rc $rc, '$out'"
rm -f "$WORK/stalled" "$WORK/stalled.over"
ctl undrain 192.0.2.0/24 > /dev/null &
undrain=$!
wait_for "the undrain's write held" test -e "$WORK/stalled"
state=$(ctl status)
[ ! -e "$WORK/stalled.over" ] || fail "the undrain's write ended before status: the test proves nothing"
grep -qx "anycast 192.0.2.0/24: withdrawn ($cannot_drain; undrain waiting for the state file)" <<< "$state" ||
	fail "an undrain waiting for the state file, unsaid: $state"
wait "$undrain" || fail "undrain of a drain this config cannot express"
[ "$(json 'v["maintenance"]' < "$WORK/state.json")" = "{}" ] || fail "the state file after the undrain: $(cat "$WORK/state.json")"
# A prefix drained by the operator whose check is down (no address inside
# 203.0.113.0/24 here): its why was the check's alone, the drain unsaid.
ctl drain --prepend 2 203.0.113.0/24 > /dev/null || fail "drain 203.0.113.0/24"
grep -qx "anycast 203.0.113.0/24: withdrawn (drained by xdpcastctl; check backend 203.0.113.0/24 down)" <<< "$(ctl status)" ||
	fail "a drained prefix whose check is down: $(ctl status)"
ctl undrain 203.0.113.0/24 > /dev/null || fail "undrain 203.0.113.0/24"
grep -qx "anycast 203.0.113.0/24: withdrawn (check backend 203.0.113.0/24 down)" <<< "$(ctl status)" ||
	fail "the check alone once undrained: $(ctl status)"
# An undrain of every prefix held: nothing of 203.0.113.0/24's is being
# written (its why said so, beside the check).
rm "$WORK/stalled" "$WORK/stalled.over"
ctl undrain > /dev/null &
undrain=$!
wait_for "the undrain's write held" test -e "$WORK/stalled"
state=$(ctl status)
[ ! -e "$WORK/stalled.over" ] || fail "the undrain's write ended before status: the test proves nothing"
grep -qx "anycast 203.0.113.0/24: withdrawn (check backend 203.0.113.0/24 down)" <<< "$state" ||
	fail "a prefix with nothing to write, an undrain of every prefix held: $state"
wait "$undrain" || fail "undrain of every prefix"
stop_xdpcastd
rm "$WORK/asn.yaml"
echo "ok - a drain of 0 prepends with bgp.asn set and no communities: status, the start's warning and drain --prepend 0 name what is missing; its undrain waiting for the state file said so; a drain and a check down both named"

# BIRD not reached: what it exports is not known, and each prefix said
# "not exported by BIRD".
start_xdpcastd --zone "$ZONE" --bird-socket "$WORK/no-bird.ctl" --bird-include "$WORK/unreached.conf"
bird_unreached() { grep -q "^bgp: BIRD at $WORK/no-bird.ctl unreachable: " <<< "$(ctl status)"; }
wait_for "BIRD tried" bird_unreached
state=$(ctl status)
[ "$(grep -cE '^anycast [0-9a-f.:]+/[0-9]+: [a-z]+( \(prepend [0-9]+\))?( \(.*\))?, exported by BIRD or not: BIRD not reached$' <<< "$state")" -eq 2 ] ||
	fail "prefixes while BIRD is not reached: $state"
stop_xdpcastd
rm "$WORK/unreached.conf"
echo "ok - BIRD not reached: each prefix's export said unknown, not 'not exported'"

# A daemon whose pins are in a BPF filesystem of its own mount namespace
# (ip netns exec mounts a fresh /sys): xdpcastctl finds them through the
# daemon, given only the control socket. The directory's path is over
# 255 bytes: the status once cut it there, and xdpcastctl looked elsewhere.
PIN_DIR=/sys/fs/bpf/xdpcast-e2e-$SUFFIX-$(printf 'd%.0s' {1..230})
start_xdpcastd --zone "$ZONE"
[ ! -e "$PIN_DIR" ] || fail "$PIN_DIR is visible outside the daemon's namespace: the test proves nothing"
found() { "$BUILD/xdpcastctl" --control-socket "$CONTROL_SOCKET" "$@"; }
cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.test A > /dev/null
grep -qE "^dns_answer +tx +1 +1$" <<< "$(found stats)" || fail "stats through the daemon's namespace: $(found stats 2>&1)"
grep -qx "www.example.test A: answered in XDP (dns_answer)" <<< "$(found lookup www.example.test)" ||
	fail "lookup through the daemon's namespace: $(found lookup www.example.test 2>&1)"
found block list > /dev/null || fail "block list through the daemon's namespace"
echo "ok - pins in the daemon's own /sys/fs/bpf, a path over 255 bytes, found through its control socket (stats, lookup, block)"
stop_xdpcastd

# stats --watch across restarts: the counters a fresh start resets and the
# slots a takeover moves (the interfaces in another order) are rates, not
# a difference below zero (2^64 - 10 packets per second, before).
queries() { for _ in $(seq 1 "$1"); do cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.test A > /dev/null; done; }
# watch_across COMMAND...: a report of `stats --watch 10` over COMMAND,
# then 15 answers (a rate of 1 while 10 to 19 fall inside the 10 s, however
# slow the start); $rates: those of dns_answer, total and per interface.
watch_across() {
	ctl --json stats --watch 10 --count 1 > "$WORK/watch.json" &
	local watch=$!
	sleep 1         # its first reading taken
	"$@"
	queries 15
	wait "$watch" || fail "stats --watch across $*: $(cat "$WORK/watch.json")"
	rates=$(json 'v["dns_answer"]["per_second"], sorted(v["dns_answer"]["interfaces"].items())' < "$WORK/watch.json")
}
PIN_DIR=$WORK/bpffs/xdpcast    # a takeover needs the pins of the previous daemon's namespace
srv ip link add xm-a type veth peer name xm-b
srv ip link set xm-a up
srv ip link set xm-b up
start_xdpcastd --zone "$ZONE" --iface xm-a
queries 20
fresh_start() { stop_xdpcastd; start_xdpcastd --zone "$ZONE" --iface xm-a; }
watch_across fresh_start
[ "$rates" = "(1, [('veth-s', 1), ('xm-a', 0)])" ] ||
	fail "stats --watch over a stop and a fresh start: $(cat "$WORK/watch.json")"
queries 20
# Handed over to a daemon with the interfaces the other way round: veth-s's
# counts, carried over, are in slot 1 now.
reordered() {
	kill -USR1 "$XDPCASTD_PID"
	wait "$XDPCASTD_PID"
	: > "$WORK/xdpcastd.log"
	ip netns exec "$NS_SRV" "$BUILD/xdpcastd" --iface xm-a --iface veth-s --anycast 192.0.2.0/24 \
		--anycast 2001:db8:53::/48 --control-socket "$CONTROL_SOCKET" --bird-socket none \
		--state-file "$WORK/state.json" --pop e2e --pin-dir "$PIN_DIR" --zone "$ZONE" > "$WORK/xdpcastd.log" 2>&1 &
	XDPCASTD_PID=$!
	PIDS+=($XDPCASTD_PID)
	wait_for "xdpcastd" xdpcastd_ready
	grep -q "the interfaces changed since the previous daemon" "$WORK/xdpcastd.log" ||
		fail "no takeover with the interfaces moved: $(cat "$WORK/xdpcastd.log")"
}
watch_across reordered
[ "$rates" = "(1, [('veth-s', 1), ('xm-a', 0)])" ] ||
	fail "stats --watch over a takeover with the interfaces reordered: $(cat "$WORK/watch.json")"
stop_xdpcastd
echo "ok - stats --watch over a fresh start and over a takeover that moved the interfaces' slots: the rates of the answers since"

# Another local user can do nothing: the control socket is root's (mode
# 0700, and connecting takes write permission), the pins too (0600 in a
# 0700 directory). `withdraw` as nobody said "withdraw PREFIX needs a
# running xdpcastd" of a running one, and without a prefix tried to empty
# BIRD's file behind it.
chmod o+x "$WORK"       # as /run: others may reach the socket's name
start_xdpcastd --zone "$ZONE" --bird-include "$WORK/bird.conf"
[ "$(stat -c '%a %U' "$CONTROL_SOCKET")" = "700 root" ] || fail "control socket: $(stat -c '%a %U' "$CONTROL_SOCKET")"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
ours() { cat "$WORK/state.json" "$WORK/bird.conf" 2>/dev/null || true; }     # the files nobody must change
files=$(ours | md5sum)
for command in status reload "withdraw 192.0.2.0/24" withdraw undrain stats "block add 203.0.113.0/24" \
	"block list"; do
	rc=0
	out=$(as_nobody "$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" \
		--bird-include "$WORK/bird.conf" $command 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [[ "$out" == "xdpcastctl: "*": Permission denied (xdpcastctl needs root)" ]] ||
		fail "xdpcastctl $command as nobody: rc $rc, '$out'"
done
[ "$(ours | md5sum)" = "$files" ] || fail "nobody changed the state file or BIRD's: $(ours)"
stop_xdpcastd
echo "ok - as nobody every command (status, reload, withdraw, undrain, stats, block) is refused: Permission denied (xdpcastctl needs root)"

# A pin directory another user made first (this BPF filesystem, mounted
# without mode=, is 1777 as /sys/fs/bpf mounted by hand is) was taken as
# it was: its owner could then swap the pins for links to other maps, and
# root's `xdpcastctl block add` wrote where they pointed.
# refused_start: a start that must fail (one that did not stays running:
# the wait below would never end, so the log is watched first).
refused_start() {
	launch_xdpcastd --zone "$ZONE" "$@"
	wait_for "xdpcastd to refuse the start" grep -q "failed:" "$WORK/xdpcastd.log"
	rc=0
	wait "$XDPCASTD_PID" || rc=$?
}
as_nobody mkdir "$PIN_DIR"
refused_start
[ "$rc" -eq 1 ] && grep -q "failed: --pin-dir $PIN_DIR is owned by uid 65534, not by root" "$WORK/xdpcastd.log" ||
	fail "a pin directory of nobody's: rc $rc, $(tail -2 "$WORK/xdpcastd.log")"
rmdir "$PIN_DIR"
# Nor a link to a directory of root's, which its owner could point
# elsewhere once the pins are in.
mkdir -m 0700 "$WORK/bpffs/roots"
as_nobody ln -s roots "$PIN_DIR"
refused_start
[ "$rc" -eq 1 ] && grep -q "failed: --pin-dir $PIN_DIR: a symbolic link, not a directory" "$WORK/xdpcastd.log" ||
	fail "a pin directory through nobody's link: rc $rc, $(tail -2 "$WORK/xdpcastd.log")"
# Named as the config file's other keys are when the file gives it (it
# was blamed on --pin-dir).
echo "pin_dir: $PIN_DIR" > "$WORK/pin-config.yaml"
IN_CONFIG=pin_dir refused_start --config "$WORK/pin-config.yaml"
[ "$rc" -eq 1 ] &&
	grep -q "failed: $WORK/pin-config.yaml:1: pin_dir: $PIN_DIR: a symbolic link, not a directory" "$WORK/xdpcastd.log" ||
	fail "a pin directory from the config through nobody's link: rc $rc, $(tail -2 "$WORK/xdpcastd.log")"
rm "$PIN_DIR" "$WORK/pin-config.yaml"
rmdir "$WORK/bpffs/roots"
echo "ok - a pin directory another user owns is refused, and one through a link, naming --pin-dir or the config's pin_dir"

# A state file in a directory other users may write was read at the start
# as it was: anyone could withdraw or drain the PoP's prefixes there.
mkdir -m 1777 "$WORK/shared"
as_nobody sh -c "echo '{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"withdraw\"}}}' > $WORK/shared/state.json"
refused_start --state-file "$WORK/shared/state.json"
[ "$rc" -eq 1 ] &&
	grep -q "failed: --state-file $WORK/shared/state.json: $WORK/shared is writable by other users (mode 1777)" "$WORK/xdpcastd.log" ||
	fail "a state file where other users may write: rc $rc, $(tail -2 "$WORK/xdpcastd.log")"
# Named as the config file's other keys are when the file gives the path.
echo "state_file: $WORK/shared/state.json" > "$WORK/state-config.yaml"
IN_CONFIG=state_file refused_start --config "$WORK/state-config.yaml"
[ "$rc" -eq 1 ] &&
	grep -q "failed: $WORK/state-config.yaml:1: state_file: $WORK/shared/state.json: $WORK/shared is writable by other users (mode 1777)" "$WORK/xdpcastd.log" ||
	fail "a state file from the config where other users may write: rc $rc, $(tail -2 "$WORK/xdpcastd.log")"
rm -r "$WORK/shared"
echo '{"maintenance": 1}' > "$WORK/other-state.json"
echo "state_file: $WORK/other-state.json" > "$WORK/state-config.yaml"
IN_CONFIG=state_file refused_start --config "$WORK/state-config.yaml"
[ "$rc" -eq 1 ] &&
	grep -q "failed: $WORK/state-config.yaml:1: state_file: $WORK/other-state.json: no \"maintenance\" object" "$WORK/xdpcastd.log" ||
	fail "a state file from the config that is not what xdpcastd writes: rc $rc, $(tail -2 "$WORK/xdpcastd.log")"
rm "$WORK/state-config.yaml" "$WORK/other-state.json"
echo "ok - a state file in a directory other users may write, or not what xdpcastd writes, is refused at the start naming --state-file or the config's state_file"
