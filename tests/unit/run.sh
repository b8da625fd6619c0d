#!/usr/bin/env bash
# Run every unit test binary given as an argument, each to its end, and
# print one total: "unit: N passed, N failed, N skipped" (cmocka's own
# counts of tests).  A binary that crashes, exits non-zero without saying
# which test failed, or runs no test at all counts as one failure.  Exit 1
# if anything failed.
set -u
passed=0
failed=0
skipped=0
bad=()
for t in "$@"; do
	echo "== $t"
	out=$(FG_FIXTURES=${FG_FIXTURES:-fixtures} "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	# cmocka's summary: "[  PASSED  ] N test(s)." and, when there are
	# some, "[  SKIPPED ] N test(s), listed below:", same for FAILED
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' <<<"$out")
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:$/\1/p' <<<"$out")
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' <<<"$out")
	p=${p:-0} s=${s:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $(basename "$t"): exit $rc without a failed test (crashed?)"
		f=1
	elif [ "$rc" -eq 0 ] && [ $((p + s + f)) -eq 0 ]; then
		echo "FAIL $(basename "$t"): ran no test"
		f=1
	fi
	[ "$f" -gt 0 ] && bad+=("$(basename "$t")")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
[ $# -gt 0 ] || { echo "FAIL unit: no test binary given"; failed=1; }
echo "unit: $passed passed, $failed failed, $skipped skipped${bad[*]:+ (failed in: ${bad[*]})}"
[ "$failed" -eq 0 ]
