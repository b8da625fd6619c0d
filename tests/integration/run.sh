#!/usr/bin/env bash
# Run every integration script; print each one's lines and one total.
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
skipped=0
for t in "$here"/*.sh; do
	case $(basename "$t") in run.sh | lib.sh | demo.sh) continue ;; esac
	echo "== $(basename "$t" .sh)"
	out=$(bash "$t" 2>&1)
	rc=$?
	echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed, [0-9]* skipped$'
	p=$(echo "$out" | grep -c '^PASS ')
	f=$(echo "$out" | grep -c '^FAIL ')
	s=$(echo "$out" | grep -c '^SKIP ')
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1 && echo "FAIL $(basename "$t"): exit $rc"
	[ $((p + f + s)) -eq 0 ] && f=1 && echo "FAIL $(basename "$t"): no PASS, FAIL or SKIP line"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
