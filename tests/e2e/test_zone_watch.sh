#!/usr/bin/env bash
# The zone watch where what changes is not a zone file in a watched
# directory: an $INCLUDE of a file not there yet (the load is refused, and
# creating the file is what fixes it), an included file deleted and made
# again, the zones' directory a symlink switched to a new release (as a
# deploy does: ln -sfn, then mv -T over the link), a tree holding the
# zones' directory renamed over by a new one, and a zone directory moved
# away with the new one put in place only after the reload it caused;
# and the watches of releases switched away from dropped.
source "$(dirname "$0")/lib.sh"

LATE=$WORK/zones/late.zone              # included before it exists
RELEASED=$WORK/current/third.test.zone  # current -> releases/v1, then v2, v3
IN_TREE=$WORK/tree/zones/fourth.test.zone

write_second() {
	mkdir -p "$WORK/zones"
	cat > "$WORK/zones/second.test.zone.new" <<ZONE
\$ORIGIN second.test.
@    300 IN SOA ns1.second.test. hostmaster.second.test. $1 3600 600 86400 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
$2
ZONE
	mv "$WORK/zones/second.test.zone.new" "$WORK/zones/second.test.zone"
}

# write_zone FILE ORIGIN SERIAL ADDRESS: www.ORIGIN A ADDRESS, written in place.
write_zone() {
	mkdir -p "$(dirname "$1")"
	cat > "$1" <<ZONE
\$ORIGIN $2.
@    300 IN SOA ns1.$2. hostmaster.$2. $3 3600 600 86400 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
www  300 IN A   $4
ZONE
}

write_release() { write_zone "$WORK/releases/$1/third.test.zone" third.test "$2" "$3"; }

# switch_release NAME: the symlink replaced at once, as deploy tools do.
switch_release() {
	ln -sfn "releases/$1" "$WORK/current.tmp"
	mv -T "$WORK/current.tmp" "$WORK/current"
}

# answer_via_xdp NAME TYPE EXPECTED: the fast path answers so within 10 s.
answer_via_xdp() { wait_for "$1 $2 $3 from XDP" xdp_answers "$@"; }

setup_network
write_second 1 "www  300 IN A   192.0.2.70"
write_release v1 1 192.0.2.81
ln -s releases/v1 "$WORK/current"
write_zone "$IN_TREE" fourth.test 1 192.0.2.91
printf 'zone_watch: {delay_ms: 100}\n' > "$WORK/watch.yaml"
start_xdpcastd --zone "$WORK/zones/second.test.zone" --zone "$RELEASED" --zone "$IN_TREE" --config "$WORK/watch.yaml"
answer_via_xdp www.second.test A 192.0.2.70
answer_via_xdp www.third.test A 192.0.2.81
answer_via_xdp www.fourth.test A 192.0.2.91

# The zone gains an $INCLUDE of a file the operator writes next: refused
# until it is there, then loaded by its creation alone.
write_second 2 "\$INCLUDE $LATE"
wait_for "the refused load" eval 'grep -q "reload failed.*$LATE: cannot read the zone file" "$WORK/xdpcastd.log"'
echo "late 300 IN A 192.0.2.71" > "$LATE"
answer_via_xdp late.second.test A 192.0.2.71
echo "ok - an \$INCLUDE of a file not there yet is loaded when the file is created"

# The included file deleted (refused: the generation in force stays), then
# made again.
refused() { grep -c "reload failed.*$LATE: cannot read" "$WORK/xdpcastd.log" || true; }
refused_before=$(refused)
rm "$LATE"
wait_for "the refused load" eval '[ "$(refused)" -gt "$refused_before" ]'
xdp_answers late.second.test A 192.0.2.71 || fail "the generation in force stopped answering: '$XDP_GOT'"
echo "late 300 IN A 192.0.2.72" > "$LATE"
answer_via_xdp late.second.test A 192.0.2.72
echo "ok - an included file deleted and made again is loaded again"

# The zones' directory is a symlink, switched to a new release: the zone
# is read from there, and a change in the new release is seen.
write_release v2 2 192.0.2.82
switch_release v2
answer_via_xdp www.third.test A 192.0.2.82
write_release v2 3 192.0.2.83
answer_via_xdp www.third.test A 192.0.2.83
# The old release removed, as deploys clean up: no change to the zones.
rm -r "$WORK/releases/v1"
write_release v3 4 192.0.2.84
switch_release v3
answer_via_xdp www.third.test A 192.0.2.84
# Through two links, current -> releases/live -> v4: the second switched
# alone, where the first does not name it.
write_release v4 5 192.0.2.85
ln -s v4 "$WORK/releases/live"
switch_release live
answer_via_xdp www.third.test A 192.0.2.85
write_release v5 6 192.0.2.86
ln -sfn v5 "$WORK/releases/live.tmp"
mv -T "$WORK/releases/live.tmp" "$WORK/releases/live"
answer_via_xdp www.third.test A 192.0.2.86
echo "ok - a directory symlink switched to another release is loaded and watched from then on"

