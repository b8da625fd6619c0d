#!/usr/bin/env bash
# `forkguard run`: the library is prepended to LD_PRELOAD, the options
# become FORKGUARD_* variables, the guard really runs in CMD, CMD's status
# passes through, and 126/127 when CMD or the library cannot be found.
source "$(dirname "$0")/lib.sh"

real=$(realpath "$LIB")
out=$("$FG" run -- sh -c 'echo "$LD_PRELOAD"')
check preload "alone: LD_PRELOAD=$out" test "$out" = "$real"
out=$(LD_PRELOAD="$TMP/other.so" "$FG" run -- sh -c 'echo "$LD_PRELOAD"' 2>/dev/null)
check preload-prepend "prepended to an existing one: LD_PRELOAD=$out" \
	test "$out" = "$real:$TMP/other.so"
out=$(LD_PRELOAD="$real" "$FG" run -- sh -c 'echo "$LD_PRELOAD"')
check preload-once "already first: not repeated ($out)" test "$out" = "$real"

(cd "$TMP" && "$FG" run --mode enforce --log rel.log --json --report all -- env) >"$TMP/env" 2>&1
vars=$(grep '^FORKGUARD_' "$TMP/env" | sort | tr '\n' ' ')
check options "options -> $vars" test "$vars" = "FORKGUARD_FORMAT=json FORKGUARD_LOG=$TMP/rel.log FORKGUARD_MODE=enforce FORKGUARD_REPORT=all "
vars=$(FORKGUARD_RATE_LIMIT=5 "$FG" run -- env | grep '^FORKGUARD_' | tr '\n' ' ')
check options-none "no options: only what the caller set passes ($vars)" test "$vars" = "FORKGUARD_RATE_LIMIT=5 "
vars=$("$FG" run -m remediate -l syslog -r risky -- env | grep '^FORKGUARD_' | sort | tr '\n' ' ')
check options-short "short options -> $vars" test "$vars" = "FORKGUARD_LOG=syslog FORKGUARD_MODE=remediate FORKGUARD_REPORT=risky "

# the guard runs in CMD: one JSON line for the shell's fork
"$FG" run --json --report all --log "$TMP/guard.log" -- sh -c '/bin/true & wait' >/dev/null 2>&1
check guard-active "the shell's fork is logged: $(head -c 120 "$TMP/guard.log" 2>/dev/null)..." \
	bash -c "[ -s '$TMP/guard.log' ] && grep -q '\"event\":\"fork\".*\"verdict\":\"ok\"' '$TMP/guard.log'"

"$FG" run -- sh -c 'exit 7'; rc=$?
check status "CMD's exit status passes through: $rc" test "$rc" = 7

"$FG" run -- forkguard-no-such-command >"$TMP/o" 2>"$TMP/e"; rc=$?
check exit-127-cmd "unknown command: exit $rc, $(cat "$TMP/e")" \
	bash -c "[ $rc = 127 ] && [ \$(wc -l <'$TMP/e') = 1 ] && grep -q 'command not found' '$TMP/e'"
printf '#!/bin/sh\n' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
"$FG" run -- "$TMP/noexec" >"$TMP/o" 2>"$TMP/e"; rc=$?
check exit-126 "not executable: exit $rc, $(cat "$TMP/e")" test "$rc" = 126

# a copy of the binary with no library beside it or in ../lib
mkdir -p "$TMP/lone/bin"
cp "$FG" "$TMP/lone/bin/forkguard"
env -u FORKGUARD_LIBRARY "$TMP/lone/bin/forkguard" run -- true >"$TMP/o" 2>"$TMP/e"; rc=$?
check exit-127-lib "no library: exit $rc, $(cat "$TMP/e")" \
	bash -c "[ $rc = 127 ] && [ \$(wc -l <'$TMP/e') = 1 ] && grep -q 'libforkguard not found' '$TMP/e' && [ ! -s '$TMP/o' ]"
FORKGUARD_LIBRARY="$TMP/nothing.so" "$TMP/lone/bin/forkguard" run -- true 2>"$TMP/e"; rc=$?
check exit-127-badlib "FORKGUARD_LIBRARY names no file: exit $rc" \
	bash -c "[ $rc = 127 ] && grep -q 'FORKGUARD_LIBRARY=$TMP/nothing.so' '$TMP/e'"
out=$(FORKGUARD_LIBRARY="$LIB" "$TMP/lone/bin/forkguard" run -- sh -c 'echo "$LD_PRELOAD"')
check library-env "FORKGUARD_LIBRARY as the last resort: LD_PRELOAD=$out" test "$out" = "$real"
mkdir -p "$TMP/lone/lib"
cp "$real" "$TMP/lone/lib/libforkguard.so.0"
out=$(FORKGUARD_LIBRARY="$LIB" "$TMP/lone/bin/forkguard" run -- sh -c 'echo "$LD_PRELOAD"')
check library-installed "../lib/libforkguard.so.0 comes first: LD_PRELOAD=$out" \
	test "$out" = "$TMP/lone/lib/libforkguard.so.0"
summary
