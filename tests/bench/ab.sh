#!/bin/bash
# ab.sh REV RUNS WORKLOADS ROUNDS FORKS - the occasional forks of this tree's
# guard against those of REV's (a git revision), in runs that alternate
# (REV, this, REV, this, ...) so that the machine's drift reaches both
# alike.  Each side is its own tree of the same bench program and empty
# library, with its guard beside them (occasional finds ../libforkguard.so).
# Prints each run's guard/empty per workload, with the guard's p90 and
# slowest fork (where its renewals show), then the medians of the runs per
# side.  BENCH_RUN prefixes each run (make bench-ab: the pinning).
# No assertions: this prints figures; README quotes them.
set -euo pipefail

rev=${1:?usage: ab.sh REV RUNS WORKLOADS ROUNDS FORKS}
runs=${2:-3}
workloads=${3:-tiny@0.1,tiny@1.1}
rounds=${4:-5}
forks=${5:-15}
cpu=${BENCH_CPU:-1}
top=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/forkguard-ab.XXXXXX)
cleanup() {
	git -C "$top" worktree remove --force "$work/src" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

git -C "$top" worktree add -q --detach "$work/src" "$rev"
echo "building $rev ($(git -C "$work/src" log -1 --format='%h %s' | cut -c1-60))"
make -s -C "$work/src" all >/dev/null
for side in base this; do
	mkdir -p "$work/$side/tests"
	cp "$top/build/tests/occasional" "$top/build/tests/libfg_empty.so" \
		"$work/$side/tests/"
done
cp -L "$work/src/build/libforkguard.so" "$work/base/libforkguard.so"
cp -L "$top/build/libforkguard.so" "$work/this/libforkguard.so"

for i in $(seq "$runs"); do
	for side in base this; do
		# shellcheck disable=SC2086 # BENCH_RUN is a command prefix
		${BENCH_RUN:-} "$work/$side/tests/occasional" -c "$cpu" \
			-r "$rounds" -n "$forks" -w "$workloads" |
			awk -v side="$side" -v run="$i" '
				/ s apart( \([0-9]+ rounds\))?:/ { w = $1 "@" $2 }
				/guard\/empty/ { ge = $2 }
				/p90 \/ slowest/ {
					for (k = 1; k <= NF; k++)
						if ($k == "guard") print side, run, w, ge, $(k + 1), $(k + 3)
				}'
	done
done | tee "$work/figures" |
	awk '{ printf "  run %s %-4s %-9s guard/empty %s, the guard'"'"'s p90 / slowest fork %s / %s us\n", $2, $1, $3, $4, $5, $6 }'

echo "median of $runs runs, guard/empty and the guard's slowest fork ($rev: base; this tree: this):"
sort -k3,3 -k1,1 -s "$work/figures" | awk '
	BEGIN { n = 0 }
	function med(a, n,    i, j, t) {
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2
	}
	function flush() {
		if (!n) return
		m = med(v, n); lo = v[0]; hi = v[n - 1]
		printf "  %-9s %-4s %.3f (%.3f-%.3f), slowest %.0f us\n", key_w, key_s,
			m, lo, hi, med(sl, n)
		n = 0
	}
	$3 != key_w || $1 != key_s { flush(); key_w = $3; key_s = $1 }
	{ v[n] = $4; sl[n] = $6; n++ }
	END { flush() }'
