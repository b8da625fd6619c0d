#!/usr/bin/env bash
# `forkguard run` checks every FORKGUARD_* value the library will read,
# with the library's own parser: a malformed one is refused before exec
# (exit 64) with the library's own reason, said as a refusal (not "using
# the default"); a log path or a metrics directory the library could not
# write is refused too; a libforkguard already in LD_PRELOAD is named (the
# first copy guards, the other stays passive).
source "$(dirname "$0")/lib.sh"

for kv in FORKGUARD_MODE=enforcing FORKGUARD_RATE_LIMIT=-1 FORKGUARD_LOG=relative.log \
	FORKGUARD_REMEDY=bogus FORKGUARD_RETRIES=x FORKGUARD_KERNEL_RULE=9.9; do
	env "$kv" "$FG" run -- sh -c 'echo ran' >"$TMP/o" 2>"$TMP/e"
	rc=$?
	# what the library itself says about that value, its stamp removed,
	# said as run says it: refused, the default only what the library does
	env "$kv" LD_PRELOAD="$LIB" sh -c ': & wait' 2>&1 >/dev/null |
		sed -n 's/^[0-9T:.-]*Z forkguard\[[0-9]*\] [^:]*: ignoring \([^;]*\); \(.*\)/forkguard: run: \1 (the library would ignore it: \2)/p' >"$TMP/lib"
	check "run-${kv%%=*}" "$kv: exit $rc, not run, stderr: $(head -n1 "$TMP/e")" \
		bash -c "[ $rc = 64 ] && [ ! -s '$TMP/o' ] && [ -s '$TMP/lib' ] && grep -qxF \"\$(cat '$TMP/lib')\" '$TMP/e' && ! grep -q '^forkguard: ignoring' '$TMP/e'"
done
out=$(FORKGUARD_MODE=remediate FORKGUARD_RATE_LIMIT=0 "$FG" run -- sh -c 'echo ran' 2>&1 |
	grep -v '^forkguard: run: no syslog here')
check run-valid "valid values run: $out" test "$out" = ran

# places the library could not write: refused before exec
touch "$TMP/regular"
mkdir -p "$TMP/ro" && chmod 755 "$TMP/ro" "$TMP"
refused() { # NAME WHY [WRAP...] -- RUN-ARGS...
	local name=$1 why=$2 wrap=()
	shift 2
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	"${wrap[@]}" "$FG" run "$@" -- sh -c 'echo ran' >"$TMP/o" 2>"$TMP/e"
	local rc=$?
	check "run-refuses-$name" "exit $rc, $(head -n1 "$TMP/e")" \
		bash -c "[ $rc = 64 ] && [ ! -s '$TMP/o' ] && grep -q '$why' '$TMP/e'"
}
refused log-dir "the log file $TMP is a directory" -- --log "$TMP"
refused log-missing-dir "the log file /missing/dir/x names a directory that does not exist" -- --log /missing/dir/x
refused metrics-missing "FORKGUARD_METRICS $TMP/none does not exist" env FORKGUARD_METRICS="$TMP/none" --
refused metrics-file "FORKGUARD_METRICS $TMP/regular is not a directory" env FORKGUARD_METRICS="$TMP/regular" --
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	refused metrics-unwritable "FORKGUARD_METRICS $TMP/ro is not writable by this user" \
		setpriv --reuid nobody --regid nogroup --clear-groups env FORKGUARD_METRICS="$TMP/ro" --
	refused log-unwritable "the log file $TMP/ro/x.log names a directory in which this user cannot create it" \
		setpriv --reuid nobody --regid nogroup --clear-groups -- --log "$TMP/ro/x.log"
else
	skip run-refuses-unwritable "needs root and setpriv"
fi

mkdir -p "$TMP/other"
cp "$(realpath "$LIB")" "$TMP/other/libforkguard.so.0"
LD_PRELOAD="$TMP/other/libforkguard.so.0" "$FG" run --report all -- sh -c ': & wait' >/dev/null 2>"$TMP/e"
check run-preloaded "a libforkguard already in LD_PRELOAD is named: $(grep -m1 'already' "$TMP/e")" \
	grep -q "run: LD_PRELOAD already holds $TMP/other/libforkguard.so.0: .* guards, the other copy stays passive" "$TMP/e"
check run-preloaded-once "and the command's fork is reported once: $(grep -c 'sh: fork verdict' "$TMP/e")" \
	test "$(grep -c 'sh: fork verdict' "$TMP/e")" = 1
summary
