#!/usr/bin/env bash
# Fields that say what they are: at the statm tier (a quiet fork) only
# total_vm is known, so largest_vma_kb is null and top_vmas lists no
# invented range; in remediate mode the JSON keeps the verdict the remedies
# changed, as verdict_before.
source "$(dirname "$0")/lib.sh"

FORKGUARD_FORMAT=json FORKGUARD_REPORT=all LD_PRELOAD="$LIB" sh -c ': & wait' 2>"$TMP/q.json"
line=$(grep -m1 '"tier":"statm"' "$TMP/q.json")
check statm-largest "statm tier: $(grep -o '"largest_vma_kb":[^,]*' <<<"$line"), $(grep -o '"top_vmas":\[[^]]*\]' <<<"$line")" \
	bash -c "grep -q '\"largest_vma_kb\":null' <<<'$line' && grep -q '\"top_vmas\":\[\]' <<<'$line' && ! grep -q 'total_vm bound' '$TMP/q.json'"

gib=$(awk '/^MemTotal:|^SwapTotal:/ { kb += $2 } END { printf "%d\n", kb / 2 / 1048576 + 1 }' /proc/meminfo)
FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" "$gib" \
	2>"$TMP/r.json" >/dev/null
check verdict-before "remediate: $(grep -o '"verdict":"[a-z]*","verdict_before":"[a-z]*"' "$TMP/r.json")" \
	grep -q '"verdict":"ok","verdict_before":"fail"' "$TMP/r.json"
FORKGUARD_FORMAT=json FORKGUARD_REPORT=all LD_PRELOAD="$LIB" sh -c ': & wait' 2>"$TMP/n.json"
check no-verdict-before "no remedy ran: no verdict_before key" bash -c "! grep -q verdict_before '$TMP/n.json' && [ -s '$TMP/n.json' ]"
summary
