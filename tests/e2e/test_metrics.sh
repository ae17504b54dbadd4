#!/usr/bin/env bash
# /metrics: after known queries, the scraped counters equal what was sent,
# promtool finds nothing wrong, and a real Prometheus server scraping
# xdpcastd returns the same value from its query API. The shipped alerting
# rules (docs/xdpcast.alerts.yml) name only series xdpcastd exports, and
# that Prometheus, evaluating them, has the alerts pending once NSD dies.
source "$(dirname "$0")/lib.sh"

ZONE=$ROOT/tests/zones/example.test.zone
METRICS=$UNICAST4:9553

setup_network
start_nsd "$ZONE"
NSD_PID=${PIDS[-1]}
cat > "$WORK/xdpcastd.yaml" <<YAML
catchment:
  groups:
    clients: [198.51.100.0/24]
    elsewhere: [203.0.113.0/24, 2001:db8:ff::/48]
YAML
POP=ams1 start_xdpcastd --zone "$ZONE" --metrics $METRICS --config "$WORK/xdpcastd.yaml"
grep -q "metrics at http://$METRICS/metrics" "$WORK/xdpcastd.log" || fail "no metrics line in the log"

# get URL: the body, fetched from the client namespace.
value() { awk -v s="$1" 'index($0, s " ") == 1 {print $NF}' "$WORK/metrics.txt"; }

for i in 1 2 3 4 5; do cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.test A > /dev/null; done
for i in 1 2 3; do cli kdig +short +norec +time=2 +retry=0 @$ANYCAST6 nope$i.example.test A > /dev/null; done
http_get "http://$METRICS/metrics" > "$WORK/metrics.txt"

[ "$(value 'xdpcast_packets_total{pop="ams1",iface="veth-s",action="tx",reason="dns_answer"}')" = 5 ] ||
	fail "dns_answer is not 5: $(grep dns_answer "$WORK/metrics.txt")"
[ "$(value 'xdpcast_packets_total{pop="ams1",iface="veth-s",action="tx",reason="dns_nxdomain"}')" = 3 ] ||
	fail "dns_nxdomain is not 3: $(grep dns_nxdomain "$WORK/metrics.txt")"
[ "$(value 'xdpcast_zone_serial{pop="ams1",zone="example.test."}')" = "$(grep -oE '[0-9]{10}' "$ZONE" | head -1)" ] ||
	fail "zone serial: $(grep zone_serial "$WORK/metrics.txt")"
[ "$(value 'xdpcast_zone_generation{pop="ams1"}')" = 1 ] || fail "generation: $(grep generation "$WORK/metrics.txt")"
grep -q '^xdpcast_build_info{pop="ams1",version="' "$WORK/metrics.txt" || fail "no build_info"
[ "$(value 'xdpcast_prefix_announced{pop="ams1",prefix="2001:db8:53::/48"}')" = 0 ] || fail "no prefix_announced gauge"
echo "ok - /metrics: 5 answers and 3 NXDOMAINs counted as sent, zone serial and generation"

# The catchment per configured group: the client's IPv4 /24 is in
# "clients", its IPv6 /48 in no group.
[ "$(value 'xdpcast_catchment_answers{pop="ams1",group="clients"}')" = 5 ] &&
[ "$(value 'xdpcast_catchment_answers{pop="ams1",group="elsewhere"}')" = 0 ] &&
[ "$(value 'xdpcast_catchment_answers{pop="ams1",group="other"}')" = 3 ] &&
[ "$(value 'xdpcast_catchment_networks{pop="ams1",group="other"}')" = 1 ] ||
	fail "catchment per group: $(grep catchment "$WORK/metrics.txt")"
echo "ok - /metrics: the catchment per group of client prefixes (5 answers to clients, 3 to other)"

