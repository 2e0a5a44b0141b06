#!/bin/sh
# The figures of `make bench`: run.sh BUILD, from the top of the tree,
# after BUILD/dm-mockserver and BUILD/bench-{hello,readytime,dispatch}
# are built and wrk, curl and valgrind are installed (tests/deps.sh
# bench).
#
# Every server runs on 127.0.0.1 port 0 with a ready file, in a temporary
# folder removed at the end. Each figure is printed with its target and
# PASS or MISS, and each section with its method in one line. The figures
# are reported, never asserted: this script exits 0 unless a server does
# not start or a tool fails. The load is bounded: wrk runs for a fixed
# time, and the soak stops at a million requests or SOAK_MAX seconds.
set -u

build=${1:-build}
bin=$build/dm-mockserver
hello=$build/bench-hello
readytime=$build/bench-readytime
dispatch=$build/bench-dispatch

DURATION=${DURATION:-3}          # seconds of each throughput run
SCALE_DURATION=${SCALE_DURATION:-5}
SOAK_REQUESTS=${SOAK_REQUESTS:-1000000}
SOAK_MAX=${SOAK_MAX:-240}        # seconds the soak may take at most
STARTS=${STARTS:-20}
ROUNDS=${ROUNDS:-5}              # turns of mock and ceiling, medians

WS=5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c
GW=/jsm/assets/workspace/$WS/v1/datamanager
TOKEN=dmac_Xmb0KsV17YWy3J_feoiZ_0qgOhuGgXsIiRhYUptaN9Y   # fixture data
ADA=ada@example.com:ada-api-token                         # fixture data

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dm-bench.XXXXXX") || exit 1
pid=""
url=""

pid_10=""
pid_100000=""

cleanup() {
	for p in "$pid" "$pid_10" "$pid_100000"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() {
	echo "bench: $*" >&2
	exit 1
}

# start NAME COMMAND ARGS...: run COMMAND in the background with its
# output in $tmp/NAME.out and .err; wait (60 s at most) for the ready
# file $tmp/NAME.ready, which the arguments must name. Sets pid and url.
start() {
	name=$1
	shift
	rm -f "$tmp/$name.ready"
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	i=0
	while [ ! -s "$tmp/$name.ready" ]; do
		i=$((i + 1))
		if [ $i -gt 6000 ] || ! kill -0 "$pid" 2>/dev/null; then
			cat "$tmp/$name.err" >&2
			die "$name did not start"
		fi
		sleep 0.01
	done
	url=$(cat "$tmp/$name.ready")
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=""
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"
}

# wrk_run FILE WRK-ARGS...: run wrk, its report kept in FILE.
wrk_run() {
	out=$1
	shift
	wrk "$@" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
	wrk_errors "$out"
}

# Say so when a wrk report counts failed answers or socket errors.
wrk_errors() {
	if grep -q 'Non-2xx\|Socket errors' "$1"; then
		echo "  note: wrk saw errors:" \
		    "$(grep 'Non-2xx\|Socket errors' "$1" | tr -s ' ')"
	fi
}

rps() {
	awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"
}

# The latency at percentile P (50, 99) of a wrk --latency report, in us.
latency_us() {
	awk -v p="$2%" '$1 == p {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		m = u == "us" ? 1 : u == "ms" ? 1e3 : u == "s" ? 1e6 : 6e7
		printf "%.0f", v * m }' "$1"
}

# figure LABEL VALUE UNIT TARGET-TEXT PASS-EXPRESSION: one line; the
# expression is awk with v the value ("" for no target).
figure() {
	verdict=""
	if [ -n "$5" ]; then
		verdict=$(awk -v v="$2" "BEGIN { print ($5) ? \"PASS\" : \
		    \"MISS\" }")
	fi
	printf '  %-40s %10s %-5s %-16s %s\n' "$1" "$2" "$3" "$4" "$verdict"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

# gen_scenario FILE N SEED: a scenario of N Adapters tokens with secrets
# from awk's generator seeded with SEED; the secret of the middle token
# goes to FILE.secret.
gen_scenario() {
	awk -v n="$2" -v seed="$3" -v ws="$WS" -v sf="$1.secret" 'BEGIN {
		a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
		    "0123456789-_"
		srand(seed)
		printf "{\"name\":\"bench-%d\",", n
		printf "\"clock\":{\"start\":\"2026-01-15T09:00:00.000Z\","
		printf "\"frozen\":true},\"site\":{\"initialized\":true,"
		printf "\"workspaceId\":\"%s\"},\"tokens\":[\n", ws
		for (i = 0; i < n; i++) {
			s = "dmac_"
			for (k = 0; k < 43; k++)
				s = s substr(a, 1 + int(rand() * 64), 1)
			if (i == int(n / 2))
				print s > sf
			printf "%s{\"label\":\"bench-%d\",", i ? ",\n" : "", i
			printf "\"type\":\"ADAPTERS_CLIENT\","
			printf "\"secret\":\"%s\"}", s
		}
		print "\n]}"
	}' >"$1"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print 0; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f\n", m
	}'
}

