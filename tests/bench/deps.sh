#!/bin/sh
# Install what `make bench` needs beyond the build (tests/deps.sh build):
# wrk, the load generator, and curl, when missing. As root, or through
# sudo; elsewhere print the package names and fail.
set -eu

want=""
command -v wrk >/dev/null 2>&1 || want="$want wrk"
command -v curl >/dev/null 2>&1 || want="$want curl"
[ -n "$want" ] || exit 0
echo "dm-mockserver: installing missing packages:$want"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "dm-mockserver: no apt-get here; install:$want" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "dm-mockserver: not root and no sudo; install:$want" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $want
