#!/bin/sh
# The style checks of STYLE.md that a script can make: C lines of at most
# 80 columns (tabs at 8), no FIXME/XXX, and every TODO written TODO(area).
set -u
status=0
files=$(ls mockserver/*.[ch] tests/*.[ch] tests/*/*.[ch] 2>/dev/null)
for f in $files; do
	expand -t 8 "$f" | awk -v f="$f" 'length($0) > 80 {
		printf "%s:%d: line is %d columns (max 80)\n", f, NR, length($0)
		bad = 1 } END { exit bad }' || status=1
done
# shellcheck disable=SC2086
if grep -nE '\b(FIXME|XXX)\b' $files; then
	echo "lint: use TODO(area): what and why, not FIXME/XXX" >&2
	status=1
fi
# shellcheck disable=SC2086
if grep -nE '\bTODO\b' $files | grep -vE 'TODO\([a-z0-9_-]+\): '; then
	echo "lint: write TODO(area): what and why" >&2
	status=1
fi
[ $status -eq 0 ] && echo "lint: ok"
exit $status
