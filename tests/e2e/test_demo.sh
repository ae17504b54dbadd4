#!/usr/bin/env bash
# `make demo` (a contract): scripts/demo.sh builds nothing itself (make
# does), makes the client and PoP namespaces, starts NSD behind xdpcastd
# with demo/demo.zone, answers kdig over IPv4 and IPv6 from XDP, prints
# the counters (xdpcastctl and bpftool) and removes all of it again.
source "$(dirname "$0")/lib.sh"

rc=0
SUFFIX=$SUFFIX BUILD=$BUILD "$ROOT/scripts/demo.sh" > "$WORK/demo.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "the demo exited with $rc: $(cat "$WORK/demo.out")"
out=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/demo.out")
grep -qE '^www\.anycast\.example\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80$' <<< "$out" || fail "no A answer over IPv4: $out"
grep -qE '^anycast\.example\.[[:space:]]+300[[:space:]]+IN[[:space:]]+MX[[:space:]]+10[[:space:]]+mail\.anycast\.example\.$' <<< "$out" || fail "no MX answer over IPv6: $out"
grep -q 'status: NXDOMAIN' <<< "$out" || fail "no NXDOMAIN: $out"
# xdpcastctl stats: the two answers and the NXDOMAIN from XDP; the ANY and
# the TCP query passed to NSD, which answered them.
grep -qE '^dns_answer +tx +2 +2$' <<< "$out" || fail "stats: not 2 answers from XDP: $out"
grep -qE '^dns_nxdomain +tx +1 +1$' <<< "$out" || fail "stats: not 1 NXDOMAIN from XDP: $out"
grep -qE '^pass_tcp +pass +[1-9]' <<< "$out" || fail "stats: the TCP query was not passed: $out"
grep -q '"dns_answer": {' <<< "$out" || fail "no counters through bpftool: $out"
grep -qx 'demo done' <<< "$out" || fail "the demo did not finish: $out"
tail -2 <<< "$out" | grep -q 'stopped' || fail "xdpcastd's last line is not 'stopped': $out"
ip netns list | grep -qE "^xc-(srv|cli)-$SUFFIX( |$)" && fail "the demo left its namespaces: $(ip netns list)"
echo "ok - make demo's script: answers from XDP over IPv4 and IPv6, NXDOMAIN, passes, counters; cleaned up"
