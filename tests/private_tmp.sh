#!/bin/sh
# Runs a test with TMPDIR set to a directory of its own, removed when the
# test ends however it ends: the files of a test that failed halfway do
# not stay behind. Sticky and open to all as /tmp is: tests run commands
# as other users there. The test's status is this script's.
dir=$(mktemp -d "${TMPDIR:-/tmp}/xdpcast-test.XXXXXX") && chmod 1777 "$dir" || exit 1
TMPDIR=$dir "$@"
status=$?
rm -rf "$dir"
exit $status
