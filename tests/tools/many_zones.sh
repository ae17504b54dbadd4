#!/usr/bin/env bash
# many_zones.sh COUNT DIR: zones z0.test..z(COUNT-1).test of 10 names each
# (an SOA, NS, the NS's address and eight A records) as files in DIR, their
# paths in DIR/list. The benches at many zones generate them with it.
set -euo pipefail
mkdir -p "$2"
awk -v n="$1" -v d="$2" 'BEGIN {
	for (z = 0; z < n; z++) {
		f = sprintf("%s/z%d.test.zone", d, z)
		printf "$ORIGIN z%d.test.\n@ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 300\n", z > f
		printf "@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n" > f
		for (i = 0; i < 8; i++)
			printf "h%d 300 IN A 192.0.2.%d\n", i, i + 1 > f
		close(f)
		print f > (d "/list")
	}
}'
