#!/usr/bin/env bash
# skips.sh LOG: every "SKIP name: reason" line of LOG (the output of make
# check's suites, and cmocka's "[  SKIPPED ] name") must be expected here:
# listed in tests/skips.txt with a condition that holds on this machine.
# Prints each unexpected one as FAIL and exits 1 if there is any.
set -u
here=$(cd "$(dirname "$0")" && pwd)
kernel_5_2() {
	local v maj min
	v=$(uname -r)
	maj=${v%%.*} v=${v#*.} min=${v%%.*}
	[ "$maj" -gt 5 ] || { [ "$maj" -eq 5 ] && [ "$min" -ge 2 ]; }
}
declare -A cond
# fields are separated by " | " (a condition may hold "||")
while IFS= read -r line; do
	[ -z "$line" ] || [ "${line:0:1}" = '#' ] && continue
	name=${line%%' | '*} rest=${line#*' | '}
	cond[$name]=${rest%' | '*}
done <"$here/skips.txt"
n=0 bad=0
while read -r name reason; do
	n=$((n + 1))
	name=${name%:}
	if [ -z "${cond[$name]+set}" ]; then
		echo "FAIL unexpected SKIP $name: not in tests/skips.txt ($reason)"
		bad=$((bad + 1))
	elif ! eval "${cond[$name]}"; then
		echo "FAIL unexpected SKIP $name: its condition in tests/skips.txt does not hold here ($reason)"
		bad=$((bad + 1))
	fi
done < <(sed -n 's/^SKIP \([^ ]*\) *\(.*\)$/\1 \2/p; s/^\[  SKIPPED \] \([^ ]*\)$/\1 cmocka/p' "$1")
echo "skips: $n, $bad unexpected"
[ "$bad" = 0 ]
