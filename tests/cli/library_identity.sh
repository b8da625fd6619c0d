#!/usr/bin/env bash
# The library run as a program prints its version and build facts and
# exits 0 (and still preloads); two copies preloaded (an installed one and
# a build one) guard once: one report per fork, one note from the passive
# copy naming both paths.
source "$(dirname "$0")/lib.sh"

so=$(realpath "$LIB")
"$so" >"$TMP/run.out" 2>&1
rc=$?
ver=$(sed -n 's/^#define FG_VERSION "\(.*\)"/\1/p' "$TOP/include/forkguard.h")
check lib-run "$so as a program: exit $rc, first line: $(head -n1 "$TMP/run.out" | cut -c1-60)" \
	bash -c "[ $rc = 0 ] && grep -q '^libforkguard $ver: ' '$TMP/run.out' && grep -q 'built with: ' '$TMP/run.out'"
interp=$(readelf -l "$so" | sed -n 's/.*program interpreter: \(.*\)]/\1/p')
check lib-interp "PT_INTERP $interp, the one /bin/sh uses: $(readelf -l /bin/sh | sed -n 's/.*program interpreter: \(.*\)]/\1/p')" \
	test -n "$interp" -a "$interp" = "$(readelf -l /bin/sh | sed -n 's/.*program interpreter: \(.*\)]/\1/p')"

cp "$so" "$TMP/libforkguard.so.0"
FORKGUARD_REPORT=all LD_PRELOAD="$so $TMP/libforkguard.so.0" bash -c ': & wait' 2>"$TMP/two.err"
r=$(grep -c 'bash: fork verdict ok' "$TMP/two.err")
n=$(grep -c "$so guards this process; this second copy ($TMP/libforkguard.so.0) stays passive" "$TMP/two.err")
check two-copies "two copies preloaded: $r report(s) of bash's one fork (want 1), $n note(s) from the passive copy (want 1)" \
	test "$r" = 1 -a "$n" = 1
FORKGUARD_REPORT=all LD_PRELOAD="$TMP/libforkguard.so.0 $so" bash -c ': & wait' 2>"$TMP/two2.err"
r=$(grep -c 'bash: fork verdict ok' "$TMP/two2.err")
check two-copies-order "the other order: $r report(s), the first copy ($TMP/libforkguard.so.0) guards" \
	bash -c "[ $r = 1 ] && grep -q '$TMP/libforkguard.so.0 guards this process' '$TMP/two2.err'"
# the note only where the copy matters: at a process's first fork
LD_PRELOAD="$so $TMP/libforkguard.so.0" /bin/true 2>"$TMP/true.err"
LD_PRELOAD="$so $TMP/libforkguard.so.0" bash -c 'for i in 1 2 3 4 5; do /bin/true; done' \
	2>"$TMP/loop.err"
check two-copies-at-fork "two copies: /bin/true (never forks) wrote $(lines "$TMP/true.err") line(s) (want 0); a bash loop of 5 commands: $(grep -c 'stays passive' "$TMP/loop.err") note(s) (want 1, from bash)" \
	bash -c "[ ! -s '$TMP/true.err' ] && [ \$(grep -c 'stays passive' '$TMP/loop.err') = 1 ]"
summary
