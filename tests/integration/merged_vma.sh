#!/usr/bin/env bash
# The merged-VMA reproduction on this host's real kernel (mode 0, 5.2+):
# two adjacent private RW mappings, each under RAM + swap, become one VMA
# over it and fork fails; two of half the size fork.  The sizes come from
# this host's RAM + swap (BIG_GIB, SMALL_GIB).  The guard's verdicts must
# be the real outcomes, and the failing VMA must be the one the kernel
# names in its log.
source "$(dirname "$0")/lib.sh"

if [ "$HOST_MODE" != 0 ] || ! rule_5_2; then
	skip merged_vma "needs overcommit_memory 0 on kernel 5.2+ (mode $HOST_MODE, $(uname -r))"
	summary
	exit
fi
big=$BIG_GIB small=$SMALL_GIB

run() { # run SIZE_GIB LOGFILE [ENV...]
	local gib=$1 log=$2
	shift 2
	env FORKGUARD_REPORT=all FORKGUARD_FORMAT=json FORKGUARD_LOG="$log" \
		"$@" LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" "$gib"
}

# without the guard: the real outcome
bare16=$("$B/fixtures/merged_vma" "$big" | sed -n 's/^fork: //p')
bare8=$("$B/fixtures/merged_vma" "$small" | sed -n 's/^fork: //p')
check baseline "without the guard: 2x$big GiB -> $bare16, 2x$small GiB -> $bare8 (RAM + swap $((RAM_SWAP_KB >> 20)) GiB)" \
	test "$bare16" = ENOMEM -a "$bare8" = ok

# the kernel's own line for this pid (never cleared: others read it too)
# klog PID [SINCE]: the bytes of the kernel's last refusal line for PID, of
# the lines stamped SINCE (seconds since boot, /proc/uptime) or later: an
# older line of a process that had the same pid is not this one's
klog() {
	dmesg 2>/dev/null | awk -v p="$1" -v t="${2:-0}" '
		{ ts = $0; sub(/^\[ */, "", ts); sub(/\].*/, "", ts) }
		ts + 0 >= t && match($0, "__vm_enough_memory: pid: " p ", comm: merged_vma, bytes: [0-9]+") {
			v = substr($0, RSTART, RLENGTH); sub(/.*bytes: /, "", v)
		}
		END { print v }'
}
out=$(run "$big" "$TMP/16.json")
real=$(sed -n 's/^fork: //p' <<<"$out")
v=$(json_get "$TMP/16.json" verdict)
o=$(json_get "$TMP/16.json" outcome)
check fail-verdict "2x$big GiB: verdict $v, real fork $real, guard saw $o" \
	test "$v" = fail -a "$real" = ENOMEM -a "$o" = ENOMEM
kb=$(json_get "$TMP/16.json" failing_vma.kb)
kbytes=$(klog "$(json_get "$TMP/16.json" pid)")
# the kernel rate-limits that line (5 s, 10 lines): when other failing
# forks on the host used the burst, fail again in the next window
if [ -z "$kbytes" ] && dmesg >/dev/null 2>&1; then
	sleep 5.5
	run "$big" "$TMP/16b.json" >/dev/null
	kb=$(json_get "$TMP/16b.json" failing_vma.kb)
	kbytes=$(klog "$(json_get "$TMP/16b.json" pid)")
fi
if [ -n "$kbytes" ]; then
	check kernel-bytes "predicted failing VMA $((kb * 1024)) bytes, kernel log says $kbytes" \
		test "$((kb * 1024))" = "$kbytes"
elif dmesg >/dev/null 2>&1; then
	skip kernel-bytes-ratelimited "the kernel dropped its line twice (__vm_enough_memory callbacks suppressed: other failing forks on this host)"
else
	skip kernel-bytes "the kernel log is not readable here"
fi

out=$(run "$small" "$TMP/8.json")
real=$(sed -n 's/^fork: //p' <<<"$out")
v=$(json_get "$TMP/8.json" verdict)
check ok-verdict "2x$small GiB: verdict $v, real fork $real" test "$v" = ok -a "$real" = ok

# enforce: a predicted failure is refused without asking the kernel
since=$(cut -d' ' -f1 /proc/uptime)
out=$(run "$big" "$TMP/enf.json" FORKGUARD_MODE=enforce)
real=$(sed -n 's/^fork: //p' <<<"$out")
o=$(json_get "$TMP/enf.json" outcome)
kline=$(klog "$(json_get "$TMP/enf.json" pid)" "$since")
check enforce "enforce: fork returned $real, outcome $o, kernel never asked: ${kline:-yes}" \
	test "$real" = ENOMEM -a "$o" = refused -a -z "$kline"

# off: nothing is read, nothing is written
out=$(run "$big" "$TMP/off.json" FORKGUARD_MODE=off)
check off "off: real fork $(sed -n 's/^fork: //p' <<<"$out"), log $(stat -c %s "$TMP/off.json" 2>/dev/null || echo absent)" \
	test ! -s "$TMP/off.json"

# the text diagnosis on stderr (the default sink)
err=$(LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" "$big" 2>&1 >/dev/null)
check diagnosis "text diagnosis names the rule, the VMA and the fix" \
	grep -q 'refuses a single VMA larger than RAM + swap' <<<"$err"
grep -q "failing VMA: .* $((2 * big)).0 GiB" <<<"$err" && grep -q 'vm.overcommit_memory=1' <<<"$err" ||
	fail diagnosis-detail "$err"
summary
