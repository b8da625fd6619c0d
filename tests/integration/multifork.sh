#!/usr/bin/env bash
# Several forks in one process (tests/integration/multifork.c), the risky
# ones after the first: a fork after the first may take the fast path, and
# a fast path that stops reading what it must (statm, the mode) would send
# a risky fork to the kernel unchecked.  Plan "ssrrsr": safe (the whole
# way: the first fork), safe (the fast path, quiet), risky (2 x G GiB
# merged into one VMA over RAM + swap), risky, safe, risky.  At the
# default report level (the fast path in use) in observe, enforce and
# remediate, and in observe reporting every fork, each fork's verdict,
# outcome, remedy and report line are asserted.  Enforce is proven by the
# process itself: its own pthread_atfork prepare handler counts the forks
# that reached libc's fork, and a refused fork must count 0.
source "$(dirname "$0")/lib.sh"
name=multifork
FIX=$B/tests/multifork
PLAN=ssrrsr

if [ ! -x "$FIX" ]; then
	fail "$name" "$FIX not built (make $FIX)"
	summary
	exit
fi
if [ "$HOST_MODE" != 0 ] || ! rule_5_2; then
	skip "$name" "needs overcommit_memory 0 on kernel 5.2+ (mode $HOST_MODE, $(uname -r))"
	summary
	exit
fi
# each half alone under RAM + swap, the two merged over it
gib=$((RAM_SWAP_KB / 2 / 1048576 + 1))

# field OUT N WHAT: from the fixture's line for fork N, the result (WHAT
# "result") or a counter ("prepare", "lines", "vmas")
field() {
	local l
	l=$(sed -n "s/^fork $2 [sr]: //p" <<<"$1")
	if [ "$3" = result ]; then echo "${l%% *}"; else sed -n "s/.* $3=\([-0-9]*\).*/\1/p" <<<"$l"; fi
}
# key LOG N KEY: KEY's value on line N of LOG (json_get: a string bare)
key() {
	sed -n "$2p" "$1" >"$TMP/line.json"
	json_get "$TMP/line.json" "$3"
}
remedies() { sed -n "$2p" "$1" | grep -o '"remedies":\[[^]]*\]'; }
run() { # run LOG [VAR=VALUE...] -> the fixture's output
	local log=$1
	shift
	env FORKGUARD_FORMAT=json FORKGUARD_LOG="$log" "$@" LD_PRELOAD="$LIB" "$FIX" "$gib" "$PLAN"
}

# the kernel alone: the safe forks pass, the risky ones are refused
want_bare=$(sed 's/s/ok /g; s/r/ENOMEM /g' <<<"$PLAN")
out=$("$FIX" "$gib" "$PLAN")
got=$(for i in $(seq ${#PLAN}); do printf '%s ' "$(field "$out" $i result)"; done)
check bare "without the guard, $PLAN with 2 x $gib GiB: $got" test "$got" = "$want_bare"
[ "$got" = "$want_bare" ] || { summary; exit; }

# expect MODE OUT LOG: one check per fork.  A safe fork: ok, reached libc
# (prepare=1), no report.  A risky fork: one report line, read before the
# fork (read_after false: the fast path did not let it through), verdict
# fail, and per mode:
#   observe    the kernel is asked (prepare=1) and refuses: outcome ENOMEM
#   enforce    refused by the guard without reaching libc's fork (prepare=0)
#   remediate  the split, then the real fork passes (region in pieces)
expect() {
	local m=$1 out=$2 log=$3 i kind res prep lines vmas n=0 want errs v o ra mm rem
	for i in $(seq ${#PLAN}); do
		kind=${PLAN:i-1:1} errs=""
		res=$(field "$out" $i result)
		prep=$(field "$out" $i prepare)
		lines=$(field "$out" $i lines)
		vmas=$(field "$out" $i vmas)
		if [ "$kind" = s ]; then
			[ "$res" = ok ] || errs+=" result $res;"
			[ "$prep" = 1 ] || errs+=" prepare=$prep (want 1);"
			[ "$lines" = "$n" ] || errs+=" $lines report lines (want $n: a safe fork is quiet);"
			check "$m-fork$i" "safe fork: $res, prepare=$prep, lines=$lines${errs:+; WRONG:$errs}" test -z "$errs"
			continue
		fi
		n=$((n + 1))
		v=$(key "$log" "$n" verdict) o=$(key "$log" "$n" outcome)
		ra=$(key "$log" "$n" read_after) mm=$(key "$log" "$n" mismatch)
		rem=$(remedies "$log" "$n")
		[ "$lines" = "$n" ] || errs+=" $lines report lines (want $n);"
		[ "$ra" = false ] || errs+=" read_after=$ra (the fast path let it through);"
		[ "$mm" = false ] || errs+=" mismatch=$mm;"
		[ "$(key "$log" "$n" call)" = fork ] || errs+=" call $(key "$log" "$n" call);"
		case $m in
		observe)
			want="ENOMEM prepare=1 verdict fail outcome ENOMEM remedies []"
			[ "$vmas" = 1 ] || errs+=" $vmas VMAs (want the merged one);" ;;
		enforce)
			want="ENOMEM prepare=0 verdict fail outcome refused remedies []" ;;
		remediate)
			want="ok prepare=1 verdict ok outcome ok remedies split:pass"
			[ "${vmas:-0}" -gt 1 ] || errs+=" $vmas VMAs (want pieces);"
			rem=$(grep -q '{"name":"split","result":"pass"' <<<"$rem" && echo split:pass || echo "$rem") ;;
		esac
		[ "$res prepare=$prep verdict $v outcome $o remedies ${rem#\"remedies\":}" = "$want" ] ||
			errs+=" got: $res prepare=$prep verdict $v outcome $o remedies ${rem#\"remedies\":};"
		check "$m-fork$i" "risky fork: $res, prepare=$prep, verdict $v, outcome $o, read_after $ra, ${vmas} VMA(s)${errs:+; WRONG:$errs}" \
			test -z "$errs"
	done
	check "$m-lines" "$(lines "$log") report lines for $n risky forks" test "$(lines "$log")" = "$n"
}
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

for m in observe enforce remediate; do
	log=$TMP/$m.json
	out=$(run "$log" FORKGUARD_MODE=$m)
	expect "$m" "$out" "$log"
done

# reporting every fork (each goes the whole way): one line per fork, in order
log=$TMP/all.json
out=$(run "$log" FORKGUARD_REPORT=all)
got=$(for i in $(seq ${#PLAN}); do printf '%s/%s ' "$(key "$log" $i verdict)" "$(key "$log" $i outcome)"; done)
want=$(sed 's,s,ok/ok ,g; s,r,fail/ENOMEM ,g' <<<"$PLAN")
check observe-all "every fork reported: $got" \
	test "$got" = "$want" -a "$(lines "$log")" = "${#PLAN}"
summary
