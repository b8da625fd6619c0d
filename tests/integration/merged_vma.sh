#!/usr/bin/env bash
# The merged-VMA reproduction on this host's real kernel (mode 0): two
# adjacent 16 GiB private RW mappings become one 32 GiB VMA and fork fails;
# 2 x 8 GiB forks.  The guard's verdicts must be the real outcomes, and the
# failing VMA must be the one the kernel names in its log.
source "$(dirname "$0")/lib.sh"

mode=$HOST_MODE
limit_gib=$((RAM_SWAP_KB / 1048576))
if [ "$mode" != 0 ] || [ "$limit_gib" -ge 32 ] || [ "$limit_gib" -lt 17 ]; then
	skip merged_vma "needs mode 0 and 17..31 GiB of RAM+swap (mode $mode, $limit_gib GiB)"
	summary
	exit
fi

run() { # run SIZE_GIB LOGFILE [ENV...]
	local gib=$1 log=$2
	shift 2
	env FORKGUARD_REPORT=all FORKGUARD_FORMAT=json FORKGUARD_LOG="$log" \
		"$@" LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" "$gib"
}

# without the guard: the real outcome
bare16=$("$B/fixtures/merged_vma" 16 | sed -n 's/^fork: //p')
bare8=$("$B/fixtures/merged_vma" 8 | sed -n 's/^fork: //p')
check baseline "without the guard: 2x16 GiB -> $bare16, 2x8 GiB -> $bare8" \
	test "$bare16" = ENOMEM -a "$bare8" = ok

# the kernel's own line for this pid (never cleared: others read it too)
klog() { dmesg 2>/dev/null | sed -n "s/.*__vm_enough_memory: pid: $1, comm: merged_vma, bytes: \([0-9]*\).*/\1/p" | tail -n1; }
out=$(run 16 "$TMP/16.json")
real=$(sed -n 's/^fork: //p' <<<"$out")
v=$(json_get "$TMP/16.json" verdict)
o=$(json_get "$TMP/16.json" outcome)
kb=$(sed -n 's/.*"failing_vma":{[^}]*"kb":\([0-9]*\).*/\1/p' "$TMP/16.json")
check fail-verdict "2x16 GiB: verdict $v, real fork $real, guard saw $o" \
	test "$v" = fail -a "$real" = ENOMEM -a "$o" = ENOMEM
kbytes=$(klog "$(json_get "$TMP/16.json" pid)")
if [ -n "$kbytes" ]; then
	check kernel-bytes "predicted failing VMA $((kb * 1024)) bytes, kernel log says $kbytes" \
		test "$((kb * 1024))" = "$kbytes"
else
	skip kernel-bytes "the kernel log is not readable here"
fi

out=$(run 8 "$TMP/8.json")
real=$(sed -n 's/^fork: //p' <<<"$out")
v=$(json_get "$TMP/8.json" verdict)
check ok-verdict "2x8 GiB: verdict $v, real fork $real" test "$v" = ok -a "$real" = ok

# enforce: a predicted failure is refused without asking the kernel
out=$(run 16 "$TMP/enf.json" FORKGUARD_MODE=enforce)
real=$(sed -n 's/^fork: //p' <<<"$out")
o=$(json_get "$TMP/enf.json" outcome)
kline=$(klog "$(json_get "$TMP/enf.json" pid)")
check enforce "enforce: fork returned $real, outcome $o, kernel never asked: ${kline:-yes}" \
	test "$real" = ENOMEM -a "$o" = refused -a -z "$kline"

# off: nothing is read, nothing is written
out=$(run 16 "$TMP/off.json" FORKGUARD_MODE=off)
check off "off: real fork $(sed -n 's/^fork: //p' <<<"$out"), log $(stat -c %s "$TMP/off.json" 2>/dev/null || echo absent)" \
	test ! -s "$TMP/off.json"

# the text diagnosis on stderr (the default sink)
err=$(LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" 16 2>&1 >/dev/null)
check diagnosis "text diagnosis names the rule, the VMA and the fix" \
	grep -q 'refuses a single VMA larger than RAM + swap' <<<"$err"
grep -q 'failing VMA: .* 32.0 GiB' <<<"$err" && grep -q 'vm.overcommit_memory=1' <<<"$err" ||
	fail diagnosis-detail "$err"
summary