for f in "$bin" "$hello" "$readytime" "$dispatch"; do
	[ -x "$f" ] || die "$f is not built"
done
command -v wrk >/dev/null 2>&1 || die "wrk is missing: make bench"
command -v curl >/dev/null 2>&1 || die "curl is missing: make bench"
command -v valgrind >/dev/null 2>&1 || die "valgrind is missing: make bench"

echo "dm-mockserver bench: $(nproc) cores, $(wrk --version 2>&1 |
    head -n 1 | cut -d' ' -f1-2), $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# 1. Throughput ----------------------------------------------------------
# The load generator shares the two cores with the server, so a round
# can be slowed by anything else on the host, and on a shared VM the
# host's pace drifts by half within a minute. Each round measures the
# mock and the ceiling one right after the other; a ratio is the median
# of the rounds' own ratios, so that a slow minute slows both sides of
# one ratio instead of one side of the comparison.
echo
echo "1. throughput"
echo "  method: wrk -t2 -c16 -d${DURATION}s, keep-alive, on the same" \
    "2-core host as the server (32 threads, default scenario, journal on);"
echo "  $ROUNDS rounds of: the mock (warn), hello sent the mock's exact" \
    "request (path, Authorization: both parse the same bytes),"
echo "  hello on \"GET /\" (the ceiling of earlier runs), the mock" \
    "(info), every other round in the reverse order;"
echo "  each ratio is the median of the rounds' own ratios"
for f in gw-warn gw-info list hello hello-root r-warn r-info r-root; do
	: >"$tmp/$f"
done
# gw NAME LEVEL: a mock at log level LEVEL, its client/info rate in NAME.
gw() {
	start mock "$bin" -p 0 --ready-file "$tmp/mock.ready" \
	    --log-level "$2"
	wrk_run "$tmp/wrk-$1" -t2 -c16 -d"${DURATION}s" \
	    -H "Authorization: Bearer $TOKEN" "$url$GW/client/info"
	rps "$tmp/wrk-$1" >>"$tmp/$1"
	echo >>"$tmp/$1"
	if [ "$2" = warn ] && [ ! -s "$tmp/list" ]; then
		wrk_run "$tmp/wrk-list" -t2 -c16 -d"${DURATION}s" \
		    -H "Authorization: Basic $(printf %s "$ADA" | base64)" \
		    "$url/rest/datamanager/1.0/tokens"
		rps "$tmp/wrk-list" >>"$tmp/list"
	fi
	stop
}
last() {
	tail -n 1 "$tmp/$1"
}
ceilings() {
	start hello "$hello" --ready-file "$tmp/hello.ready"
	wrk_run "$tmp/wrk-hello" -t2 -c16 -d"${DURATION}s" \
	    -H "Authorization: Bearer $TOKEN" "$url$GW/client/info"
	rps "$tmp/wrk-hello" >>"$tmp/hello"
	echo >>"$tmp/hello"
	wrk_run "$tmp/wrk-hello-root" -t2 -c16 -d"${DURATION}s" "$url/"
	rps "$tmp/wrk-hello-root" >>"$tmp/hello-root"
	echo >>"$tmp/hello-root"
	stop
}
# Odd rounds run the mock first, even ones the ceiling: whichever side
# a drift of the host favours, it favours each in turn.
round=0
while [ $round -lt "$ROUNDS" ]; do
	round=$((round + 1))
	if [ $((round % 2)) -eq 1 ]; then
		gw gw-warn warn
		ceilings
		gw gw-info info
	else
		gw gw-info info
		ceilings
		gw gw-warn warn
	fi
	ratio "$(last gw-warn)" "$(last hello)" >>"$tmp/r-warn"
	echo >>"$tmp/r-warn"
	ratio "$(last gw-info)" "$(last hello)" >>"$tmp/r-info"
	echo >>"$tmp/r-info"
	ratio "$(last gw-warn)" "$(last hello-root)" >>"$tmp/r-root"
	echo >>"$tmp/r-root"
done
# median2: the median of fractions, with two decimals.
median2() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m
	}'
}
figure "gateway client/info, --log-level warn" \
    "$(median <"$tmp/gw-warn")" req/s "" ""
