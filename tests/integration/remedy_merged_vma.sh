#!/usr/bin/env bash
# The merged oversized VMA (fixtures/merged_vma.c) remediated by the split:
# two adjacent private RW mappings of BIG_GIB (from this host's RAM + swap)
# are one VMA over RAM + swap, refused in mode 0 (5.2+).  Under
# FORKGUARD_MODE=remediate the guard cuts it with MADV_DONTDUMP on one page
# and the fork really succeeds; the kernel must really show the VMA in
# pieces.  With the split not allowed (FORKGUARD_REMEDY=trim) nothing can
# help: the guard retries, forks anyway, and the kernel really refuses.
source "$(dirname "$0")/lib.sh"
name=remedy_merged_vma

if [ "$HOST_MODE" != 0 ] || ! rule_5_2; then
	skip "$name" "needs overcommit_memory 0 on kernel 5.2+ (mode $HOST_MODE, $(uname -r))"
	exit 0
fi

run() { # run LOG [ENV...] -> the fixture's stdout
	local log=$1
	shift
	env FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json FORKGUARD_LOG="$log" \
		"$@" LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" "$BIG_GIB"
}
forked() { sed -n 's/^fork: //p' <<<"$1"; }
remedy() { grep -o "{\"name\":\"$2\"[^}]*}" "$1" | head -n1; }
num() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"; }

errs=()
bare=$(forked "$("$B/fixtures/merged_vma" "$BIG_GIB")")
[ "$bare" = ENOMEM ] || errs+=("without the guard the fork gave '$bare'")

out=$(run "$TMP/split.json")
split=$(remedy "$TMP/split.json" split)
[ "$(forked "$out")" = ok ] || errs+=("remediate: the fork gave '$(forked "$out")'")
grep -q '"result":"pass"' <<<"$split" || errs+=("split record '$split'")
# the kernel's own view after the cut: pieces, each under RAM + swap
pieces=$(grep -o '"top_vmas":\[[^]]*\]' "$TMP/split.json" | grep -o '"kb":[0-9]*' | cut -d: -f2)
biggest=$(sort -n <<<"$pieces" | tail -n1)
[ "${biggest:-0}" -gt 0 ] && [ "$biggest" -lt "$RAM_SWAP_KB" ] ||
	errs+=("largest VMA after the split ${biggest:-?} kB")
[ "$(json_get "$TMP/split.json" largest_vma_kb)" = "$biggest" ] || errs+=("largest_vma_kb disagrees")

# the split not allowed: retries, then the kernel decides
t0=$(date +%s%N)
out=$(run "$TMP/none.json" FORKGUARD_REMEDY=trim FORKGUARD_RETRIES=2 FORKGUARD_RETRY_DELAY_MS=20)
ms=$((($(date +%s%N) - t0) / 1000000))
retry=$(remedy "$TMP/none.json" retry)
[ "$(forked "$out")" = ENOMEM ] || errs+=("no split: the fork gave '$(forked "$out")'")
grep -q '"result":"fail"' <<<"$retry" || errs+=("no split: retry record '$retry'")
[ "$(num "$retry" us)" -ge 60000 ] 2>/dev/null || errs+=("no split: 2 retries from 20 ms took $(num "$retry" us) us")
[ "$(json_get "$TMP/none.json" outcome)" = ENOMEM ] || errs+=("no split: outcome $(json_get "$TMP/none.json" outcome)")
grep -q '"name":"trim"' "$TMP/none.json" && errs+=("trim was tried on a VMA it cannot shrink")

if [ ${#errs[@]} -eq 0 ]; then
	echo "PASS $name: $((2 * BIG_GIB)) GiB VMA: fork ENOMEM bare, ok remediated (split in $(num "$split" us) us, largest piece $((biggest / 1024)) MiB); split off: $(num "$retry" us) us of retries, then ENOMEM from the kernel (${ms} ms run)"
else
	printf 'FAIL %s: %s\n' "$name" "$(IFS=';'; echo "${errs[*]}")"
	exit 1
fi
