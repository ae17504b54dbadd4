#!/usr/bin/env bash
# names_zone.sh ORIGIN NAMES [SERIAL]: a zone of NAMES names under ORIGIN
# (hN, an A record each), with an SOA, NS and the NS's address, on stdout.
# The scale tests and benches generate their large zones with it.
set -euo pipefail
awk -v origin="${1%.}." -v n="$2" -v serial="${3:-1}" 'BEGIN {
	print "$ORIGIN " origin
	print "@ 3600 IN SOA ns1 hostmaster " serial " 3600 600 86400 300"
	print "@ 3600 IN NS ns1"
	print "ns1 3600 IN A 192.0.2.53"
	for (i = 0; i < n; i++)
		printf "h%d 300 IN A 192.0.2.%d\n", i, i % 250 + 1
}'
