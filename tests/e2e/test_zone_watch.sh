#!/usr/bin/env bash
# The zone watch where what changes is not a zone file in a watched
# directory: an $INCLUDE of a file not there yet (the load is refused, and
# creating the file is what fixes it), an included file deleted and made
# again.
source "$(dirname "$0")/lib.sh"

LATE=$WORK/zones/late.zone      # included before it exists

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

# answer_via_xdp NAME TYPE EXPECTED: the fast path answers so within 10 s.
answer_via_xdp() { wait_for "$1 $2 $3 from XDP" xdp_answers "$@"; }

setup_network
write_second 1 "www  300 IN A   192.0.2.70"
printf 'zone_watch: {delay_ms: 100}\n' > "$WORK/watch.yaml"
start_xdpcastd --zone "$WORK/zones/second.test.zone" --config "$WORK/watch.yaml"
answer_via_xdp www.second.test A 192.0.2.70

# The zone gains an $INCLUDE of a file the operator writes next: refused
# until it is there, then loaded by its creation alone.
write_second 2 "\$INCLUDE $LATE"
wait_for "the refused load" eval 'grep -q "reload failed.*$LATE: cannot read the zone file" "$WORK/xdpcastd.log"'
echo "late 300 IN A 192.0.2.71" > "$LATE"
answer_via_xdp late.second.test A 192.0.2.71
echo "ok - an \$INCLUDE of a file not there yet is loaded when the file is created"

# The included file deleted (refused: the generation in force stays), then
# made again.
rm "$LATE"
wait_for "the refused load" eval '[ "$(grep -c "reload failed.*$LATE: cannot read" "$WORK/xdpcastd.log")" -eq 2 ]'
xdp_answers late.second.test A 192.0.2.71 || fail "the generation in force stopped answering: '$XDP_GOT'"
echo "late 300 IN A 192.0.2.72" > "$LATE"
answer_via_xdp late.second.test A 192.0.2.72
echo "ok - an included file deleted and made again is loaded again"

stop_xdpcastd
