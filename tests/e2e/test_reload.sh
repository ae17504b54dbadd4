#!/usr/bin/env bash
# Two zones and two interfaces; SIGHUP swaps in a new generation; a broken
# zone file on reload is reported with file and line while the previous
# generation keeps answering from XDP, for every zone. Then the same by
# itself on file change (inotify), with the zones health check failing
# while a file is broken.
source "$(dirname "$0")/lib.sh"

EXAMPLE=$WORK/example.test.zone
SECOND=$WORK/second.test.zone
INCLUDED=$WORK/include/included.zone   # its directory is swapped for a new one below

write_second() {
	cat > "$SECOND" <<ZONE
\$ORIGIN second.test.
@    300 IN SOA ns1.example.test. hostmaster.example.test. $1 3600 600 86400 60
@    300 IN NS  ns1.example.test.
www  300 IN A   $2
\$INCLUDE $INCLUDED
ZONE
}

# answer_via_xdp NAME TYPE EXPECTED: asked over IPv4, answered by the fast path.
answer_via_xdp() { xdp_answers "$@" || fail "$1 $2: expected '$3' from XDP, got '$XDP_GOT'"; }

reloads_done() { [ "$(grep -c "$1" "$WORK/xdpcastd.log")" -ge "$2" ]; }
# reload_refused WHAT ANSWER: xdpcastctl reload fails, saying "reload failed, ANSWER".
reload_refused() {
	local rc=0 out
	out=$(ctl reload 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && [ "$out" = "xdpcastctl: reload failed, $2" ] || fail "$1: rc $rc, $out"
}

setup_network
mkdir "$WORK/include"
cp "$ROOT/tests/zones/example.test.zone" "$EXAMPLE"
echo "extra 300 IN A 192.0.2.60" > "$INCLUDED"
write_second 1 192.0.2.77
# A bridge has no native XDP: xdpcastd falls back to skb mode for it alone.
srv ip link add xc-br type bridge
srv ip link set xc-br up
start_nsd "$EXAMPLE" "$SECOND"
# First the explicit reloads alone.
echo "zone_watch: {enabled: false}" > "$WORK/nowatch.yaml"
start_xdpcastd --zone "$EXAMPLE" --zone "$SECOND" --iface xc-br --config "$WORK/nowatch.yaml"

grep -q "attached to veth-s (ifindex [0-9]*) in native mode" "$WORK/xdpcastd.log" || fail "veth-s not native"
grep -q "xc-br: the driver has no native XDP; attaching in skb mode" "$WORK/xdpcastd.log" || fail "no fallback logged for xc-br"
grep -q "attached to xc-br (ifindex [0-9]*) in skb mode" "$WORK/xdpcastd.log" || fail "xc-br not in skb mode"
[ "$(srv ip -o link show | grep -c "prog/xdp")" -eq 2 ] || fail "not attached to both interfaces"
echo "ok - attached to two interfaces, native and skb fallback"

answer_via_xdp www.second.test A 192.0.2.77
answer_via_xdp www.example.test AAAA 2001:db8:53::80
echo "ok - two zones answered from one generation"

write_second 2 192.0.2.78
kill -HUP "$XDPCASTD_PID"
wait_for "generation 2" reloads_done "generation 2:" 1
answer_via_xdp www.second.test A 192.0.2.78
# The log says the zone that changed, not every zone again at each reload
# (with 100,000 zones that was 100,000 lines per reload).
zone_lines=$(sed -n '/SIGHUP: reloading/,/generation 2:/p' "$WORK/xdpcastd.log" | grep -o "zone [a-z.]* serial [0-9]*: [0-9]* records")
[ "$zone_lines" = "zone second.test. serial 2: 4 records" ] || fail "the reload logged: $zone_lines"
grep -q "generation 2: [0-9]* names in the cache, [0-9]* RRsets left to userspace, 1 zones as before$" "$WORK/xdpcastd.log" ||
	fail "the generation line: $(grep "generation 2:" "$WORK/xdpcastd.log")"
echo "ok - SIGHUP swapped in generation 2, logging the zone that changed alone"

# The config is read as the next start would read it: a restart key that
# changed is named, what the next start would refuse is refused now.
printf 'zone_watch: {enabled: false}\nhealth: {interval_ms: 700}\nrrl: {buckets: 1024}\n' > "$WORK/nowatch.yaml"
out=$(ctl reload) || fail "a reload with restart keys changed failed"
restart_note="changed, applied at the next start (a restart hands over without a lost query)"
# A handover keeps the pin directory and the interfaces' mode: those two need a stop and a start.
stop_note="changed, applied at the next start (pin_dir and xdp_mode need a stop and a start: a restart hands over in the pin directory and the interfaces' mode in force)"
[ "$out" = "$(printf 'reloaded: generation 3\n%s: rrl.buckets, health.interval_ms' "$restart_note")" ] ||
	fail "xdpcastctl reload said: $out"
grep -q "warning: $WORK/nowatch.yaml: $restart_note: rrl.buckets, health.interval_ms$" "$WORK/xdpcastd.log" ||
	fail "restart keys changed without a word: $(grep nowatch.yaml "$WORK/xdpcastd.log")"
# Every key the flags leave to the file, changed at once: each is named,
# the last as the first (the list was cut at 512 bytes, mid-key).
cat > "$WORK/nowatch.yaml" <<YAML
zone_watch: {enabled: false, delay_ms: 100}
minimal_responses: true
views: {v1: {clients: [203.0.113.0/24], zones: [$EXAMPLE]}}
metrics: $UNICAST4:9599
xdp_mode: skb
bird_include: $WORK/bird.conf
replace_foreign: true
verbose: true
rate_limit: {source_buckets: 1000}
rrl: {buckets: 1000}
drain_ms: 100
health: {interval_ms: 700, rise: 2, fall: 3, timeout_ms: 300, zones_per_round: 5, backend: $ANYCAST4,
         commands: [{name: c1, run: "true"}], user: nobody, actions: {c1: drain}}
bgp: {asn: 64500, drain: {prepend: 2, communities: ["65535:0"]}}
transfer: {notify_listen: "$UNICAST4@5300", timeout_ms: 2000, catalog_members_max: 5,
           keys: [{name: k1, secret: "c2VjcmV0c2VjcmV0"}], zones: [{zone: third.test, primary: 203.0.113.2}]}
catchment: {groups: {europe: [198.51.100.0/24]}}
limits: {zone_file_mb: 10, zone_records: 100000}
answer_cache: {max_mib: 64}
YAML
every="minimal_responses, views, metrics, xdp_mode, bird_include, replace_foreign, verbose, rate_limit.source_buckets, rrl.buckets, drain_ms, health.interval_ms, health.rise, health.fall, health.timeout_ms, health.zones_per_round, health.backend, health.commands, health.user, health.actions, bgp.asn, bgp.drain.prepend, bgp.drain.communities, zone_watch.delay_ms, transfer.notify_listen, transfer.timeout_ms, transfer.catalog_members_max, transfer.keys, transfer.zones, limits.zone_file_mb, limits.zone_records, answer_cache.max_mib, catchment.groups"
out=$(ctl reload) || fail "a reload with every restart key changed failed"
[ "$out" = "$(printf 'reloaded: generation 4\n%s: %s' "$stop_note" "$every")" ] ||
	fail "xdpcastctl reload said: $out"
grep -qF "warning: $WORK/nowatch.yaml: $stop_note: $every" "$WORK/xdpcastd.log" ||
	fail "the restart keys logged: $(grep "nowatch.yaml: changed" "$WORK/xdpcastd.log" | tail -1)"
# Status says so too, until a reload of a config that changes none.
grep -qxF "config $stop_note: $every" <<< "$(ctl status)" || fail "status: $(ctl status | grep "^config")"
echo "ok - a reload names every restart key that changed, in the log, to xdpcastctl and in status"
printf 'zone_watch: {enabled: false}\nhealth:\n  actions: {fast_path: drain}\n' > "$WORK/nowatch.yaml"
reload_refused "a config the next start would refuse" "generation 4 keeps answering: $WORK/nowatch.yaml:3: health.actions: fast_path: drain needs bgp.asn (to prepend) or bgp.drain.communities"
printf 'zone_watch: {enabled: false}\nhealth:\n  actions: {nosuch: withdraw}\n' > "$WORK/nowatch.yaml"
reload_refused "an action for a check that is not made" "generation 4 keeps answering: $WORK/nowatch.yaml:3: health.actions: no check named 'nosuch'"
printf 'zone_watch: {enabled: false}\nviews: {v1: {clients: [203.0.113.0/24], zones: [%s]}}\n' "$WORK/missing.zone" > "$WORK/nowatch.yaml"
reload_refused "a view's zone file that is not there" "generation 4 keeps answering: $WORK/nowatch.yaml:2: views.v1.zones: $WORK/missing.zone: cannot read the zone file: No such file or directory"
# A zone file the next start would fail to load: only its being there was asked.
printf 'zone_watch: {enabled: false}\nviews: {v1: {clients: [203.0.113.0/24], zones: [%s]}}\n' "$ROOT/tests/zones/broken.zone" > "$WORK/nowatch.yaml"
reload_refused "a view's zone file that does not load" "generation 4 keeps answering: $WORK/nowatch.yaml:2: views.v1.zones: $ROOT/tests/zones/broken.zone:6: invalid IPv4 address"
cp "$EXAMPLE" "$WORK/again.zone"
printf 'zone_watch: {enabled: false}\nviews: {v1: {clients: [203.0.113.0/24], zones: [%s, %s]}}\n' "$EXAMPLE" "$WORK/again.zone" > "$WORK/nowatch.yaml"
reload_refused "a view with two files of one origin" "generation 4 keeps answering: $WORK/nowatch.yaml:2: views.v1.zones: $WORK/again.zone: zone example.test. is already loaded from $EXAMPLE"
grep -qxF "config $stop_note: $every" <<< "$(ctl status)" || fail "a failed reload changed the keys status names"
echo "zone_watch: {enabled: false}" > "$WORK/nowatch.yaml"
ctl reload > /dev/null || fail "the reload after the fix failed"
ctl_lacks "^config changed" status || fail "status still names restart keys the config no longer changes"
echo "ok - a reload refuses what the next start would refuse, naming file, line and key"

echo "www2 IN A 192.0.2.300" >> "$EXAMPLE"
write_second 3 192.0.2.79
kill -HUP "$XDPCASTD_PID"
# The refused reloads above logged "reload failed" too: SIGHUP's own line
# is waited for (a count of them passed at once, before it was written).
wait_for "the failed reload, naming file and line" grep -q \
	"SIGHUP: reload failed, generation 5 keeps answering: $EXAMPLE:[0-9]*: invalid IPv4 address" "$WORK/xdpcastd.log"
# All or nothing: second.test's good change did not land either.
answer_via_xdp www.second.test A 192.0.2.78
answer_via_xdp www.example.test AAAA 2001:db8:53::80
echo "ok - a broken zone on reload changes nothing and names file and line"

# A handover to a daemon listing the interfaces in another order: each
# interface keeps its own counters (they are per slot in the program). It
# asks for skb mode: the handover keeps veth-s in native mode and says so.
answers_on() { ctl --json stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["dns_answer"]["interfaces"].get(sys.argv[1], 0))' "$1"; }
on_veth=$(answers_on veth-s)
[ "$on_veth" -gt 0 ] && [ "$(answers_on xc-br)" -eq 0 ] || fail "answers before the handover: veth-s $on_veth, xc-br $(answers_on xc-br)"
kill -USR1 "$XDPCASTD_PID"
wait "$XDPCASTD_PID" || fail "the handover did not exit 0"
sed -i '/^www2 /d' "$EXAMPLE"
printf 'interfaces: [xc-br, veth-s]\nzone_watch: {enabled: false}\n' > "$WORK/reordered.yaml"
: > "$WORK/xdpcastd.log"     # now: the background redirection may come after the wait
ip netns exec "$NS_SRV" "$BUILD/xdpcastd" --config "$WORK/reordered.yaml" --anycast 192.0.2.0/24 \
	--anycast 2001:db8:53::/48 --zone "$EXAMPLE" --zone "$SECOND" --control-socket "$CONTROL_SOCKET" \
	--bird-socket none --state-file "$WORK/state.json" --pop e2e --pin-dir "$PIN_DIR" --xdp-mode skb > "$WORK/xdpcastd.log" 2>&1 &
XDPCASTD_PID=$!
PIDS+=($XDPCASTD_PID)
wait_for "xdpcastd" xdpcastd_ready
[ "$(answers_on veth-s)" -eq "$on_veth" ] && [ "$(answers_on xc-br)" -eq 0 ] ||
	fail "answers after the handover: veth-s $(answers_on veth-s) (was $on_veth), xc-br $(answers_on xc-br)"
[ "$(grep -c "kept .* mode, not the" "$WORK/xdpcastd.log")" -eq 1 ] &&
	grep -q "warning: veth-s: kept native mode, not the skb mode asked: a handover keeps the mode of the program it takes over; stop xdpcastd, then start it, to change it$" "$WORK/xdpcastd.log" ||
	fail "the mode the handover kept: $(grep -E "mode" "$WORK/xdpcastd.log")"
grep -qx "interface veth-s (ifindex [0-9]*): native mode" <<< "$(ctl status)" || fail "veth-s: $(ctl status | grep veth-s)"
echo "ok - a handover with the interfaces reordered: each keeps its counters ($on_veth answers on veth-s) and its mode, said when another is asked"

stop_xdpcastd
echo "ok - detached from both interfaces and unpinned"

# Zone files watched (the default): a change is a reload, debounced.
zones_check() { ctl status | grep "^check zones "; }
cp "$ROOT/tests/zones/example.test.zone" "$EXAMPLE"
: > "$WORK/xdpcastd.log"
cat > "$WORK/watch.yaml" <<YAML
zone_watch: {delay_ms: 200}
health: {interval_ms: 200, rise: 1, fall: 1}
YAML
start_xdpcastd --zone "$EXAMPLE" --zone "$SECOND" --config "$WORK/watch.yaml"
wait_for "the zones check" eval '[ "$(zones_check)" = "check zones up" ]'
# As deploy tools do: a new file renamed over the old one.
sed 's/192.0.2.79/192.0.2.90/' "$SECOND" > "$SECOND.new"
sed -i 's/ 3 3600/ 4 3600/' "$SECOND.new"
mv "$SECOND.new" "$SECOND"
wait_for "the reload on change" reloads_done "zone file changed: reloading" 1
wait_for "generation 2" reloads_done "generation 2:" 1
answer_via_xdp www.second.test A 192.0.2.90
sleep 1         # five times delay_ms: a second reload for the same rename would be logged by now
[ "$(grep -c "zone file changed: reloading" "$WORK/xdpcastd.log")" -eq 1 ] && ! grep -q "generation 3:" "$WORK/xdpcastd.log" ||
	fail "one rename reloaded more than once: $(grep -E "zone file changed|generation [0-9]+:" "$WORK/xdpcastd.log")"
echo "ok - a zone file renamed into place is reloaded once, by itself"

# A file the zone includes, changed alone: watched, and read again
# although the zone's own file is as it was.
answer_via_xdp extra.second.test A 192.0.2.60
echo "extra 300 IN A 192.0.2.61" > "$INCLUDED"
wait_for "the included file's change" eval 'xdp_answers extra.second.test A 192.0.2.61'
echo "ok - a change to a file a zone includes is seen and loaded"
# A deploy swapping the directory: the watch followed the old one away,
# and saw neither the swap nor later changes in the new one.
mkdir "$WORK/include.new"
echo "extra 300 IN A 192.0.2.62" > "$WORK/include.new/included.zone"
mv "$WORK/include" "$WORK/include.old"
mv "$WORK/include.new" "$WORK/include"
wait_for "the swapped directory's file" eval 'xdp_answers extra.second.test A 192.0.2.62'
echo "extra 300 IN A 192.0.2.63" > "$INCLUDED"
wait_for "a change in the directory swapped in" eval 'xdp_answers extra.second.test A 192.0.2.63'
echo "ok - a directory swapped in by a deploy is loaded, and watched from then on"
# The included file made a symlink to a file elsewhere (a checkout): the
# link's change is seen where the link is, a change to its target where
# the target is.
mkdir "$WORK/checkout"
echo "extra 300 IN A 192.0.2.64" > "$WORK/checkout/included.zone"
ln -sf "$WORK/checkout/included.zone" "$INCLUDED"
wait_for "the symlink's target" eval 'xdp_answers extra.second.test A 192.0.2.64'
echo "extra 300 IN A 192.0.2.65" > "$WORK/checkout/included.zone.new"
mv "$WORK/checkout/included.zone.new" "$WORK/checkout/included.zone"
wait_for "a change to the symlink's target" eval 'xdp_answers extra.second.test A 192.0.2.65'
echo "ok - a file that is a symlink is watched where it points too"

echo "www2 IN A 192.0.2.300" >> "$EXAMPLE"
wait_for "the failed reload on change" reloads_done "reload failed" 1
# The last good generation still answers: an alert, not a withdrawal.
wait_for "the alert in status" eval \
	'grep -q "^reload failed (1 failures so far), the generation in force keeps answering: $EXAMPLE:[0-9]*: invalid IPv4 address" <<< "$(ctl status)"'
[ "$(zones_check)" = "check zones up" ] || fail "a failed reload took the zones check down: $(zones_check)"
metric() { ctl status --json | python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
[ "$(metric reload_failures)" = 1 ] || fail "reload_failures: $(metric reload_failures)"
answer_via_xdp www.second.test A 192.0.2.90
sed -i '/^www2 /d' "$EXAMPLE"
wait_for "the alert to clear" ctl_lacks "^reload failed" status
echo "ok - a broken file on change: the generation stays and keeps the PoP announced; status alerts with file and line, then clears"

# A broken config stays an alert while zone changes alone load: they do
# not read it, so its settings are still not in force.
printf 'zone_watch: {delay_ms: 200}\nhealth: {interval_ms: 200, rise: 1, fall: 1}\nrrl: {rate: lots}\n' > "$WORK/watch.yaml"
kill -HUP "$XDPCASTD_PID"
wait_for "the failed config reload" reloads_done "rrl.rate" 1
sed -i 's/192.0.2.90/192.0.2.91/; s/ 4 3600/ 5 3600/' "$SECOND"
wait_for "the zone change" eval 'xdp_answers www.second.test A 192.0.2.91'
grep -q "^reload failed (2 failures so far), the generation in force keeps answering: $WORK/watch.yaml:3: rrl.rate" <<< "$(ctl status)" ||
	fail "a zone change cleared the broken config's alert: $(ctl status | grep reload)"
printf 'zone_watch: {delay_ms: 200}\nhealth: {interval_ms: 200, rise: 1, fall: 1}\n' > "$WORK/watch.yaml"
kill -HUP "$XDPCASTD_PID"
wait_for "the alert to clear" ctl_lacks "^reload failed" status
echo "ok - a broken config's alert outlasts zone changes and clears when the config loads"
stop_xdpcastd

# An interface the config adds must exist: the next start would fail on it.
printf 'interfaces: [veth-s]\nzone_watch: {enabled: false}\n' > "$WORK/ifaces.yaml"
IN_CONFIG=interfaces start_xdpcastd --zone "$EXAMPLE" --config "$WORK/ifaces.yaml"
printf 'interfaces: [veth-s, nosuch0]\nzone_watch: {enabled: false}\n' > "$WORK/ifaces.yaml"
reload_refused "an interface that is not there" "generation 1 keeps answering: $WORK/ifaces.yaml:1: interfaces: nosuch0: no such interface (the next start would keep the anycast prefixes withdrawn until it appears)"
printf 'interfaces: [veth-s, xc-br]\nzone_watch: {enabled: false}\n' > "$WORK/ifaces.yaml"
ctl reload > /dev/null || fail "a reload adding an interface that is there failed"
grep -q "^config changed, applied at the next start .*: interfaces$" <<< "$(ctl status)" || fail "status: $(ctl status | grep config)"
echo "ok - a reload adding an interface that does not exist is refused; one that does is named for the next start"
stop_xdpcastd

# A control socket the config moves into a directory other users may
# write: the next start would refuse it (another user could listen there
# first), so the reload refuses it now.
printf 'control_socket: %s\nzone_watch: {enabled: false}\n' "$CONTROL_SOCKET" > "$WORK/socket.yaml"
IN_CONFIG=control_socket start_xdpcastd --zone "$EXAMPLE" --config "$WORK/socket.yaml"
mkdir -m 1777 "$WORK/shared"
printf 'control_socket: %s\nzone_watch: {enabled: false}\n' "$WORK/shared/xdpcastd.sock" > "$WORK/socket.yaml"
reload_refused "a control socket where other users may write" "generation 1 keeps answering: $WORK/socket.yaml:1: control_socket: $WORK/shared/xdpcastd.sock: $WORK/shared is writable by other users (mode 1777): they can replace what is in it (the next start would fail on it)"
echo "ok - a reload moving the control socket where the next start would refuse it is refused"
stop_xdpcastd

# Listeners, the state file and health.user: what the next start would
# refuse among the keys a config changes, the reload refuses now.
write_start_config() { printf 'state_file: %s\nzone_watch: {enabled: false}\n%b' "$1" "${2:-}" > "$WORK/start.yaml"; }
write_start_config "$WORK/state.json" 'metrics: 127.0.0.1:9553\n'
IN_CONFIG=state_file start_xdpcastd --zone "$EXAMPLE" --config "$WORK/start.yaml"
write_start_config "$WORK/state.json" 'metrics: 203.0.113.99:9553\n'
reload_refused "metrics on an address this host does not have" "generation 1 keeps answering: $WORK/start.yaml: metrics: 203.0.113.99:9553 (TCP): cannot listen there: Cannot assign requested address (the next start would fail on it)"
# A port another program listens on (TCP here, so UDP binds first and the
# error names TCP); the holder is ours to stop.
srv python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 5300)); s.listen(); time.sleep(60)' &
PIDS+=($!)
wait_for "the port's holder" eval 'srv ss -Hltn "sport = :5300" | grep -q LISTEN'
write_start_config "$WORK/state.json" 'metrics: 127.0.0.1:9553\ntransfer: {notify_listen: 127.0.0.1@5300}\n'
reload_refused "notify_listen on a port another program holds" "generation 1 keeps answering: $WORK/start.yaml: transfer.notify_listen: 127.0.0.1@5300 (TCP): cannot listen there: Address already in use (the next start would fail on it)"
# The metrics port kept: a new listener on it conflicts at the next start.
write_start_config "$WORK/state.json" 'metrics: 127.0.0.1:9553\ntransfer: {notify_listen: 127.0.0.1@9553}\n'
reload_refused "notify_listen on the port metrics keeps" "generation 1 keeps answering: $WORK/start.yaml: transfer.notify_listen: 127.0.0.1@9553 (TCP): cannot listen there: Address already in use (the next start would fail on it)"
echo '{"maintenance": 1}' > "$WORK/other-state.json"
write_start_config "$WORK/other-state.json" 'metrics: 127.0.0.1:9553\n'
reload_refused "a state file that is not what xdpcastd writes" "generation 1 keeps answering: $WORK/start.yaml:1: state_file: $WORK/other-state.json: no \"maintenance\" object (remove it to forget every drain) (the next start would fail on it)"
# One another xdpcastd holds (the same kind of lock, flock(2), in one
# process the test stops).
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' "$WORK/held-state.json.lock" &
PIDS+=($!)
wait_for "the lock's holder" eval 'flock -n "$WORK/held-state.json.lock" true; [ $? -eq 1 ]'
write_start_config "$WORK/held-state.json" 'metrics: 127.0.0.1:9553\n'
reload_refused "a state file another daemon holds" "generation 1 keeps answering: $WORK/start.yaml:1: state_file: $WORK/held-state.json: another xdpcastd uses it (it holds $WORK/held-state.json.lock): give each its own (the next start would fail on it)"
# The port the daemon holds itself is free again when the next start
# binds it. A state file moved while a withdrawal is in force: said.
ctl withdraw 192.0.2.0/24 > /dev/null || fail "xdpcastctl withdraw 192.0.2.0/24 failed"
write_start_config "$WORK/other-state.json.new" 'metrics: 0.0.0.0:9553\nhealth: {user: nobody}\n'
out=$(ctl reload) || fail "a reload moving metrics to a port xdpcastd holds itself failed: $out"
[ "$out" = "$(printf 'reloaded: generation 2\n%s: metrics, state_file, health.user' "$restart_note")" ] ||
	fail "xdpcastctl reload said: $out"
