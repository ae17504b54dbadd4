#!/usr/bin/env bash
# Bad input makes xdpcastd exit 1 with one clear line naming the problem,
# and leaves nothing attached to the interface and nothing pinned.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone

# expect_error EXPECTED_TEXT ARGS...: xdpcastd run as run_as says
# (nothing: as the test, root), in the cgroup in_cgroup names (none: the
# test's).
run_as=()
in_cgroup=
expect_error() {
	local expected=$1 rc=0 out
	shift
	# Its own control socket, state file and BIRD include, and a bound on
	# its life: a daemon that starts after all must neither take (nor
	# lock) the host's defaults nor hang the test. A later --state-file in
	# the arguments wins.
	# The cgroup is joined outside the namespace: ip netns exec mounts a
	# /sys of its own, without the cgroup file systems.
	out=$([ -z "$in_cgroup" ] || echo "$BASHPID" > "$in_cgroup/cgroup.procs" ||
		{ echo "the test could not join $in_cgroup"; exit 2; }
		ip netns exec "$NS_SRV" timeout 30 "${run_as[@]}" "$BUILD/xdpcastd" --pin-dir "$PIN_DIR" \
		--control-socket "$CONTROL_SOCKET" --state-file "$WORK/state.json" \
		--bird-include "$WORK/xdpcast-bird.conf" "$@" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "exit status $rc, expected 1, for: $*"
	[ "$(echo "$out" | grep -c .)" -eq 1 ] || fail "expected one line for: $*, got: $out"
	echo "$out" | grep -qF -- "$expected" || fail "expected '$expected' for: $*, got: $out"
	srv ip link show veth-s | grep -q "prog/xdp" && fail "a program is attached after: $*"
	[ ! -e "$PIN_DIR" ] || fail "maps are pinned after: $*"
	echo "ok - $expected"
}

good=(--iface veth-s --anycast 192.0.2.0/24 --pop e2e)
setup_network
expect_error "unknown option '--frobnicate'" "${good[@]}" --zone "$ZONE" --frobnicate
expect_error "/nonexistent.zone: cannot read the zone file: No such file or directory" "${good[@]}" --zone /nonexistent.zone
expect_error "broken.zone:6: " "${good[@]}" --zone "$ROOT/tests/zones/broken.zone"
# Zone input is bounded: only regular files (also through $INCLUDE), within limits:.
expect_error "/dev/zero: a character device, not a zone file" "${good[@]}" --zone /dev/zero
mkfifo "$WORK/fifo.zone"
expect_error "$WORK/fifo.zone: a FIFO, not a zone file" "${good[@]}" --zone "$WORK/fifo.zone"
printf '$ORIGIN example.test.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE /dev/zero\n' > "$WORK/include-zero.zone"
expect_error "/dev/zero: a character device, not a zone file; included from $WORK/include-zero.zone:3" \
	"${good[@]}" --zone "$WORK/include-zero.zone"
printf 'limits: {zone_records: 10}\n' > "$WORK/few-records.yaml"
expect_error "$ZONE:17: more than 10 records (limits.zone_records)" "${good[@]}" --zone "$ZONE" --config "$WORK/few-records.yaml"
printf 'limits: {zone_file_mb: 1}\n' > "$WORK/small-files.yaml"
head -c 1100000 /dev/zero | tr '\0' ';' > "$WORK/big.zone"
expect_error "$WORK/big.zone: the zone's files are larger than 1 MiB (limits.zone_file_mb)" \
	"${good[@]}" --zone "$WORK/big.zone" --config "$WORK/small-files.yaml"
expect_error "error: failed: --iface nosuch0: no such interface" --iface nosuch0 --anycast 192.0.2.0/24 --pop e2e --zone "$ZONE"
printf 'pop: e2e\ninterfaces: [nosuch0, nosuch1]\n' > "$WORK/no-interface.yaml"
expect_error "error: failed: $WORK/no-interface.yaml:2: interfaces: nosuch0: no such interface (nor any other configured)" \
	--config "$WORK/no-interface.yaml" --anycast 192.0.2.0/24 --zone "$ZONE"
expect_error "prefix '192.0.2.0/33': length must be 0 to 32" --iface veth-s --anycast 192.0.2.0/33 --pop e2e --zone "$ZONE"
expect_error "prefix '192.0.2.1/24': host bits are set" --iface veth-s --anycast 192.0.2.1/24 --pop e2e --zone "$ZONE"
expect_error "prefix 'example': not an IPv4 or IPv6 address" --iface veth-s --anycast example --pop e2e --zone "$ZONE"
expect_error "--anycast: '0.0.0.0/0': shorter than /8: it would be announced as it is" --iface veth-s --anycast 0.0.0.0/0 --pop e2e --zone "$ZONE"
expect_error "--pop is required" --iface veth-s --anycast 192.0.2.0/24 --zone "$ZONE"
# A pin directory off a BPF filesystem: said before the zones are compiled,
# not as "pinning ...: Operation not permitted" once the program is loaded.
mkdir "$WORK/plain"
expect_error "--pin-dir $WORK/plain/xdpcast: not on a BPF filesystem (mkdir -p $WORK/plain/xdpcast && mount -t bpf -o mode=0700 bpf $WORK/plain/xdpcast first)" \
	"${good[@]}" --zone "$ZONE" --pin-dir "$WORK/plain/xdpcast"
[ ! -e "$WORK/plain/xdpcast" ] || fail "the pin directory off a BPF filesystem was left behind"
expect_error "--pin-dir $WORK/nowhere/xdpcast: No such file or directory (mkdir -p $WORK/nowhere/xdpcast && mount -t bpf -o mode=0700 bpf $WORK/nowhere/xdpcast first)" \
	"${good[@]}" --zone "$ZONE" --pin-dir "$WORK/nowhere/xdpcast"
# Without CAP_PERFMON (nor CAP_SYS_ADMIN, which implies it) the kernel's
# verifier refuses the program: its reason and the capabilities are said,
# not "Permission denied" alone.
run_as=(setpriv --bounding-set -perfmon,-sys_admin)
expect_error "error: failed: loading the BPF program: Permission denied: the verifier of Linux $(uname -r) said '" \
	"${good[@]}" --zone "$ZONE"
expect_error "' (xdpcastd needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or root)" "${good[@]}" --zone "$ZONE"
run_as=()
# A map too large for the memory xdpcastd may use (a cgroup of 200 MB,
# 4,194,304 source buckets of about 96 bytes): the map, its size and the
# key that sets it are named. The cgroup is the test's own memory
# cgroup's child on cgroup v1; on v2 the root's, as the test's own holds
# processes and so cannot hand the memory controller down.
own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
if [ -n "$own" ] && [ -d "/sys/fs/cgroup/memory$own" ]; then
	in_cgroup=/sys/fs/cgroup/memory${own%/}/xdpcast-test.$$ limit=memory.limit_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	in_cgroup=/sys/fs/cgroup/xdpcast-test.$$ limit=memory.max
else
	fail "no memory cgroup controller (cgroup v1 or v2) to bound xdpcastd's memory"
fi
EXTRA_CGROUPS+=("$in_cgroup")
mkdir "$in_cgroup" || fail "cannot make the cgroup $in_cgroup"
echo 200M > "$in_cgroup/$limit" || fail "cannot set $in_cgroup/$limit"
printf 'rate_limit: {source_buckets: 4194304}\n' > "$WORK/many-buckets.yaml"
expect_error "error: failed: loading the BPF program: map xdpcast_source_buckets (4194304 entries, rate_limit.source_buckets): Cannot allocate memory (fewer entries, or a higher memory limit on xdpcastd's cgroup (MemoryMax= on its unit))" \
	"${good[@]}" --zone "$ZONE" --config "$WORK/many-buckets.yaml"
in_cgroup=
expect_error "--xdp-mode: 'hw' must be native or skb" "${good[@]}" --zone "$ZONE" --xdp-mode hw
expect_error "view 'eu' has no clients: add --view NAME=PREFIX" "${good[@]}" --zone "$ZONE" --view-zone eu="$ZONE"
expect_error "view 'eu' loads no zone: add --view-zone NAME=FILE" "${good[@]}" --zone "$ZONE" --view eu=203.0.113.0/24
expect_error "--view: prefix '203.0.113.0/33': length must be 0 to 32" "${good[@]}" --zone "$ZONE" --view eu=203.0.113.0/33
expect_error "'eu': expected NAME=VALUE" "${good[@]}" --zone "$ZONE" --view eu

printf 'rate_limit:\n  ipv4_32:\n    rate: lots\n' > "$WORK/bad-rate.yaml"
expect_error "$WORK/bad-rate.yaml:3: rate_limit.ipv4_32.rate: 'lots' is not a whole number" "${good[@]}" --zone "$ZONE" --config "$WORK/bad-rate.yaml"
printf 'health:\n  commands:\n    - {name: v4, run: "true"}\n    - {name: v6, run: "true", prefixes: [2001:db8:53::/48]}\n' \
	> "$WORK/gates-other.yaml"
expect_error "$WORK/gates-other.yaml:4: health.commands v6: prefixes: 2001:db8:53::/48 is not an anycast prefix" \
	"${good[@]}" --zone "$ZONE" --config "$WORK/gates-other.yaml"
printf 'filter:\n  blocklist: [198.51.100.0/24]\n  alow: [udp/53]\n' > "$WORK/typo.yaml"
expect_error "$WORK/typo.yaml:3: filter.alow: unknown key" "${good[@]}" --zone "$ZONE" --config "$WORK/typo.yaml"
expect_error "/nonexistent.yaml: No such file or directory" "${good[@]}" --zone "$ZONE" --config /nonexistent.yaml

# --check-config: the file and its zones, without touching the kernel.
printf 'pop: e2e\ninterfaces: [veth-s]\nanycast: [192.0.2.0/24]\nzones: [%s]\nfilter:\n  blocklist: [203.0.113.0/24]\n' "$ZONE" > "$WORK/good.yaml"
out=$("$BUILD/xdpcastd" --check-config "$WORK/good.yaml") || fail "--check-config on a good file: $out"
[ "$out" = "$WORK/good.yaml: ok (1 zone file, 0 transferred zones, 1 anycast prefix, 1 blocked prefix)" ] || fail "--check-config said: $out"
echo "ok - --check-config on a good file: $out"
# Transferred zones count too (a config of secondaries alone said "0 zones").
printf 'pop: e2e\ninterfaces: [veth-s]\nanycast: [192.0.2.0/24, 2001:db8:53::/48]\ntransfer:\n  zones:\n    - {zone: a.test, primary: 203.0.113.2}\n    - {zone: b.test, primary: 203.0.113.2}\n' \
	> "$WORK/secondaries.yaml"
out=$("$BUILD/xdpcastd" --check-config "$WORK/secondaries.yaml") || fail "--check-config of secondaries: $out"
[ "$out" = "$WORK/secondaries.yaml: ok (0 zone files, 2 transferred zones, 2 anycast prefixes, 0 blocked prefixes)" ] ||
	fail "--check-config said: $out"
# An anycast prefix inside another: its own checks and drains move nothing
# while the covering one is announced. Said, not refused (a covering
# aggregate is how some networks reach far peers).
printf 'pop: e2e\ninterfaces: [veth-s]\nanycast: [2001:db8:53:8000::/49, 192.0.2.128/25, 192.0.2.0/24, 2001:db8:53::/48, 198.51.100.0/24]\nzones: [%s]\n' \
	"$ZONE" > "$WORK/covered.yaml"
out=$("$BUILD/xdpcastd" --check-config "$WORK/covered.yaml" 2>&1) || fail "--check-config of covered prefixes: $out"
covered=$(sed -n 's/^.* xdpcastd: \(warning: .* lies inside .*\)$/\1/p' <<< "$out")
[ "$covered" = "warning: $WORK/covered.yaml: anycast 2001:db8:53:8000::/49 lies inside anycast 2001:db8:53::/48: withdrawn or drained alone, its traffic still comes here while 2001:db8:53::/48 is announced
warning: $WORK/covered.yaml: anycast 192.0.2.128/25 lies inside anycast 192.0.2.0/24: withdrawn or drained alone, its traffic still comes here while 192.0.2.0/24 is announced" ] ||
	fail "--check-config on covered anycast prefixes said: $out"
grep -q "ok (1 zone file, 0 transferred zones, 5 anycast prefixes" <<< "$out" || fail "--check-config refused covered prefixes: $out"
echo "ok - --check-config warns of an anycast prefix inside another, once each"
printf 'pop: e2e\ninterfaces: [veth-s]\nanycast: [192.0.2.0/24]\nzones: [%s]\n' "$ROOT/tests/zones/broken.zone" > "$WORK/broken-zone.yaml"
rc=0
out=$("$BUILD/xdpcastd" --check-config "$WORK/broken-zone.yaml" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"$WORK/broken-zone.yaml: zones: $ROOT/tests/zones/broken.zone:6: "* ]] ||
	fail "--check-config on a broken zone: rc $rc, $out"
echo "ok - --check-config names the config file and key, the broken zone's file and line"
# A view's zone file: the view's line too (a list of files keeps no line per file).
printf 'pop: e2e\ninterfaces: [veth-s]\nanycast: [192.0.2.0/24]\nzones: [%s]\nviews:\n  eu:\n    clients: [203.0.113.0/24]\n    zones: [%s]\n' \
	"$ZONE" "$WORK/absent.zone" > "$WORK/view-zone.yaml"
rc=0
out=$("$BUILD/xdpcastd" --check-config "$WORK/view-zone.yaml" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"$WORK/view-zone.yaml:6: views.eu.zones: $WORK/absent.zone: cannot read the zone file: No such file"* ]] ||
	fail "--check-config on a view's missing zone file: rc $rc, $out"
