#!/usr/bin/env bash
# What an operator types, without a daemon: each bad invocation of
# xdpcastd and xdpcastctl exits 1 with one line naming the problem, and
# the man pages describe every flag --help lists (and no other). The host
# is not touched: sockets, pins and files are this test's own.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath "${BUILD:-$ROOT/build}")
WORK=$(mktemp -d /tmp/xdpcast-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# refused EXPECTED PROGRAM ARGS...: exit 1 and EXPECTED in its one line.
refused() {
	local expected=$1 status=0
	shift
	"$@" > "$WORK/out" 2>&1 || status=$?
	[ "$status" -eq 1 ] || fail "$*: exit $status, not 1: $(cat "$WORK/out")"
	[ "$(wc -l < "$WORK/out")" -eq 1 ] && grep -qF -- "$expected" "$WORK/out" ||
		fail "$*: said '$(cat "$WORK/out")', not '$expected'"
}

ctl() { "$BUILD/xdpcastctl" --control-socket "$WORK/none.sock" --pin-dir "$WORK/pins" "$@"; }
refused "a command is needed: stats, status, lookup" ctl
refused "unknown command 'frobnicate'" ctl frobnicate
refused "unknown option '--bogus'" ctl --bogus status
refused "--top needs an argument" ctl catchment --top
refused "--bird-include needs an argument" ctl withdraw --bird-include
refused "lookup takes NAME [TYPE]" ctl lookup
refused "answers takes NAME" ctl answers a b
refused "status takes no arguments" ctl status extra
refused "block takes add PREFIX, del PREFIX or list" ctl block
refused "prefix '192.0.2.0/33': length must be 0 to 32" ctl block add 192.0.2.0/33
refused "'BOGUS' is not a record type" ctl lookup example.net BOGUS
# A number past an option's bound was refused as if too small ("1 or more").
refused "--watch takes 1 to 86400 seconds" ctl stats --watch 100000
refused "--since takes 1 to 31536000 seconds (a year)" ctl catchment --since 99999999999
# An option of another command was ignored without a word.
refused "--prepend is not an option of withdraw" ctl withdraw --prepend 3 192.0.2.0/24
refused "--top is not an option of status" ctl status --top 5
refused "--dnssec is not an option of stats" ctl --dnssec stats
refused "--after-failure is not an option of drain" ctl --after-failure drain
refused "--count counts the reports of --watch: stats --watch SECONDS --count N" ctl stats --count 2
refused "none.sock: No such file or directory (is xdpcastd running?)" ctl status
refused "withdraw PREFIX needs a running xdpcastd" ctl withdraw 192.0.2.0/24
# A path that is not a socket was "Connection refused (is xdpcastd running?)".
touch "$WORK/file"
refused "$WORK/file: not a socket (is it xdpcastd's control socket?)" ctl --control-socket "$WORK/file" status
refused "$WORK: not a socket (is it xdpcastd's control socket?)" ctl --control-socket "$WORK" status
# A daemon's socket (mode 0600, root's) and pins (bpffs: 0700) asked by
# another user: the reason is permission, not a daemon that is not running.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/root.sock"
chmod 0600 "$WORK/root.sock" && chmod 0755 "$WORK"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/xdpcastctl" "$@"; }
refused "root.sock: Permission denied (xdpcastctl needs root)" as_nobody --control-socket "$WORK/root.sock" status
mkdir -m 0700 "$WORK/pins"
refused "xdpcast_stats: Permission denied (xdpcastctl needs root)" as_nobody --pin-dir "$WORK/pins" stats
echo "ok - xdpcastctl: commands, arguments, options, a daemon not running, another user refused by name, exit 1"

d() { "$BUILD/xdpcastd" --pin-dir "$WORK/pins" --control-socket "$WORK/none.sock" --bird-socket none "$@"; }
refused "--iface is required" d
refused "unknown option '--bogus'" d --bogus
refused "--zone needs an argument" d --zone
refused "--pop needs an argument" d --iface lo --anycast 192.0.2.0/24 --zone "$WORK/none.zone" stray --pop
refused "unexpected argument 'stray'" d stray
refused "--anycast: prefix '192.0.2.1/24': host bits are set" d --anycast 192.0.2.1/24
refused "$WORK/none.yaml: No such file or directory" d --check-config "$WORK/none.yaml"
echo "ok - xdpcastd: bad input refused by name, exit 1"
# --help and --version answer whatever else is wrong, a broken config too.
printf 'pop: [unclosed\n' > "$WORK/broken.yaml"
d --config "$WORK/broken.yaml" --bogus --help > "$WORK/out" 2>&1 || fail "--help with a broken config: $(cat "$WORK/out")"
grep -q '^Usage: xdpcastd' "$WORK/out" || fail "--help with a broken config printed: $(cat "$WORK/out")"
d --config "$WORK/broken.yaml" --version > "$WORK/out" 2>&1 || fail "--version with a broken config: $(cat "$WORK/out")"
grep -q '^xdpcastd ' "$WORK/out" || fail "--version with a broken config printed: $(cat "$WORK/out")"
echo "ok - xdpcastd: --help and --version with a broken config file"

# The flags of --help against those the man page's OPTIONS describe.
for program in xdpcastd xdpcastctl; do
	"$BUILD/$program" --help | grep -oE '^ +(-[a-zA-Z], +)?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u > "$WORK/help"
	sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$ROOT/man/$program.8" | grep -E '^\.(B|BR|BI) ' |
		grep -oE '\\-\\-[a-z\\-]+' | sed 's/\\//g' | sort -u > "$WORK/man"
	diff -u "$WORK/help" "$WORK/man" > "$WORK/diff" || fail "$program: --help (-) and man OPTIONS (+) differ: $(cat "$WORK/diff")"
done
# xdpcastd's synopsis shows every flag but --help and --version.
sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$ROOT/man/xdpcastd.8" | grep -oE '\\-\\-[a-z\\-]+' | sed 's/\\//g' |
	sort -u > "$WORK/synopsis"
"$BUILD/xdpcastd" --help | grep -oE '^ +(-[a-zA-Z], +)?--[a-z-]+' | grep -oE -- '--[a-z-]+' | grep -vx -- '--help\|--version' |
	sort -u | diff -u - "$WORK/synopsis" > "$WORK/diff" || fail "xdpcastd: --help (-) and man SYNOPSIS (+) differ: $(cat "$WORK/diff")"
echo "ok - both man pages describe the flags --help lists, xdpcastd's synopsis shows them"

# The command line of the contract (docs/ARCHITECTURE.md): these flags and
# commands by these names, whatever --help and the man pages agree on.
"$BUILD/xdpcastd" --help > "$WORK/help"
for flag in --iface --anycast --zone --pop --metrics --config --xdp-mode --bird-socket --bird-include --pin-dir; do
	grep -qE -- "^ +(-[a-zA-Z], +)?$flag( |$)" "$WORK/help" || fail "xdpcastd --help lacks the contract's $flag"
done
grep -qF -- "--xdp-mode MODE    native or skb" "$WORK/help" || fail "xdpcastd --help: --xdp-mode is not native or skb"
"$BUILD/xdpcastctl" --help > "$WORK/help"
for flag in --control-socket --pin-dir --json; do
	grep -qE -- "^ +(-[a-zA-Z], +)?$flag( |$)" "$WORK/help" || fail "xdpcastctl --help lacks the contract's $flag"
done
for command in "stats" "status" "lookup NAME \[TYPE\]" "reload" "block add PREFIX" "block del PREFIX" "block list" \
	"catchment" "withdraw \[PREFIX\]"; do
	grep -qE -- "^  $command( |$)" "$WORK/help" || fail "xdpcastctl --help lacks the contract's command '$command'"
done
echo "ok - the contract's flags of xdpcastd and commands and flags of xdpcastctl, by name"