figure "gateway client/info, --log-level info" \
    "$(median <"$tmp/gw-info")" req/s "(stderr to file)" ""
figure "site GET tokens, --log-level warn" "$(cat "$tmp/list")" \
    req/s "" ""
figure "hello ceiling, the same request" "$(median <"$tmp/hello")" \
    req/s "" ""
figure "hello, GET / (reference)" "$(median <"$tmp/hello-root")" \
    req/s "" ""
figure "ratio client/info (warn) / hello" "$(median2 <"$tmp/r-warn")" \
    "" ">= 0.80" "v >= 0.8"
figure "ratio client/info (info) / hello" "$(median2 <"$tmp/r-info")" \
    "" "" ""
figure "ratio client/info (warn) / hello GET /" \
    "$(median2 <"$tmp/r-root")" "" "" ""
for f in gw-warn hello hello-root gw-info r-warn r-info r-root; do
	printf '  rounds, %-11s %s\n' "$f:" "$(tr '\n' ' ' <"$tmp/$f")"
done

echo "  method: bench-dispatch calls the mock's dispatch in process, no" \
    "HTTP, on client/info: 1 thread, then 16 threads on one tenant"
one=$("$dispatch" scenarios/default.json "$TOKEN" "$WS" 1 400000 |
    sed -n 's/^ns //p')
many=$("$dispatch" scenarios/default.json "$TOKEN" "$WS" 16 800000 |
    sed -n 's/^ns //p')
[ -n "$one" ] && [ -n "$many" ] || die "bench-dispatch failed"
figure "dispatch, 1 thread (wall per request)" "$one" ns "" ""
figure "dispatch, 16 threads on 2 cores" "$many" ns "" ""

# instructions NAME ARGS...: the user-space instructions per request of
# a server (ARGS, with --ready-file $tmp/NAME.ready) under callgrind,
# counted from after a warm-up to after 3 s of wrk -t1 -c4 on client/info.
instructions() {
	name=$1
	shift
	start "$name" valgrind --tool=callgrind \
	    --callgrind-out-file="$tmp/$name.cg.%p" "$@" \
	    --ready-file "$tmp/$name.ready"
	wrk -t1 -c4 -d1s -H "Authorization: Bearer $TOKEN" \
	    "$url$GW/client/info" >/dev/null 2>&1
	callgrind_control -z "$pid" >/dev/null 2>&1 || die "callgrind_control"
	wrk_run "$tmp/wrk-$name" -t1 -c4 -d3s \
	    -H "Authorization: Bearer $TOKEN" "$url$GW/client/info"
	callgrind_control -d "$pid" >/dev/null 2>&1 || die "callgrind_control"
	n=$(awk '/ requests in / { print $1 }' "$tmp/wrk-$name")
	ir=$(sed -n 's/^summary: //p' "$tmp/$name.cg.$pid.1")
	stop
	[ -n "$n" ] && [ -n "$ir" ] || die "no callgrind count for $name"
	awk -v i="$ir" -v n="$n" 'BEGIN { printf "%.0f", i / n }'
}

echo "  method: callgrind counts the user-space instructions (the" \
    "server, civetweb, libc) per client/info answer, after a warm-up;"
echo "  hello is sent the same request; the kernel's share, the same" \
    "for both, is not counted"
ir_mock=$(instructions cg-mock "$bin" -p 0 --log-level warn)
ir_hello=$(instructions cg-hello "$hello")
figure "instructions per request, mock" "$ir_mock" "" "" ""
figure "instructions per request, hello" "$ir_hello" "" "" ""
figure "ratio hello / mock (instructions)" "$(ratio "$ir_hello" \
    "$ir_mock")" "" "" ""

# 2. Start to ready ------------------------------------------------------
echo
echo "2. start to ready"
echo "  method: bench-readytime forks and execs the server $STARTS times" \
    "(default scenario, -p 0) and waits with inotify for its ready file"
line=$("$readytime" "$STARTS" "$tmp/rt.ready" "$bin" -p 0 \
    --ready-file "$tmp/rt.ready") || die "readytime failed"
# shellcheck disable=SC2086 # split "median M min M max M" on purpose
set -- $line
figure "median of $STARTS starts (min $4, max $6)" "$2" ms "< 20 ms" \
    "v < 20"

# 3. Idle memory ---------------------------------------------------------
echo
echo "3. idle memory"
echo "  method: VmRSS of /proc/PID/status 0.5 s after the ready file," \
    "default scenario, no request yet"