# Releases kept on disk, the zone including a file of its own release
# (named, as read, where the links lead: releases/vN/extra.inc). Each
# deploy leaves the daemon's inotify watches as many: an old release is
# watched no more (each kept one more of the kernel's max_user_watches,
# and the files watched grew by every include of every release).
write_release_including() {
	write_release "$1" "$2" "$3"
	echo "\$INCLUDE extra.inc" >> "$WORK/releases/$1/third.test.zone"
	echo "extra 300 IN A $3" > "$WORK/releases/$1/extra.inc"
}
inotify_watches() {
	local fd count=0

	for fd in /proc/"$XDPCASTD_PID"/fd/*; do
		[ "$(readlink "$fd")" = anon_inode:inotify ] || continue
		count=$((count + $(grep -c '^inotify wd:' /proc/"$XDPCASTD_PID"/fdinfo/"${fd##*/}")))
	done
	echo "$count"
}
for n in 6 7 8 9 10; do
	write_release_including "v$n" $((n + 1)) "192.0.2.$((81 + n))"
	ln -sfn "v$n" "$WORK/releases/live.tmp"
	mv -T "$WORK/releases/live.tmp" "$WORK/releases/live"
	answer_via_xdp extra.third.test A "192.0.2.$((81 + n))"
	[ "$n" != 7 ] || watches=$(inotify_watches)
done
[ "$watches" -gt 0 ] || fail "no inotify watch found (the count would prove nothing)"
[ "$(inotify_watches)" = "$watches" ] ||
	fail "inotify watches grew from $watches to $(inotify_watches) over three deploys"
echo "ok - releases kept on disk are watched no more once switched away from"

# A new tree renamed into the place of the one holding the zones'
# directory: the directory's own watch follows the old tree, and sees
# nothing.
write_zone "$WORK/tree.new/zones/fourth.test.zone" fourth.test 2 192.0.2.92
mv "$WORK/tree" "$WORK/tree.old"
mv "$WORK/tree.new" "$WORK/tree"
answer_via_xdp www.fourth.test A 192.0.2.92
write_zone "$IN_TREE" fourth.test 3 192.0.2.93
answer_via_xdp www.fourth.test A 192.0.2.93
echo "ok - a tree renamed over the one holding a zone directory is loaded and watched from then on"

# The zone directory moved away, the new one put in place only after the
# reload that followed (refused: the file is not there).
mv "$WORK/tree/zones" "$WORK/tree/zones.old"
wait_for "the refused load" eval 'grep -q "reload failed.*$IN_TREE: cannot read the zone file" "$WORK/xdpcastd.log"'
write_zone "$WORK/tree/zones.new/fourth.test.zone" fourth.test 4 192.0.2.94
mv "$WORK/tree/zones.new" "$WORK/tree/zones"
answer_via_xdp www.fourth.test A 192.0.2.94
echo "ok - a zone directory put in place after its old one went is loaded"

stop_xdpcastd

# inotify's limits are the user's, which other programs may have spent: a
# start failed on them, naming neither ("Too many open files", "No space
# left on device"), and a restart took the PoP down. Now it serves, saying
# which limit, and tries again: once the limit is freed, every file is
# watched and a change is seen. (The shim plays each limit while a file
# exists.)
touch "$WORK/instances-full"
INOTIFY_INSTANCES_FULL=$WORK/instances-full XDPCASTD=$(shimmed) start_xdpcastd \
	--zone "$WORK/zones/second.test.zone" --config "$WORK/watch.yaml"
answer_via_xdp late.second.test A 192.0.2.72
grep -q "zone files not watched: inotify: too many inotify instances (fs.inotify.max_user_instances) (tried again every 30 s; a change meanwhile is seen at the next reload)" \
	"$WORK/xdpcastd.log" || fail "inotify's instances spent: $(grep -i watch "$WORK/xdpcastd.log")"
rm "$WORK/instances-full"
wait_within "every zone file watched" 45 grep -q "zone files: every one watched now" "$WORK/xdpcastd.log"
echo "late 300 IN A 192.0.2.73" > "$LATE"
answer_via_xdp late.second.test A 192.0.2.73
stop_xdpcastd
touch "$WORK/watches-full"
INOTIFY_WATCHES_FULL=$WORK/watches-full INOTIFY_WATCHES_FULL_NAME=$WORK/zones XDPCASTD=$(shimmed) \
	start_xdpcastd --zone "$WORK/zones/second.test.zone" --zone "$RELEASED" --config "$WORK/watch.yaml"
answer_via_xdp late.second.test A 192.0.2.73
grep -q "watching $WORK/zones for changes to $WORK/zones/second.test.zone: No space left on device (inotify watches: fs.inotify.max_user_watches) (tried again every 30 s; a change meanwhile is seen at the next reload)" \
	"$WORK/xdpcastd.log" || fail "inotify's watches spent: $(grep -i watch "$WORK/xdpcastd.log")"
write_release v11 12 192.0.2.92
ln -sfn v11 "$WORK/releases/live.tmp"
mv -T "$WORK/releases/live.tmp" "$WORK/releases/live"
answer_via_xdp www.third.test A 192.0.2.92
rm "$WORK/watches-full"
wait_within "every zone file watched" 45 grep -q "zone files: every one watched now" "$WORK/xdpcastd.log"
echo "late 300 IN A 192.0.2.74" > "$LATE"
answer_via_xdp late.second.test A 192.0.2.74
echo "ok - inotify's limits spent by others: the start serves, names the limit, watches what it could, and the rest once freed"
stop_xdpcastd