# Every metric of the contract (docs/ARCHITECTURE.md), by name, type and
# exactly its labels; xdpcast_bgp_session_up has no series without BIRD.
python3 - "$WORK/metrics.txt" <<'PY' || fail "the metrics contract, in $(cat "$WORK/metrics.txt")"
import re, sys
contract = {
    "xdpcast_packets_total": ("counter", ["pop", "iface", "action", "reason"]),
    "xdpcast_bytes_total": ("counter", ["pop", "iface", "action"]),
    "xdpcast_zone_serial": ("gauge", ["pop", "zone"]),
    "xdpcast_zone_records": ("gauge", ["pop", "zone"]),
    "xdpcast_zone_generation": ("gauge", ["pop"]),
    "xdpcast_zone_last_load_timestamp_seconds": ("gauge", ["pop", "zone"]),
    "xdpcast_health_up": ("gauge", ["pop", "check"]),
    "xdpcast_prefix_announced": ("gauge", ["pop", "prefix"]),
    "xdpcast_bgp_session_up": ("gauge", ["pop", "protocol"]),
    "xdpcast_build_info": ("gauge", ["pop", "version"]),
}
text = open(sys.argv[1]).read()
bad = []
for name, (kind, labels) in contract.items():
    if not re.search(r"^# TYPE %s %s$" % (name, kind), text, re.M):
        bad.append("no '# TYPE %s %s'" % (name, kind))
    series = re.findall(r"^%s\{(.*)\} \S+$" % name, text, re.M)
    if not series and name != "xdpcast_bgp_session_up":
        bad.append("no series of %s" % name)
    for s in series:
        got = re.findall(r'(\w+)="(?:[^"\\]|\\.)*"', s)
        if got != labels:
            bad.append("%s{%s}: labels %s, not %s" % (name, s, got, labels))
actions = set(re.findall(r'^xdpcast_(?:packets|bytes)_total\{[^}]*action="([^"]*)"', text, re.M))
if actions != {"tx", "pass", "drop"}:
    bad.append("actions %s" % sorted(actions))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
[ "$(value 'xdpcast_build_info{pop="ams1",version="'"$("$BUILD/xdpcastd" --version | awk '{print $2}')"'"}')" = 1 ] ||
	fail "build_info: $(grep build_info "$WORK/metrics.txt"), xdpcastd --version: $("$BUILD/xdpcastd" --version)"
echo "ok - /metrics: every metric of the contract with its type and exactly its labels"

problems=$(promtool check metrics < "$WORK/metrics.txt" 2>&1) || fail "promtool check metrics failed: $problems"
[ -z "$problems" ] || fail "promtool check metrics: $problems"
echo "ok - promtool check metrics reports nothing"

# HTTP as a scraper or a curious operator may use it: HEAD is GET without
# the body, a query string is ignored, another method is a 405 that names
# the allowed ones (RFC 9110 requires Allow), another path a 404, a target
# in absolute form is served by its path (RFC 9112, 3.2.2). gzip is
# used where Accept-Encoding takes it (Prometheus asks for it; at 100,000
# zones the text is ~38 MB), never where its weight is zero, and the text
# it carries has the same families as the plain one.
http=$(cli python3 -c '
import gzip, http.client, re, sys
def families(body):
    return sorted(re.findall(rb"^# TYPE (\S+)", body, re.M))
plain = None
def ask(method, path, accept=None):
    global plain
    c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5)
    c.request(method, path, headers={"Accept-Encoding": accept} if accept else {})
    r = c.getresponse()
    body = r.read()
    encoding = r.getheader("Content-Encoding")
    if encoding == "gzip":
        body = gzip.decompress(body)
        encoding += " same families" if families(body) == families(plain) else " other families"
    elif method == "GET" and r.status == 200:
        plain = body
    print(method, path, accept, r.status, r.getheader("Allow"), r.getheader("Content-Type"), encoding,
          r.getheader("Vary"), (body.split() or [b"-"])[0].decode())
