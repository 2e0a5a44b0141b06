#!/bin/sh
# Install the Debian/Ubuntu packages the build (or the tests, the bench,
# the fuzzers: the first argument says which) need, when a header or tool
# is missing. As root, or through sudo; elsewhere print the
# exact package names and fail.
set -eu

want=""
need() { # need FILE-OR-COMMAND PACKAGE
	case "$1" in
	/*) [ -e "$1" ] || want="$want $2" ;;
	*) command -v "$1" >/dev/null 2>&1 || want="$want $2" ;;
	esac
}

need cc gcc
need make make
need pkg-config pkg-config
need /usr/include/civetweb.h libcivetweb-dev
need /usr/include/cjson/cJSON.h libcjson-dev
need /usr/include/uuid/uuid.h uuid-dev
if [ "${1:-build}" = test ]; then
	need /usr/include/cmocka.h libcmocka-dev
	# curl.h sits under the multiarch folder on Debian: accept any
	# (ls of both fails when either is missing, so look at each).
	curl_h=""
	for f in /usr/include/*/curl/curl.h /usr/include/curl/curl.h; do
		[ -e "$f" ] && curl_h=$f
	done
	[ -n "$curl_h" ] || want="$want libcurl4-openssl-dev"
	need curl curl
fi
if [ "${1:-build}" = bench ]; then
	need wrk wrk
	need curl curl
	need valgrind valgrind
fi
if [ "${1:-build}" = fuzz ]; then
	need clang clang
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
	    >/dev/null 2>&1 || want="$want libclang-rt-dev"
fi

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
# Wait for another apt (an unattended upgrade, say) rather than fail.
lock="-o DPkg::Lock::Timeout=300"
# shellcheck disable=SC2086
$sudo apt-get $lock update -qq
# shellcheck disable=SC2086
$sudo apt-get $lock install -y -qq --no-install-recommends $want