start mock "$bin" -p 0 --ready-file "$tmp/mock.ready"
sleep 0.5
idle=$(rss_kb)
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$url$GW/client/info"
sleep 0.2
first=$(rss_kb)
stop
figure "idle resident memory" "$((idle / 1024)).$((idle % 1024 * 10 / 1024))" \
    MB "< 8 MB" "v < 8"
figure "after the first request (tenant made)" \
    "$((first / 1024)).$((first % 1024 * 10 / 1024))" MB "" ""

# 4. Scale ---------------------------------------------------------------
echo
echo "4. scale"
echo "  method: wrk -t1 -c4 -d${SCALE_DURATION}s --latency on client/info" \
    "with the middle token of a generated scenario (seeded secrets)," \
    "after the tenant is made and a 1 s warm-up;"
echo "  both servers up at once, measured in turns, $ROUNDS rounds, medians"
for n in 10 100000; do
	gen_scenario "$tmp/tokens-$n.json" "$n" 42
	start "scale-$n" "$bin" -p 0 --ready-file "$tmp/scale-$n.ready" \
	    --log-level warn -s "$tmp/tokens-$n.json"
	eval "pid_$n=\$pid url_$n=\$url"
	pid=""
	secret=$(cat "$tmp/tokens-$n.json.secret")
	curl -s -o /dev/null -H "Authorization: Bearer $secret" \
	    "$url$GW/client/info"
	wrk -t1 -c4 -d1s -H "Authorization: Bearer $secret" \
	    "$url$GW/client/info" >/dev/null 2>&1
	: >"$tmp/p50-$n" ; : >"$tmp/p99-$n" ; : >"$tmp/rps-$n"
done
round=0
while [ $round -lt "$ROUNDS" ]; do
	round=$((round + 1))
	for n in 10 100000; do
		eval "u=\$url_$n"
		secret=$(cat "$tmp/tokens-$n.json.secret")
		wrk_run "$tmp/wrk-scale-$n" -t1 -c4 -d"${SCALE_DURATION}s" \
		    --latency -H "Authorization: Bearer $secret" \
		    "$u$GW/client/info"
		latency_us "$tmp/wrk-scale-$n" 50 >>"$tmp/p50-$n"
		echo >>"$tmp/p50-$n"
		latency_us "$tmp/wrk-scale-$n" 99 >>"$tmp/p99-$n"
		echo >>"$tmp/p99-$n"
		rps "$tmp/wrk-scale-$n" >>"$tmp/rps-$n"
		echo >>"$tmp/rps-$n"
	done
done
kill "$pid_10" "$pid_100000" 2>/dev/null
wait "$pid_10" "$pid_100000" 2>/dev/null
pid_10=""
pid_100000=""
for p in 50 99; do
	small=$(median <"$tmp/p$p-10")
	large=$(median <"$tmp/p$p-100000")
	figure "p$p, 10 tokens" "$small" us "" ""
	figure "p$p, 100,000 tokens" "$large" us "" ""
	figure "p$p ratio 100,000 / 10" "$(ratio "$large" "$small")" "" \
	    "< 1.2" "v < 1.2"
done
figure "throughput, 10 / 100,000 tokens" \
    "$(median <"$tmp/rps-10")/$(median <"$tmp/rps-100000")" req/s "" ""

echo "  method: 21 POST /__mock/reset on a tenant of 1,000 tokens, after" \
    "40 to warm up (a suite resets before every test); the"
echo "  median of curl's total (a new connection each time: what a test" \
    "waits for), and of the server's log line, which also counts the"
echo " " \
    "thread's wait to run again after its write; for reference, the"
echo "  same for 21 GET /__mock/health (the HTTP round trip alone), and" \
    "the reset alone: bench-dispatch --reset, 201 resets in process"
gen_scenario "$tmp/tokens-1000.json" 1000 7
start reset "$bin" -p 0 --ready-file "$tmp/reset.ready" \
    -s "$tmp/tokens-1000.json"
curl -s -o /dev/null "$url/rest/servicedeskapi/assets/workspace"
i=0
while [ $i -lt 40 ]; do
	curl -s -o /dev/null -X POST "$url/__mock/reset"
	i=$((i + 1))
done
: >"$tmp/reset.curl"
: >"$tmp/health.curl"
i=0
while [ $i -lt 21 ]; do
	curl -s -o /dev/null -w '%{time_total}\n' -X POST \
	    "$url/__mock/reset" >>"$tmp/reset.curl"
	curl -s -o /dev/null -w '%{time_total}\n' \
	    "$url/__mock/health" >>"$tmp/health.curl"
	i=$((i + 1))