echo "ok - --check-config names the view's line and key for its missing zone file"
expect_error "$WORK/broken-zone.yaml: zones: $ROOT/tests/zones/broken.zone:6: " "${good[@]}" --config "$WORK/broken-zone.yaml"
# A zone both in a zone file and in transfer.zones: it passed, and once
# transferred every load was refused as two zones of one origin.
printf 'pop: e2e\ninterfaces: [veth-s]\nanycast: [192.0.2.0/24]\nzones: [%s]\ntransfer:\n  zones:\n    - {zone: b.test, primary: 203.0.113.2}\n    - {zone: Example.Test., primary: 203.0.113.2}\n' \
	"$ZONE" > "$WORK/file-and-transfer.yaml"
rc=0
out=$("$BUILD/xdpcastd" --check-config "$WORK/file-and-transfer.yaml" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"file-and-transfer.yaml:8: transfer.zones: Example.Test. is served from a zone file too"* ]] ||
	fail "--check-config on a zone in a file and transferred: rc $rc, $out"
echo "ok - --check-config refuses a zone both in a zone file and transferred"

expect_error "--metrics: 'nonsense': expected ADDRESS:PORT" "${good[@]}" --zone "$ZONE" --metrics nonsense
srv python3 -c 'import socket, time; s = socket.socket(); s.bind(("198.51.100.1", 9553)); s.listen(); time.sleep(30)' &
PIDS+=($!)
wait_for "the listener on 198.51.100.1:9553" eval 'srv ss -Hltn "src 198.51.100.1:9553" | grep -q .'
expect_error "--metrics 198.51.100.1:9553: cannot listen there" "${good[@]}" --zone "$ZONE" --metrics 198.51.100.1:9553
# Ports are bound before the zone files are read: a taken one fails the
# start at once, not after minutes of reading millions of names (the broken
# zone, read first until now, was the error said).
expect_error "--metrics 198.51.100.1:9553: cannot listen there: Address already in use" \
	"${good[@]}" --zone "$ROOT/tests/zones/broken.zone" --metrics 198.51.100.1:9553
printf 'transfer:\n  notify_listen: 198.51.100.1@9553\n  zones:\n    - {zone: b.test, primary: 203.0.113.2}\n' \
	> "$WORK/notify-taken.yaml"
expect_error "transfer.notify_listen 198.51.100.1@9553 (TCP): Address already in use" \
	"${good[@]}" --zone "$ROOT/tests/zones/broken.zone" --config "$WORK/notify-taken.yaml"
# So is the state file (drains kept across restarts): one it refuses fails
# the start before the zone files are read.
printf '{"maintenance": 1}\n' > "$WORK/other-state.json"
expect_error "--state-file $WORK/other-state.json: no \"maintenance\" object (remove it to forget every drain)" \
	"${good[@]}" --zone "$ROOT/tests/zones/broken.zone" --state-file "$WORK/other-state.json"
