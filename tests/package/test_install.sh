#!/usr/bin/env bash
# make install into a scratch DESTDIR with PREFIX and SYSCONFDIR of their
# own: every path the unit and the man pages name is one it installed (the
# unit must start the binaries it installed with the config it installed),
# and a second install keeps an edited config. The host is not touched.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath "${BUILD:-$ROOT/build}")
WORK=$(mktemp -d /tmp/xdpcast-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

D=$WORK/dest
install_here() {
	make -s --no-print-directory -C "$ROOT" BUILD="$BUILD" DESTDIR="$D" PREFIX=/opt/xdpcast \
		SYSCONFDIR=/opt/xdpcast/etc install > "$WORK/make.log" 2>&1 || fail "make install: $(tail "$WORK/make.log")"
}
install_here
unit=$D/opt/xdpcast/lib/systemd/system/xdpcastd.service
[ -f "$unit" ] || fail "no unit at $unit"

# Every absolute path on the unit's Exec lines but /bin/kill's, and every
# xdpcast path the man pages name.
grep '^Exec' "$unit" | grep -o '/[^ ]*' | grep -v '^/bin/kill$' | sort -u > "$WORK/named"
grep -ho '/[a-z/]*xdpcast[a-z./]*' "$D"/opt/xdpcast/share/man/man8/*.8 | grep -v '^/sys/\|^/run/\|^/var/' |
	sort -u >> "$WORK/named"
[ "$(wc -l < "$WORK/named")" -ge 4 ] || fail "too few paths found: $(cat "$WORK/named")"
while read -r path; do
	[ -e "$D$path" ] || fail "named but not installed: $path"
done < "$WORK/named"
echo "ok - make install (PREFIX, SYSCONFDIR, DESTDIR): the unit and the man pages name what it installed"

echo "# edited" >> "$D/opt/xdpcast/etc/xdpcast/xdpcastd.yaml"
install_here
grep -q "# edited" "$D/opt/xdpcast/etc/xdpcast/xdpcastd.yaml" || fail "a second make install replaced the config"
echo "ok - a second make install keeps the edited config"