done
stop
reset_us=$(grep 'POST /__mock/reset 200' "$tmp/reset.err" | tail -n 21 |
    sed -n 's/.* \([0-9][0-9]*\)us$/\1/p' | median)
reset_curl=$(awk '{ printf "%.0f\n", $1 * 1e6 }' "$tmp/reset.curl" |
    median)
health_curl=$(awk '{ printf "%.0f\n", $1 * 1e6 }' "$tmp/health.curl" |
    median)
reset_alone=$("$dispatch" --reset "$tmp/tokens-1000.json" 201 |
    sed -n 's/^us //p')
[ -n "$reset_alone" ] || die "bench-dispatch --reset failed"
figure "reset, 1,000 tokens: curl total (median)" "$reset_curl" us \
    "< 1000 us" "v < 1000"
figure "reset, 1,000 tokens: server log (median)" "$reset_us" us "" ""
figure "health: curl total (median, reference)" "$health_curl" us "" ""
figure "reset, 1,000 tokens: in process (median)" "$reset_alone" us "" ""

# 5. Soak ----------------------------------------------------------------
echo
echo "5. soak"
echo "  method: --journal-limit 1000, warn log; wrk -t2 -c16 on" \
    "client/info until $SOAK_REQUESTS answers (at most ${SOAK_MAX}s);" \
    "VmRSS after two 2 s warm-ups and after the soak"
cat >"$tmp/stop.lua" <<'EOF'
-- Each wrk thread stops after its share of the answers.
local count = 0
local limit = tonumber(os.getenv("BENCH_PER_THREAD") or "500000")
response = function(status, headers, body)
	count = count + 1
	if count >= limit then
		wrk.thread:stop()
	end
end
EOF
start soak "$bin" -p 0 --ready-file "$tmp/soak.ready" --log-level warn \
    --journal-limit 1000
# Two warm-ups: each wrk run opens new connections, which land on worker
# threads not used before, and a thread's first requests cost it a few
# hundred kB (stack, malloc arena) that stay. Seen here: +1 MB after the
# first run, +0.4 MB after the second, nothing after the third.
for warm in 1 2; do
	wrk -t2 -c16 -d2s -H "Authorization: Bearer $TOKEN" \
	    "$url$GW/client/info" >/dev/null 2>&1
done
before=$(rss_kb)
seq0=$(curl -s "$url/__mock/journal?limit=1" |
    sed -n 's/.*"nextSeq":\([0-9]*\).*/\1/p')
started=$(date +%s)
BENCH_PER_THREAD=$(((SOAK_REQUESTS + 1) / 2)) wrk -t2 -c16 \
    -d"${SOAK_MAX}s" -s "$tmp/stop.lua" -H "Authorization: Bearer $TOKEN" \
    "$url$GW/client/info" >"$tmp/wrk-soak" 2>&1 &
wrk_pid=$!
# wrk waits out -d even when its threads have stopped; SIGINT ends it
# early with its report, once the journal has counted enough answers.
while kill -0 "$wrk_pid" 2>/dev/null; do
	sleep 0.5
	seq=$(curl -s "$url/__mock/journal?limit=1" |
	    sed -n 's/.*"nextSeq":\([0-9]*\).*/\1/p')
	[ "$((${seq:-0} - seq0))" -ge "$SOAK_REQUESTS" ] &&
	    kill -INT "$wrk_pid" 2>/dev/null
done
wait "$wrk_pid" || { cat "$tmp/wrk-soak" >&2; die "wrk failed"; }
wrk_errors "$tmp/wrk-soak"
took=$(($(date +%s) - started))
after=$(rss_kb)
journal=$(curl -s "$url/__mock/journal?limit=1")
stop
seq1=$(echo "$journal" | sed -n 's/.*"nextSeq":\([0-9]*\).*/\1/p')
evicted=$(echo "$journal" | sed -n 's/.*"evicted":\([0-9]*\).*/\1/p')
figure "requests answered in the soak" "$((seq1 - seq0))" "" \
    ">= $SOAK_REQUESTS" "v >= $SOAK_REQUESTS"
figure "soak time, rate" "${took}s" "" "$(rps "$tmp/wrk-soak") req/s" ""
figure "resident memory before (after warm-up)" "$before" kB "" ""
figure "resident memory after" "$after" kB "" ""
figure "growth" "$(awk -v a="$after" -v b="$before" \
    'BEGIN { printf "%.1f", (a - b) * 100 / b }')" % "< 10 %" "v < 10"
figure "journal evictions (all requests)" "$evicted" "" "" ""
