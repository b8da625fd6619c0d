#!/usr/bin/env bash
# `forkguard check` from outside agrees with the library's own verdict for
# the same process state: a process holding the merged-VMA layout (and a
# normal small one) runs under LD_PRELOAD, is checked by the CLI while it
# waits, then forks; the library's JSON line and the CLI's must agree.
source "$(dirname "$0")/lib.sh"

build_helper || { fail helper "cannot compile tests/cli/hold_fork.c"; summary; exit; }
mode=$(cat /proc/sys/vm/overcommit_memory)
gib=$(merged_gib)

# proc_admin PID: true when PID has CAP_SYS_ADMIN effective in the
# initial user namespace (inode 4026531837), else false
proc_admin() {
	local cap ns
	cap=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$1/status")
	ns=$(stat -L -c %i "/proc/$1/ns/user" 2>/dev/null)
	if [ "$ns" = 4026531837 ] && [ $(((0x$cap >> 21) & 1)) = 1 ]; then echo true; else echo false; fi
}

# agree NAME GIB EXPECTED_STATUS
agree() {
	local name=$1 g=$2 want=$3 log=$TMP/$1.log rc out k a b diff=""
	if ! hold_start "$name" "$g" LD_PRELOAD="$LIB" FORKGUARD_FORMAT=json \
		FORKGUARD_REPORT=all FORKGUARD_LOG="$log"; then
		fail "$name" "the helper did not start: $(cat "$TMP/$name.out")"
		return
	fi
	"$FG" check --json "$HOLD_PID" >"$TMP/$name.cli" 2>"$TMP/$name.err"
	rc=$?
	admin=$(proc_admin "$HOLD_PID")
	"$FG" check "$HOLD_PID" >"$TMP/$name.txt" 2>&1
	out=$(hold_release "$name")
	if [ ! -s "$log" ]; then
		fail "$name" "the library wrote no log line (fork: $out)"
		return
	fi
	for k in pid comm overcommit_mode kernel_rule verdict exact tier \
		charge_kb largest_vma_kb limit_kb committed_kb vsz_kb admin; do
		a=$(json_get "$TMP/$name.cli" "$k")
		b=$(json_get "$log" "$k")
		# a key missing on both sides is not agreement
		[ -n "$a" ] && [ "$a" = "$b" ] || diff="$diff $k: cli '$a', library '$b';"
	done
	a=$(sed -n 's/.*"failing_vma":\({[^}]*}\|null\).*/\1/p' "$TMP/$name.cli")
	b=$(sed -n 's/.*"failing_vma":\({[^}]*}\|null\).*/\1/p' "$log")
	[ -n "$a" ] && [ "$a" = "$b" ] || diff="$diff failing_vma: cli '$a', library '$b';"
	check "$name-agree" "cli and library: verdict $(json_get "$log" verdict), charge $(json_get "$log" charge_kb) kB ($(json_get "$log" tier)), failing_vma ${b:-?}${diff:+; DIFFER:$diff}" \
		test -z "$diff"
	# admin from /proc, not from the guard: CAP_SYS_ADMIN (bit 21) in the
	# effective set, in the initial user namespace
	check "$name-admin" "admin: /proc says $admin, cli $(json_get "$TMP/$name.cli" admin), library $(json_get "$log" admin)" \
		test "$(json_get "$TMP/$name.cli" admin)" = "$admin" -a "$(json_get "$log" admin)" = "$admin"
	check "$name-status" "forkguard check exit $rc (want $want), real fork: $out, library outcome $(json_get "$log" outcome)" \
		test "$rc" = "$want"
	check "$name-json" "the CLI's object is valid JSON on one line with \"call\":\"check\"" \
		bash -c "[ \$(wc -l <'$TMP/$name.cli') = 1 ] && grep -q '\"call\":\"check\"' '$TMP/$name.cli'"
	check "$name-text" "text: $(head -n1 "$TMP/$name.txt" | cut -c1-90)..." \
		grep -q "check verdict $(json_get "$log" verdict);" "$TMP/$name.txt"
}

if [ "$mode" != 0 ]; then
	skip merged "needs overcommit_memory=0 (mode 1 refuses no fork, mode 2 refuses the mappings themselves)"
else
	agree merged "$gib" 1
	check merged-real "the real fork failed as both predicted (ENOMEM; 2 x $gib GiB, one VMA by $(sed -n 's/^ready [0-9]* //p' "$TMP/merged.out"))" \
		grep -q '^fork: ENOMEM' "$TMP/merged.out"
fi
agree normal 0 0
summary
