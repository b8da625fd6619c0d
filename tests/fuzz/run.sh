#!/usr/bin/env bash
# run.sh SECONDS TARGET... - run each fuzz target (build/fuzz/fuzz_TARGET)
# for SECONDS, one after the other, on one core.  Seeds are read from
# tests/fuzz/corpus/TARGET and never written; new inputs go to
# build/fuzz/corpus/TARGET and carry over to the next run.  Any crash,
# sanitizer report, broken invariant, leak or timeout fails the run; the
# input is saved as build/fuzz/crashes/TARGET-crash-* (see README.md).
source "$(dirname "$0")/../lib.sh"
top=$TOP
out=$top/build/fuzz
secs=$1
shift
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for t in "$@"; do
	mkdir -p "$out/corpus/$t" "$out/crashes"
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$out/crashes/$t-")
	[ -f "$top/tests/fuzz/$t.dict" ] && opts+=(-dict="$top/tests/fuzz/$t.dict")
	case $t in
	maps | zoneinfo) opts+=(-max_len=16384) ;;
	*) opts+=(-max_len=4096) ;;
	esac
	"$out/fuzz_$t" "${opts[@]}" "$out/corpus/$t" "$top/tests/fuzz/corpus/$t" \
		>"$out/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	last=$(grep -E '^#[0-9]+' "$out/$t.log" | tail -n1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([^ ]*\).*/cov \1, features \2, corpus \3/p' <<<"$last")
	if [ "$rc" -eq 0 ] && [ "${runs:-0}" -eq 0 ]; then
		fail "fuzz-$t" "exit 0 but no input was run; log $out/$t.log"
	elif [ "$rc" -eq 0 ]; then
		pass "fuzz-$t" "${secs}s, ${runs:-?} runs, ${cov:-?}"
	else
		fail "fuzz-$t" "exit $rc after ${runs:-?} runs; log $out/$t.log"
		grep -m1 -E 'ERROR: |runtime error|invariant broken' "$out/$t.log"
		grep -E '^artifact_prefix|Test unit written' "$out/$t.log" | tail -n1
	fi
done
echo -n "fuzz: "
summary