ask("HEAD", "/metrics")
ask("GET", "/metrics?format=text")
ask("POST", "/metrics")
ask("DELETE", "/metrics")
ask("GET", "/")
ask("GET", "http://%s:%s/metrics" % (sys.argv[1], sys.argv[2]))
ask("GET", "HTTP://example.net/other")
ask("GET", "/metrics", "gzip")
ask("GET", "/metrics", "deflate, GZIP ; q=0.000")
ask("GET", "/metrics", "br;q=1, *;q=0.5")
ask("GET", "/metrics", "x-gzip;level=1;q=0, identity")' $UNICAST4 9553)
[ "$http" = "HEAD /metrics None 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 None None -
GET /metrics?format=text None 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 None None #
POST /metrics None 405 GET, HEAD text/plain None None GET
DELETE /metrics None 405 GET, HEAD text/plain None None GET
GET / None 404 GET, HEAD text/plain None None see
GET http://$UNICAST4:9553/metrics None 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 None None #
GET HTTP://example.net/other None 404 GET, HEAD text/plain None None see
GET /metrics gzip 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 gzip same families Accept-Encoding #
GET /metrics deflate, GZIP ; q=0.000 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 None None #
GET /metrics br;q=1, *;q=0.5 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 gzip same families Accept-Encoding #
GET /metrics x-gzip;level=1;q=0, identity 200 GET, HEAD text/plain; version=0.0.4; charset=utf-8 None None #" ] ||
	fail "HTTP methods, paths and encodings: $http"
echo "ok - HEAD, a query string, a POST (405 with Allow), another path (404), an absolute-form target, gzip where it is asked for"

# Every family served is named in the operators' docs.
for family in $(awk '$1 == "#" && $2 == "TYPE" {print $3}' "$WORK/metrics.txt"); do
	grep -q "$family" "$ROOT"/README.md "$ROOT"/docs/*.md || fail "$family is in no document"
done
echo "ok - every metric family served is documented"

cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['$ROOT/docs/xdpcast.alerts.yml']
scrape_configs:
  - job_name: xdpcast
    static_configs:
      - targets: ['$METRICS']
YAML
ip netns exec "$NS_CLI" prometheus --config.file "$WORK/prometheus.yml" --storage.tsdb.path "$WORK/prometheus" \
	--web.listen-address 127.0.0.1:9090 > "$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
query='xdpcast_packets_total{reason="dns_answer"}'
prometheus_value() {
	http_get "http://127.0.0.1:9090/api/v1/query?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")" 2>/dev/null |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
scraped() { [ "$(prometheus_value)" = 5 ]; }
for i in $(seq 1 30); do scraped && break; sleep 1; done
scraped || fail "Prometheus says '$(prometheus_value)' for $query; its log: $(tail -5 "$WORK/prometheus.log")"
echo "ok - a Prometheus server scraping xdpcastd returns $query = 5"

# Every metric the alerting rules read is one xdpcastd serves (its labels
# are the contract's, checked above), but xdpcast_bird_up, served only when
# it controls BIRD (test_bgp.sh reads it).
unknown=$(grep -o 'xdpcast_[a-z_]*' "$ROOT/docs/xdpcast.alerts.yml" | sort -u | grep -vx xdpcast_bird_up |
	while read -r m; do grep -q "^# TYPE $m " "$WORK/metrics.txt" || echo "$m"; done)
[ -z "$unknown" ] || fail "docs/xdpcast.alerts.yml reads series /metrics does not have: $unknown"
echo "ok - the alerting rules read only series xdpcastd exports"

# A hostile scraper holding idle connections blocks neither other scrapers
# nor the daemon.
cli ip addr add 198.51.100.3/24 dev veth-c
cli python3 -c '
import socket, sys, time
held = [socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("198.51.100.3", 0)) for _ in range(8)]
time.sleep(30)' $UNICAST4 9553 &
PIDS+=($!)
sleep 1
http_get "http://$METRICS/metrics" | grep -q '^xdpcast_build_info' || fail "a scrape failed while another client held connections"
[ "$("$BUILD/xdpcastctl" --pin-dir "$PIN_DIR" --control-socket "$CONTROL_SOCKET" reload)" = "reloaded: generation 2" ] ||
	fail "the daemon did not reload while a scraper held connections"
echo "ok - a scraper holding idle connections blocks neither other scrapes nor a reload"

"$BUILD/xdpcastd" --help > "$WORK/help.txt"   # not piped: grep -q leaving early would SIGPIPE it
grep -q -- "--metrics ADDR:PORT" "$WORK/help.txt" || fail "--help does not list --metrics"

# Slowloris: 8 addresses each holding as many connections as they may,
# each sending a byte of its request every 2 s (so no idle timeout fires).
# A scrape from another address still gets through; how long it took is
# printed, not judged (the bound is a generous timeout).
for i in $(seq 10 17); do cli ip addr add 198.51.100.$i/24 dev veth-c; done
cli python3 -c '
import socket, sys, time
held = []
for i in range(10, 18):
    for _ in range(8):
        try:
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("198.51.100.%d" % i, 0), timeout=2)
            s.sendall(b"GET /metrics HTTP/1.1\r\n")
            held.append(s)
        except OSError:
            pass
print(len(held), flush=True)
for _ in range(30):
    for s in list(held):
        try:
            s.sendall(b"X")
        except OSError:
            held.remove(s)
    time.sleep(2)' $UNICAST4 9553 > "$WORK/slowloris.out" &
PIDS+=($!)
wait_for "the slowloris connections" test -s "$WORK/slowloris.out"
sleep 3         # past the first deadline a connection could have
start=$(date +%s%N)
tries=$(cli python3 -c '
import sys, time, urllib.request
deadline = time.monotonic() + 60
tries = 0
while time.monotonic() < deadline:
    tries += 1
    try:
        urllib.request.urlopen(sys.argv[1], timeout=deadline - time.monotonic()).read()
        print(tries)
        break
    except OSError:
        time.sleep(0.2)' "http://$METRICS/metrics")
[ -n "$tries" ] || fail "no scrape got through within 60 s under slowloris"
echo "ok - a scrape under slowloris ($(head -1 "$WORK/slowloris.out") connections opened from 8 addresses) took $(ms_since "$start") ms ($tries tries)"

# The deadline is for the whole request: a byte a second never lets an
# idle timeout fire, yet the server ends the connection.
cli ip addr add 198.51.100.18/24 dev veth-c
held=$(cli python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), source_address=("198.51.100.18", 0))
s.sendall(b"GET /metrics HTTP/1.1\r\n")
start = time.monotonic()
s.settimeout(1)
while time.monotonic() - start < 60:
    try:
        if s.recv(1) == b"":
            break
    except socket.timeout:
        pass
    try:
        s.sendall(b"X")
    except OSError:
        break
else:
    sys.exit(1)
print(round(time.monotonic() - start, 1))' $UNICAST4 9553) || fail "a request trickling a byte a second was held open for 60 s"
echo "ok - a request trickling a byte a second was cut off after $held s"

# NSD dies: the backend check goes down and the prefixes are withdrawn;
# the Prometheus evaluating the shipped rules has both alerts pending (their
# `for` is minutes), with xdpcastd's labels.
kill "$NSD_PID"
alerts() {
	http_get "http://127.0.0.1:9090/api/v1/alerts" 2>/dev/null | python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    l = a["labels"]
    print(a["state"], l["alertname"], l.get("pop", l.get("instance", "")), l.get("check", l.get("prefix", "")))'
}
pending() {
	alerts > "$WORK/alerts.txt"
	grep -qx "pending XdpcastHealthCheckDown ams1 backend 192.0.2.0/24" "$WORK/alerts.txt" &&
		grep -qx "pending XdpcastPrefixWithdrawn ams1 192.0.2.0/24" "$WORK/alerts.txt" &&
		grep -qx "pending XdpcastPrefixWithdrawn ams1 2001:db8:53::/48" "$WORK/alerts.txt"
}
wait_within "the alerts of a dead NSD pending in Prometheus" 30 pending
echo "ok - NSD killed: Prometheus has $(wc -l < "$WORK/alerts.txt") alerts pending from the shipped rules: $(cut -d' ' -f2 "$WORK/alerts.txt" | sort -u | paste -sd' ')"

# SIGINT stops it as SIGTERM does: exit 0, detached, unpinned.
# The thread that serves /metrics parses what anyone sends it: it keeps
# CAP_BPF alone (bit 39), to read the counters; it kept every capability
# this daemon started with. The others hold CAP_BPF, CAP_NET_ADMIN and
# CAP_SYS_ADMIN (loader/caps.h).
held=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/"$XDPCASTD_PID"/task/*/status | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
[ "$held" = "0000008000000000x1 0000008000201000x$(( $(ls /proc/"$XDPCASTD_PID"/task | wc -l) - 1 )) " ] ||
	fail "the threads' effective capabilities (value x threads): $held"
echo "ok - the metrics server's thread holds CAP_BPF alone, the others CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN"

stop_xdpcastd INT
echo "ok - SIGINT: exit 0, nothing attached, nothing pinned"

# The counters across restarts: a handover and a takeover after kill -9
# keep the maps, so every *_total goes on from where it was (xdpcastd's
# own too: reload failures, re-attachments) and
# xdpcast_counters_start_timestamp_seconds stays; a start after a full stop
# begins at 0, and that timestamp says so.
cp "$ZONE" "$WORK/zone"
echo "zone_watch: {enabled: false}" > "$WORK/restarts.yaml"
restart_args=(--zone "$WORK/zone" --metrics $METRICS --config "$WORK/restarts.yaml")
POP=ams1 start_xdpcastd "${restart_args[@]}"
scrape() { http_get "http://$METRICS/metrics" > "$WORK/metrics.txt"; }
answers='xdpcast_packets_total{pop="ams1",iface="veth-s",action="tx",reason="dns_answer"}'
failures='xdpcast_reload_failures_total{pop="ams1"}'
reattached='xdpcast_iface_reattached_total{pop="ams1",iface="veth-s"}'
since='xdpcast_counters_start_timestamp_seconds{pop="ams1"}'
for i in 1 2 3; do cli kdig +short +norec +time=2 +retry=0 @$ANYCAST4 www.example.test A > /dev/null; done
echo "bad line" >> "$WORK/zone"
ctl reload > /dev/null 2>&1 && fail "a broken zone reloaded"
cp "$ZONE" "$WORK/zone"
ctl reload > /dev/null || fail "the mended zone did not reload"
srv ip link set dev veth-s xdp off
wait_for "the program attached again" eval 'grep -q "attached again 1 times" <<< "$(ctl status)"'
scrape
started=$(value "$since")
[ "$(value "$answers") $(value "$failures") $(value "$reattached")" = "3 1 1" ] && [ "${started%.*}" -gt 0 ] ||
	fail "before the restarts: $(grep -E 'dns_answer|_total\{pop="ams1"\}|reattached_total\{|counters_start' "$WORK/metrics.txt")"
# restarted HOW: the daemon ended HOW (USR1, KILL), started again.
restarted() {
	kill -"$1" "$XDPCASTD_PID"
	wait "$XDPCASTD_PID" 2>/dev/null || true
	POP=ams1 start_xdpcastd "${restart_args[@]}"
	grep -q "taking over program" "$WORK/xdpcastd.log" || fail "$1: not taken over: $(cat "$WORK/xdpcastd.log")"
	scrape
	[ "$(value "$answers") $(value "$failures") $(value "$reattached") $(value "$since")" = "3 1 1 $started" ] ||
		fail "after $1 and a start: $(grep -E 'dns_answer|_total\{pop="ams1"\}|reattached_total\{|counters_start' "$WORK/metrics.txt")"
}
restarted USR1
restarted KILL
[ "$(ctl --json status | json 'v["reload_failures"], v["interfaces"][0]["reattached"], v["counters_since"]')" = \
  "(1, 1, ${started%.000}.0)" ] || fail "status after the takeovers: $(ctl --json status)"
sleep 1         # the fresh start's second is a later one
stop_xdpcastd
POP=ams1 start_xdpcastd "${restart_args[@]}"
scrape
[ "$(value "$answers") $(value "$failures") $(value "$reattached")" = "0 0 0" ] &&
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))' "$(value "$since")" "$started" ||
	fail "after a stop and a fresh start: $(grep -E 'dns_answer|_total\{pop="ams1"\}|reattached_total\{|counters_start' "$WORK/metrics.txt")"
stop_xdpcastd
echo "ok - a handover and a takeover after kill -9 keep every counter (answers, reload failures, re-attachments) and their start time; a fresh start resets them and says when"

