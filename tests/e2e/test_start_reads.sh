#!/usr/bin/env bash
# The start reads each zone file once: the check that refuses bad input
# before anything is attached used to read every file, throw it away, and
# the first load read it all again (0.7 s of a 1M-name zone's start).
# Measured by what xdpcastd read (/proc/PID/io rchar) by the time it is
# ready, against the zone file's size and the kernel's BTF, which libbpf
# reads whole (here: 14.0 MB read for an 8.5 MB zone and 5.5 MB of BTF;
# 22.5 MB when the zone was read twice).
source "$(dirname "$0")/lib.sh"

ZONE=$WORK/scale.zone
tests/tools/names_zone.sh scale.test 300000 > "$ZONE"
touch -d '-5 sec' "$ZONE"       # older than a second: its stamp is trusted
zone_bytes=$(stat -c %s "$ZONE")
btf_bytes=$(stat -c %s /sys/kernel/btf/vmlinux)

setup_network
start_xdpcastd --zone "$ZONE"
read_bytes=$(awk '$1 == "rchar:" {print $2}' "/proc/$XDPCASTD_PID/io")
# The zone once, the BTF once, a MiB for the config, /proc and the rest.
most=$((zone_bytes * 3 / 2 + btf_bytes + 1048576))
[ "$read_bytes" -le "$most" ] ||
	fail "xdpcastd read $read_bytes bytes to start: the $zone_bytes-byte zone twice? (at most $most)"
echo "ok - started on a $zone_bytes-byte zone having read $read_bytes bytes (zone once: at most $most)"
cli kdig +short +time=2 +retry=0 @"$ANYCAST4" h299999.scale.test A | grep -qx 192.0.2.250 ||
	fail "the last name is not answered"
stop_xdpcastd
