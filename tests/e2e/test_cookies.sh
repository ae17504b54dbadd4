#!/usr/bin/env bash
# DNS cookies with a real client (kdig): the fast path hands out an RFC 9018
# server cookie, and a client that returns it is exempt from RRL (over IPv4
# and IPv6), while the same queries without it, or with a forged one, are
# rate-limited. A secret rotated by a reload or at a restart that hands
# over keeps the old one valid for the rest of its hour.
#
# RRL allows one response a second here. Two queries in one kdig run are
# milliseconds apart, so the second of them is over the rate whatever the
# clock did before; that is what the limited cases rely on.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
SECRET=e5e973e5a6b2a43f48e7dc849e37bfcf

setup_network
printf 'rrl: {rate: 1, burst: 1, slip: 0}\ncookies:\n  secret: %s\n' $SECRET > "$WORK/xdpcast.yaml"
# As the README asks of the server behind while cookies are on.
NSD_SERVER_OPTIONS="  answer-cookie: yes
  cookie-secret: \"$SECRET\"" start_nsd "$ZONE"
start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcast.yaml"

# twice [KDIG ARGS]: two queries for www.example.test A in one kdig run;
# prints how many were answered.
twice() {
	cli kdig +norec +time=1 +retry=0 "$@" @$ANYCAST4 www.example.test A www.example.test A 2>&1 |
		grep -c "192.0.2.80" || true
}

# fresh_cookie KDIG ARGS: the server cookie of an answer to a client
# cookie alone, which RRL may drop (rate 1): asked again a second later.
fresh_cookie() {
	local out i

	for i in 1 2 3 4 5; do
		out=$(cli kdig +norec +time=1 +retry=0 +cookie "$@" www.example.test A 2>&1 || true)
		if grep -q "192.0.2.80" <<< "$out"; then
			awk '/COOKIE:/ {print tolower($3)}' <<< "$out"
			return
		fi
		sleep 1
	done
	echo "no answer in 5 s: $out" >&2
}

out=$(cli kdig +norec +time=1 +retry=0 +cookie @$ANYCAST4 www.example.test A 2>&1 || true)
cookie=$(awk '/COOKIE:/ {print tolower($3)}' <<< "$out")
[[ "$cookie" =~ ^[0-9a-f]{16}010000[0-9a-f]{26}$ ]] || fail "no RFC 9018 server cookie in the answer: $out"
grep -q "192.0.2.80" <<< "$out" || fail "no answer with the cookie: $out"
echo "ok - kdig +cookie gets an answer and a version 1 server cookie: ${cookie:16}"

# What XDP passes, the server behind answers (ANY here): with cookies on,
# it must answer cookies too and with the same secret (README). A reply
# without a COOKIE to a resolver holding our server cookie is taken for a
# spoofed one (BIND: "missing expected cookie", asked again over TCP).
# NSD gives back a valid cookie younger than half an hour unchanged.
out=$(cli kdig +norec +time=1 +retry=0 +cookie="$cookie" @$ANYCAST4 www.example.test ANY 2>&1 || true)
grep -q "status: NOERROR" <<< "$out" || fail "no answer to ANY from the server behind: $out"
[ "$(awk '/COOKIE:/ {print tolower($3)}' <<< "$out")" = "$cookie" ] ||
	fail "the server behind did not take XDP's server cookie back: $out"
out=$(cli kdig +norec +time=1 +retry=0 +cookie="${cookie:0:16}" @$ANYCAST4 www.example.test ANY 2>&1 || true)
backend_cookie=$(awk '/COOKIE:/ {print tolower($3)}' <<< "$out")
[[ "$backend_cookie" =~ ^${cookie:0:16}010000[0-9a-f]{26}$ ]] || fail "no server cookie from the server behind: $out"
[ "$(twice +cookie="$backend_cookie")" -eq 2 ] || fail "a server cookie of the server behind was limited by RRL"
echo "ok - the server behind takes XDP's server cookie back, and XDP exempts the one it makes"

drops=$(counter rrl_drop)
[ "$(twice)" -le 1 ] || fail "RRL let two responses through within milliseconds"
[ "$(counter rrl_drop)" -gt "$drops" ] || fail "rrl_drop did not move"
echo "ok - without a cookie, the second of two queries is dropped by RRL"

before=$(counter dns_answer)
for i in 1 2 3; do
	[ "$(twice +cookie="$cookie")" -eq 2 ] || fail "a query with our server cookie was limited"
