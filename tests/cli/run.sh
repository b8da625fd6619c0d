#!/usr/bin/env bash
# Run every CLI test script (tests/cli/*.sh but this one and lib.sh); print
# each one's PASS/FAIL/SKIP lines and one total.  Exit 1 if anything failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
passed=0
failed=0
skipped=0
if [ ! -x "$top/build/forkguard" ] || [ ! -e "$top/build/libforkguard.so" ]; then
	echo "FAIL cli: build/forkguard or build/libforkguard.so missing (run make)"
	echo "cli: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
for t in "$here"/*.sh; do
	case $(basename "$t") in run.sh | lib.sh) continue ;; esac
	echo "== cli/$(basename "$t" .sh)"
	out=$(timeout 300 bash "$t" 2>&1)
	rc=$?
	echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed, [0-9]* skipped$'
	p=$(echo "$out" | grep -c '^PASS ')
	f=$(echo "$out" | grep -c '^FAIL ')
	s=$(echo "$out" | grep -c '^SKIP ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $(basename "$t"): exit $rc"
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1
		echo "FAIL $(basename "$t"): no PASS, FAIL or SKIP line"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "cli: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
