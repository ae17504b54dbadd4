#!/usr/bin/env bash
# scripts/install-deps.sh on a host that runs systemd, with apt-get,
# dpkg-query and systemctl that only record: a server whose package this
# run installed is stopped and disabled again (Debian started and enabled
# it: NSD and Knot would both claim port 53 at the next boot); one the host had
# before is left alone, never disabled. The host is not touched.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/xdpcast-deps.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

mkdir -p "$WORK/bin"
# Every package installed but nsd and knot.
cat > "$WORK/bin/dpkg-query" <<'STUB'
#!/bin/sh
case "$3" in nsd|knot) exit 1 ;; esac
printf 'install ok installed'
STUB
printf '#!/bin/sh\necho "$(basename "$0") $*" >> %s/calls\n' "$WORK" > "$WORK/bin/apt-get"
cp "$WORK/bin/apt-get" "$WORK/bin/systemctl"
chmod +x "$WORK/bin/"*
unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd 2>/dev/null || mount -t tmpfs tmpfs /run &&
	mkdir -p /run/systemd/system && exec env PATH="$0:$PATH" bash "$1"' "$WORK/bin" "$ROOT/scripts/install-deps.sh" \
	2> "$WORK/out"
grep -qx "install-deps: installing nsd knot" "$WORK/out" || fail "what it said: $(cat "$WORK/out")"
expected="apt-get update -qq
apt-get install -y -qq --no-install-recommends nsd knot
systemctl disable --now nsd
systemctl disable --now knot"
[ "$(cat "$WORK/calls")" = "$expected" ] || fail "its calls: $(cat "$WORK/calls")"
echo "ok - install-deps installs what is missing and stops and disables only the servers it installed (bird, prometheus left alone)"
