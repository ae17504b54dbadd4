#!/usr/bin/env bash
# The Debian package of this tree (make deb): what it holds, installed with
# dpkg into a scratch root (maintainer scripts run with DPKG_ROOT, as
# --force-script-chrootless does), the unit verified by systemd-analyze,
# the binaries run, the man pages rendered, the withdrawn BIRD include file
# made by tmpfiles.d without overwriting one, the unit's stop hook
# withdrawing with a config the daemon refuses, then removed and purged. The
# decisions of the maintainer scripts about the service (never started on
# install, try-restart on upgrade, stop on remove) are checked against a
# systemctl that only records. The host is not touched.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath "${BUILD:-$ROOT/build}")
WORK=$(mktemp -d /tmp/xdpcast-package.XXXXXX)
# A package an earlier `make deb` left: the README's `dpkg -i
# build/xdpcast_*.deb` would install it too, after the new one.
STALE=$BUILD/xdpcast_0.0.1_$(dpkg --print-architecture).deb
trap 'rm -rf "$WORK" "$STALE"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

mkdir -p "$BUILD" && touch "$STALE"
make -s --no-print-directory -C "$ROOT" BUILD="$BUILD" deb > "$WORK/make.log" 2>&1 || fail "make deb: $(tail "$WORK/make.log")"
debs=("$BUILD"/xdpcast_*.deb)
[ ${#debs[@]} -eq 1 ] || fail "make deb left ${#debs[@]} packages for 'dpkg -i build/xdpcast_*.deb': ${debs[*]}"
deb=${debs[0]}

dpkg-deb -f "$deb" Package Depends > "$WORK/fields"
grep -qx "Package: xdpcast" "$WORK/fields" && grep -q "^Depends: .*libbpf1.*libyaml-0-2" "$WORK/fields" ||
	fail "control fields: $(cat "$WORK/fields")"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sort > "$WORK/files"
cat > "$WORK/expected" <<'LIST'
./etc/xdpcast/xdpcastd.yaml
./usr/lib/systemd/system/xdpcastd.service
./usr/lib/tmpfiles.d/xdpcast.conf
./usr/sbin/xdpcastctl
./usr/sbin/xdpcastd
./usr/share/doc/xdpcast/ARCHITECTURE.md
./usr/share/doc/xdpcast/README.md
./usr/share/doc/xdpcast/SECURITY.md
./usr/share/doc/xdpcast/bgp.md
./usr/share/doc/xdpcast/changelog.gz
./usr/share/doc/xdpcast/config.md
./usr/share/doc/xdpcast/copyright
./usr/share/doc/xdpcast/examples/xdpcast.alerts.yml
./usr/share/doc/xdpcast/examples/xdpcastd.example.yaml
./usr/share/man/man8/xdpcastctl.8.gz
./usr/share/man/man8/xdpcastd.8.gz
LIST
diff -u "$WORK/expected" "$WORK/files" || fail "the package's files differ from the list above"
[ "$(dpkg-deb -f "$deb" Version)" != "" ] && dpkg-deb -I "$deb" conffiles | grep -qx /etc/xdpcast/xdpcastd.yaml ||
	fail "the config is not a conffile"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/xdpcast/changelog.gz | zcat > "$WORK/changelog"
[ "$(dpkg-parsechangelog -l "$WORK/changelog" -S Version)" = "$(dpkg-deb -f "$deb" Version)" ] ||
	fail "the changelog's entry is not the package's version: $(cat "$WORK/changelog")"
echo "ok - $(basename "$deb"): control fields, $(wc -l < "$WORK/files") files, the config a conffile, its changelog entry"

# dpkg into a scratch root of its own.
R=$WORK/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
rdpkg() { dpkg --root="$R" --force-script-chrootless --force-depends --log=/dev/null "$@"; }
rdpkg -i "$deb" > "$WORK/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$WORK/dpkg.log")"
[ "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${Status}' xdpcast)" = "install ok installed" ] ||
	fail "not installed: $(cat "$WORK/dpkg.log")"
"$BUILD/xdpcastctl" withdraw --control-socket "$WORK/no-daemon.sock" --bird-include "$WORK/withdrawn.conf" \
	--bird-socket none > /dev/null
cmp -s "$R/run/xdpcast/bird.conf" "$WORK/withdrawn.conf" ||
	fail "tmpfiles.d did not make the withdrawn include file xdpcastctl writes"
echo "ok - installed into a scratch root; postinst made /run/xdpcast/bird.conf as 'xdpcastctl withdraw' writes it"

echo "protocol static xdpcast4 { ipv4; route 192.0.2.0/24 blackhole; }" > "$R/run/xdpcast/bird.conf"
systemd-tmpfiles --root="$R" --create xdpcast.conf
grep -q "route 192.0.2.0/24" "$R/run/xdpcast/bird.conf" || fail "tmpfiles.d overwrote an existing include file"
echo "ok - an existing include file is kept"

# The binaries report the commit the changelog names, also when the build
# directory holds objects of an earlier commit (a `git pull`, then make deb).
built=$(sed -n 's/^  \* Built from commit \(.*\)\.$/\1/p' "$WORK/changelog")
version=$("$R/usr/sbin/xdpcastd" --version)
[ -n "$built" ] && [ "$version" = "xdpcastd $built" ] ||
	fail "xdpcastd --version says '$version', the changelog 'Built from commit $built'"
[ "$("$R/usr/sbin/xdpcastctl" --version)" = "xdpcastctl $built" ] ||
	fail "xdpcastctl --version says '$("$R/usr/sbin/xdpcastctl" --version)', the changelog '$built'"
for page in xdpcastd xdpcastctl; do
	out=$(zcat "$R/usr/share/man/man8/$page.8.gz" | groff -man -Tutf8 -ww -z 2>&1)
	[ -z "$out" ] || fail "man page $page: $out"
	MANPATH=$R/usr/share/man man -P cat "$page" 2>/dev/null | grep -q "^NAME" || fail "man $page does not render"
done
echo "ok - $version and xdpcastctl run; both man pages render without a warning"

# systemd-analyze verify as on the host it is installed on: the unit's
# paths and man pages are those of the scratch root.
sed "s|/usr/sbin/|$R/usr/sbin/|g" "$R/usr/lib/systemd/system/xdpcastd.service" > "$WORK/xdpcastd.service"
out=$(MANPATH=$R/usr/share/man systemd-analyze verify "$WORK/xdpcastd.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
echo "ok - systemd-analyze verify, man pages included"

# The unit's stop hook after a start that failed on its config (a typo, or
# a key this version refuses after an upgrade, while the previous daemon's
# handed-over program still announces): it withdraws, reading the paths it
# needs from the file the daemon refused.
hook=$(sed -n 's/^ExecStopPost=//p' "$R/usr/lib/systemd/system/xdpcastd.service" |
	sed -e "s|/usr/sbin/|$R/usr/sbin/|" -e "s|/etc/xdpcast/|$R/etc/xdpcast/|")
cp "$R/etc/xdpcast/xdpcastd.yaml" "$WORK/shipped.yaml"
sed -e "s|^bird_include:.*|bird_include: $WORK/hook-bird.conf|" -e 's|^bird_socket:.*|bird_socket: none|' \
	"$WORK/shipped.yaml" > "$R/etc/xdpcast/xdpcastd.yaml"
echo "typo_key: 1" >> "$R/etc/xdpcast/xdpcastd.yaml"
echo "protocol static xdpcast4 { ipv4; route 192.0.2.0/24 blackhole; }" > "$WORK/hook-bird.conf"
SERVICE_RESULT=exit-code $hook > "$WORK/hook.log" 2>&1 || fail "the stop hook with a refused config: $(cat "$WORK/hook.log")"
cmp -s "$WORK/hook-bird.conf" "$WORK/withdrawn.conf" || fail "the stop hook did not withdraw: $(cat "$WORK/hook.log")"
# A file that is not YAML at all: the default paths, in a /run of its own.
echo "bird_include: [" > "$R/etc/xdpcast/xdpcastd.yaml"
unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir /run/xdpcast && echo "$1" > /run/xdpcast/bird.conf &&
	SERVICE_RESULT=exit-code $0 && cat /run/xdpcast/bird.conf' "$hook" \
	"protocol static xdpcast4 { ipv4; route 192.0.2.0/24 blackhole; }" > "$WORK/hook.log" 2> "$WORK/hook.err" ||
	fail "the stop hook with a config that is not YAML: $(cat "$WORK/hook.err")"
grep -q "route 192.0.2.0/24" "$WORK/hook.log" && fail "the stop hook did not withdraw the default include file"
grep -q "not YAML\|did not find expected" "$WORK/hook.err" || fail "the stop hook did not say why: $(cat "$WORK/hook.err")"
cp "$WORK/shipped.yaml" "$R/etc/xdpcast/xdpcastd.yaml"
echo "ok - the unit's stop hook withdraws after a start its config failed, at the default paths when it is not YAML"

echo "# edited" >> "$R/etc/xdpcast/xdpcastd.yaml"
mkdir -p "$R/var/lib/xdpcast" && echo '{}' > "$R/var/lib/xdpcast/state.json"
rdpkg -r xdpcast > "$WORK/dpkg.log" 2>&1 || fail "dpkg -r: $(cat "$WORK/dpkg.log")"
[ ! -e "$R/usr/sbin/xdpcastd" ] && [ ! -e "$R/usr/lib/systemd/system/xdpcastd.service" ] || fail "dpkg -r left files"
grep -q "# edited" "$R/etc/xdpcast/xdpcastd.yaml" || fail "dpkg -r removed the edited config"
rdpkg -P xdpcast > "$WORK/dpkg.log" 2>&1 || fail "dpkg -P: $(cat "$WORK/dpkg.log")"
left=$(cd "$R" && find . -path ./var/lib/dpkg -prune -o ! -type d -print | sort)
[ "$left" = "./run/xdpcast/bird.conf" ] || fail "after purge, left: $left"
echo "ok - removed (the edited config kept), then purged: only the include file BIRD needs is left"

# What the scripts ask of systemd, on a host that runs it (a private
# /run/systemd/system) with a systemctl that records.
mkdir -p "$WORK/bin" "$WORK/scripts"
dpkg-deb -e "$deb" "$WORK/scripts"
printf '#!/bin/sh\necho "$(basename "$0") $*" >> %s/calls\n' "$WORK" > "$WORK/bin/systemctl"
cp "$WORK/bin/systemctl" "$WORK/bin/systemd-tmpfiles"
chmod +x "$WORK/bin/"*
# A script that fails says so after its calls ("exit N"): dpkg would stop there.
calls() {
	local rc=0
	: > "$WORK/calls"
	unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd 2>/dev/null || mount -t tmpfs tmpfs /run &&
		mkdir -p /run/systemd/system && exec env -u DPKG_ROOT PATH="$0:$PATH" sh "$@"' "$WORK/bin" "$@" || rc=$?
	tr '\n' ';' < "$WORK/calls"
	[ "$rc" -eq 0 ] || echo "exit $rc"
}
[ "$(calls "$WORK/scripts/postinst" configure)" = "systemd-tmpfiles --root=/ --create xdpcast.conf;systemctl --system daemon-reload;" ] ||
	fail "postinst of a fresh install: $(cat "$WORK/calls")"
[ "$(calls "$WORK/scripts/postinst" configure 0.1.1)" = "systemd-tmpfiles --root=/ --create xdpcast.conf;systemctl --system daemon-reload;systemctl try-restart xdpcastd.service;" ] ||
	fail "postinst of an upgrade: $(cat "$WORK/calls")"
[ "$(calls "$WORK/scripts/prerm" upgrade 0.1.2)" = "" ] || fail "prerm of an upgrade: $(cat "$WORK/calls")"
[ "$(calls "$WORK/scripts/prerm" remove)" = "systemctl stop xdpcastd.service;" ] ||
	fail "prerm of a removal: $(cat "$WORK/calls")"
echo "ok - install: not started; upgrade: try-restart (a handover); remove: stop"
