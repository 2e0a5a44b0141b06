#!/bin/sh
# Run the fuzz harnesses built in BUILD (`make fuzz`).
#
#   sh tests/fuzz/run.sh BUILD SECONDS NAME...
#
# For each NAME (scenario, body, time, router), first replay every saved
# finding, tests/fuzz/crashes/NAME-*, so that old findings stay fixed;
# then fuzz build/fuzz_NAME for SECONDS over BUILD/corpus/NAME (where new
# inputs go) and tests/fuzz/corpus/NAME (the seeds, never written). A
# crash, leak or timeout is left in BUILD/findings/ and its report in
# BUILD/fuzz-NAME.log. Exits 1 when any harness found one.
set -u
build=$1
secs=$2
shift 2
status=0

# Sanitizer findings stop the run with a stack; leaks count too.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# The dictionary a harness uses, if any.
dict_of() {
	case $1 in
	scenario|body) echo tests/fuzz/json.dict ;;
	*) [ -f "tests/fuzz/$1.dict" ] && echo "tests/fuzz/$1.dict" ;;
	esac
}

# Print the report of a failed run: the sanitizer's or libFuzzer's
# summary and the stack, not the whole log.
report() {
	grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|^fuzz_|^ +#[0-9]' \
	    "$1" | head -40
}

replay() {
	name=$1
	set -- tests/fuzz/crashes/"$name"-*
	[ -e "$1" ] || return 0
	log=$build/replay-$name.log
	if "$build/fuzz_$name" "$@" >"$log" 2>&1; then
		echo "  REPLAY  $name: $# saved finding(s) pass"
	else
		echo "  REPLAY  $name: a saved finding fails again (see $log)"
		report "$log"
		status=1
	fi
}

fuzz() {
	name=$1
	corpus=$build/corpus/$name
	log=$build/fuzz-$name.log
	dict=$(dict_of "$name")
	mkdir -p "$corpus" "$build/findings"
	if "$build/fuzz_$name" -max_total_time="$secs" -timeout=10 \
	    -print_final_stats=1 ${dict:+-dict="$dict"} \
	    -artifact_prefix="$build/findings/$name-" \
	    "$corpus" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep '^#[0-9]' "$log" | tail -1 |
		      sed -n 's/.*\(cov: [0-9]*\).*\(corp: [0-9]*\).*/\1 \2/p')
		echo "  FUZZ    $name: $runs runs in ${secs}s, $cov, no finding"
	else
		echo "  FUZZ    $name: FOUND A CRASH (see $log)"
		report "$log"
		grep -o "Test unit written to .*" "$log" | sed 's/^/          /'
		status=1
	fi
}

for name in "$@"; do
	[ -x "$build/fuzz_$name" ] || { echo "no $build/fuzz_$name" >&2;
					 exit 1; }
	replay "$name"
done
for name in "$@"; do
	fuzz "$name"
done
exit $status
