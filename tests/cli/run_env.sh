#!/usr/bin/env bash
# `forkguard run` checks every FORKGUARD_* value the library will read,
# with the library's own parser: a malformed one is refused before exec
# (exit 64) with the very message the library would log; a libforkguard
# already in LD_PRELOAD is named (the first copy guards, the other stays
# passive).
source "$(dirname "$0")/lib.sh"

for kv in FORKGUARD_MODE=enforcing FORKGUARD_RATE_LIMIT=-1 FORKGUARD_LOG=relative.log \
	FORKGUARD_REMEDY=bogus FORKGUARD_RETRIES=x FORKGUARD_KERNEL_RULE=9.9; do
	env "$kv" "$FG" run -- sh -c 'echo ran' >"$TMP/o" 2>"$TMP/e"
	rc=$?
	# what the library itself says about that value, its stamp removed
	env "$kv" LD_PRELOAD="$LIB" sh -c ': & wait' 2>&1 >/dev/null |
		sed -n 's/^[0-9T:.-]*Z forkguard\[[0-9]*\] [^:]*: \(ignoring .*\)/forkguard: \1/p' >"$TMP/lib"
	check "run-${kv%%=*}" "$kv: exit $rc, not run, stderr: $(head -n1 "$TMP/e")" \
		bash -c "[ $rc = 64 ] && [ ! -s '$TMP/o' ] && [ -s '$TMP/lib' ] && grep -qxF \"\$(cat '$TMP/lib')\" '$TMP/e'"
done
out=$(FORKGUARD_MODE=remediate FORKGUARD_RATE_LIMIT=0 "$FG" run -- sh -c 'echo ran' 2>&1)
check run-valid "valid values run: $out" test "$out" = ran

mkdir -p "$TMP/other"
cp "$(realpath "$LIB")" "$TMP/other/libforkguard.so.0"
LD_PRELOAD="$TMP/other/libforkguard.so.0" "$FG" run --report all -- sh -c ': & wait' >/dev/null 2>"$TMP/e"
check run-preloaded "a libforkguard already in LD_PRELOAD is named: $(grep -m1 'already' "$TMP/e")" \
	grep -q "run: LD_PRELOAD already holds $TMP/other/libforkguard.so.0: .* guards, the other copy stays passive" "$TMP/e"
check run-preloaded-once "and the command's fork is reported once: $(grep -c 'sh: fork verdict' "$TMP/e")" \
	test "$(grep -c 'sh: fork verdict' "$TMP/e")" = 1
summary
