#!/usr/bin/env bash
# The shipped systemd unit passes systemd-analyze, and xdpcastd speaks the
# notify protocol it relies on (Type=notify): READY=1 once attached and
# loaded, RELOADING=1 then READY=1 around a reload, STOPPING=1 on SIGTERM.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone

# The unit with this build's binaries (the man pages are not installed here).
sed -e "s|/usr/local/sbin/|$BUILD/|g" -e '/^Documentation=/d' "$ROOT/dist/xdpcastd.service" > "$WORK/xdpcastd.service"
out=$(systemd-analyze verify "$WORK/xdpcastd.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
grep -q "^Type=notify$" "$WORK/xdpcastd.service" || fail "the unit is not Type=notify"
echo "ok - dist/xdpcastd.service passes systemd-analyze verify"

setup_network
start_nsd "$ZONE"
# A notify socket as systemd would give, read by a small listener.
python3 - "$WORK/notify.sock" > "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    msg = s.recv(4096).decode()
    print(msg.replace("\n", " "), flush=True)
    if msg.startswith("STOPPING=1"):
        break
PY
PIDS+=($!)
wait_for "the notify listener" test -S "$WORK/notify.sock"
NOTIFY_SOCKET=$WORK/notify.sock start_xdpcastd --zone "$ZONE"
wait_for "READY=1" grep -q "^READY=1" "$WORK/notify.log"
grep -q "ready: pop" "$WORK/xdpcastd.log" || fail "READY=1 came before the ready line"
echo "ok - READY=1 once attached and loaded: $(grep -m1 '^READY=1' "$WORK/notify.log")"

ready_twice() { [ "$(grep -c '^READY=1' "$WORK/notify.log")" -eq 2 ]; }
kill -HUP "$XDPCASTD_PID"
wait_for "READY=1 after the reload" ready_twice
grep -q "^RELOADING=1" "$WORK/notify.log" || fail "no RELOADING=1 before the second READY=1"
echo "ok - RELOADING=1, then READY=1 around SIGHUP"
stop_xdpcastd
wait_for "STOPPING=1" grep -q "^STOPPING=1" "$WORK/notify.log"
echo "ok - STOPPING=1 on SIGTERM"
