#!/usr/bin/env bash
# The tests' own cleanup (lib.sh): a test failing with a process that
# ignores SIGTERM (a daemon hung in its stop) still ends with its own
# status; that process is killed CLEANUP_GRACE_S after the signal, which
# is said, and the test's namespaces and work directory are removed. A
# listed process that is no longer the test's child is left alone. And
# end_loop_after, given a loop that already ended, goes on.
source "$(dirname "$0")/lib.sh"

INNER_SUFFIX=$SUFFIX-inner
# Outer cleanup removes them too, whatever the inner test left.
EXTRA_NS+=("xc-srv-$INNER_SUFFIX" "xc-cli-$INNER_SUFFIX")

cat > "$WORK/inner.sh" <<EOF
source "$ROOT/tests/e2e/lib.sh"
echo "\$WORK" > "$WORK/inner.work"
ip netns add "\$NS_SRV"
# A number in PIDS that is no longer the test's: a process of someone else's.
bash -c 'sleep 30 & echo \$! > "$WORK/other.pid"'
PIDS+=(\$(cat "$WORK/other.pid"))
# Not through srv(): \$! is the process itself, as xdpcastd's (start_xdpcastd).
ip netns exec "\$NS_SRV" bash -c 'trap "" TERM; echo \$\$ > "$WORK/stubborn.pid"; while :; do sleep 0.1; done' &
PIDS+=(\$!)
within 10 test -s "$WORK/stubborn.pid" || fail "the stubborn process did not start"
fail "on purpose"
EOF
rc=0
CLEANUP_GRACE_S=2 SUFFIX=$INNER_SUFFIX timeout 60 bash "$WORK/inner.sh" 2> "$WORK/inner.err" || rc=$?
inner_work=$(cat "$WORK/inner.work")
stubborn=$(cat "$WORK/stubborn.pid")
[ "$rc" != 124 ] || { rm -rf "$inner_work"; fail "the cleanup did not end within 60 s: $(cat "$WORK/inner.err")"; }
[ "$rc" = 1 ] || fail "the failed test's status is $rc, not 1: $(cat "$WORK/inner.err")"
grep -q "^cleanup: process $stubborn (bash -c trap .*) still running 2 s after SIGTERM: killed$" \
	"$WORK/inner.err" || fail "the kill is not said: $(cat "$WORK/inner.err")"
! running "$stubborn" || fail "the stubborn process $stubborn still runs"
other=$(cat "$WORK/other.pid")
running "$other" || fail "the cleanup killed process $other, which was not the test's"
kill "$other"
! ip netns list | grep -q "^xc-srv-$INNER_SUFFIX\b" || fail "the inner test's namespace is left"
[ ! -e "$inner_work" ] || fail "the inner test's work directory $inner_work is left"
echo "ok - a failed test with a process ignoring SIGTERM: killed 2 s after the signal (said), status 1 kept," \
	"namespace and work directory removed, a process not its own left alone"

# A query loop's shell can end, and be reaped, before end_loop_after kills it.
echo "1.0 192.0.2.1" > "$WORK/ended-loop.txt"
true &
ended=$!
within 5 eval '! running $ended'
# errexit as in a test's body (a status tested with || would turn it off).
set +e
(set -e; end_loop_after 192.0.2.1 "$WORK/ended-loop.txt" "$ended"; echo "went on") > "$WORK/ended-loop.out" 2>&1
set -e
grep -qx "went on" "$WORK/ended-loop.out" || fail "end_loop_after of a loop that ended: $(cat "$WORK/ended-loop.out")"
echo "ok - end_loop_after of a loop that had already ended goes on"
