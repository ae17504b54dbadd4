#!/bin/sh
# tests/private_tmp.sh: a failing test's files are removed with its TMPDIR,
# its status comes through, and it starts with an empty directory open to
# all as /tmp is.
set -u
cd "$(dirname "$0")"
left=$(./private_tmp.sh sh -c 'touch "$TMPDIR/file"; echo "$TMPDIR"; exit 3')
status=$?
if [ -z "$left" ] || [ "${left#/}" = "$left" ] || [ -e "$left" ]; then
	echo "private_tmp_test: the test's directory '$left' is not gone" >&2
	exit 1
fi
[ "$status" = 3 ] || { echo "private_tmp_test: exit status $status, not the test's 3" >&2; exit 1; }
inside=$(./private_tmp.sh sh -c 'stat -c %a "$TMPDIR"; ls -A "$TMPDIR" | wc -l')
[ "$inside" = "1777
0" ] || { echo "private_tmp_test: TMPDIR is not empty and 1777 as /tmp: $inside" >&2; exit 1; }
echo "private_tmp_test: ok"