grep -qF "warning: state_file: the next start reads $WORK/other-state.json.new, not $WORK/state.json, which keeps the drains and withdrawals in force (1 prefix): move it there just before that start, or they end" "$WORK/xdpcastd.log" ||
	fail "a state file moved under a withdrawal without a word: $(grep state_file "$WORK/xdpcastd.log")"
echo "ok - a reload moving a listener or the state file where the next start would fail is refused, naming key and why"
stop_xdpcastd

# The state file in use, named another way: its lock is this daemon's own
# (taken again, it was refused as another xdpcastd's).
write_start_config "$WORK/state.json"
IN_CONFIG=state_file start_xdpcastd --zone "$EXAMPLE" --config "$WORK/start.yaml"
write_start_config "$WORK/./state.json"
out=$(ctl reload 2>&1) || fail "a reload naming the state file in use another way: $out"
stop_xdpcastd
echo "ok - a reload naming the state file in use another way is not refused as locked by another xdpcastd"

# health.user with a daemon that did not hold CAP_SETUID and CAP_SETGID at
# its start: the next start (of the same unit) would refuse it.
printf '#!/bin/sh\nexec setpriv --bounding-set -setuid,-setgid "%s" "$@"\n' "$BUILD/xdpcastd" > "$WORK/xdpcastd-nosetuid"
chmod +x "$WORK/xdpcastd-nosetuid"
write_start_config "$WORK/state.json"
XDPCASTD=$WORK/xdpcastd-nosetuid IN_CONFIG=state_file start_xdpcastd --zone "$EXAMPLE" --config "$WORK/start.yaml"
write_start_config "$WORK/state.json" 'health: {user: nobody}\n'
reload_refused "health.user without CAP_SETUID at the start" "generation 1 keeps answering: $WORK/start.yaml: health.user: nobody: switching the commands to that user needs CAP_SETUID and CAP_SETGID, which xdpcastd did not hold at its start (the unit's CapabilityBoundingSet?) (the next start would fail on it)"
echo "ok - a reload naming health.user for a daemon started without CAP_SETUID is refused"
stop_xdpcastd
