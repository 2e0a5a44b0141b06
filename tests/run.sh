#!/bin/sh
# Run every test binary given, from the top of the tree, and finish with
# one line "N passed, N failed". BUILD (the first argument) is where the
# server binary lives; the end-to-end tests start it from there.
set -u
build=$1
shift
export DM_MOCKSERVER_BIN="$build/dm-mockserver"
passed=0
failed=0
for t in "$@"; do
	echo "== $t"
	if "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $t"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