done
[ "$(counter dns_answer)" -eq $((before + 6)) ] || fail "the cookie answers did not come from XDP"
echo "ok - with our server cookie, 6 of 6 queries are answered from XDP over the RRL rate"

drops=$(counter rrl_drop)
[ "$(twice +cookie="${cookie:0:40}00000000")" -le 1 ] || fail "a forged server cookie was exempt from RRL"
[ "$(counter rrl_drop)" -gt "$drops" ] || fail "rrl_drop did not move for the forged cookie"
echo "ok - a forged server cookie gets no exemption"

# Rotation without a restart: the old secret stays valid as the previous.
printf 'rrl: {rate: 1, burst: 1, slip: 0}\ncookies:\n  secret: %s\n' 445536bcd2513298075a5d379663c962 > "$WORK/xdpcast.yaml"
kill -HUP "$XDPCASTD_PID"
wait_for "the reload" grep -q "flood defense settings of $WORK/xdpcast.yaml in force" "$WORK/xdpcastd.log"
[ "$(twice +cookie="$cookie")" -eq 2 ] || fail "a cookie of the old secret was limited right after the rotation"
echo "ok - after a secret rotation by SIGHUP, cookies made with the old secret still count"

# A later reload that leaves the secret as it is (a zone deploy) keeps the
# old one for the rest of its hour.
"$BUILD/xdpcastctl" --control-socket "$CONTROL_SOCKET" reload > /dev/null || fail "xdpcastctl reload failed"
[ "$(twice +cookie="$cookie")" -eq 2 ] || fail "a reload after the rotation dropped the previous secret"
echo "ok - a second reload in the rotation's hour keeps the previous secret"

# restart: a restart as systemd does it (hand over, start again), which
# takes the secrets over as a reload does.
restart() {
	kill -USR1 "$XDPCASTD_PID"
	wait "$XDPCASTD_PID" || fail "xdpcastd failed to hand over"
	start_xdpcastd --zone "$ZONE" --config "$WORK/xdpcast.yaml"
	grep -q "taking over program" "$WORK/xdpcastd.log" || fail "no takeover: $(cat "$WORK/xdpcastd.log")"
}
restart
[ "$(twice +cookie="$cookie")" -eq 2 ] || fail "a restart in the rotation's hour dropped the previous secret"
echo "ok - a restart in the rotation's hour keeps the previous secret"

cookie=$(fresh_cookie @$ANYCAST4)
printf 'rrl: {rate: 1, burst: 1, slip: 0}\ncookies:\n  secret: %s\n' dd3bdf9344b678b185a6f5cb60fca715 > "$WORK/xdpcast.yaml"
restart
[ "$(twice +cookie="$cookie")" -eq 2 ] || fail "a cookie of the secret in force before a restart that changed it was limited"
echo "ok - a restart that changes the secret keeps the old one as the previous"

# IPv6: the hash covers the client's 16 address bytes.
cookie=$(fresh_cookie -6 @$ANYCAST6)
[[ "$cookie" =~ ^[0-9a-f]{16}010000[0-9a-f]{26}$ ]] || fail "no server cookie over IPv6: '$cookie'"
# twice6 [KDIG ARGS]: twice, over IPv6.
twice6() {
	cli kdig -6 +norec +time=1 +retry=0 "$@" @$ANYCAST6 www.example.test A www.example.test A 2>&1 |
		grep -c "192.0.2.80" || true
}
drops=$(counter rrl_drop)
before=$(counter dns_answer)
for i in 1 2; do
	[ "$(twice6 +cookie="$cookie")" -eq 2 ] || fail "an IPv6 query with our server cookie was limited"
done
[ "$(counter rrl_drop)" -eq "$drops" ] || fail "rrl_drop moved for IPv6 queries with our server cookie"
# NSD behind answers with a cookie of the same secret too: only the counter
# says these answers were XDP's.
[ "$(counter dns_answer)" -eq $((before + 4)) ] || fail "the IPv6 cookie answers did not come from XDP"
# The exemption is the cookie's: without it, or forged, RRL limits IPv6 too.
drops=$(counter rrl_drop)
[ "$(twice6 +cookie="${cookie:0:40}00000000")" -le 1 ] || fail "a forged server cookie was exempt from RRL over IPv6"
[ "$(counter rrl_drop)" -gt "$drops" ] || fail "rrl_drop did not move for a forged cookie over IPv6"
echo "ok - over IPv6, a server cookie is made and exempts its client from RRL"
stop_xdpcastd
