#!/usr/bin/env bash
# glibc heap retention (fixtures/heap_retention.c) on this host's kernel:
# a freed brk heap larger than RAM + swap makes fork fail with ENOMEM in
# mode 0 (5.2+); FORKGUARD_MODE=remediate calls malloc_trim(0) before the
# fork and the fork really succeeds.  With a live block pinning the heap top
# the trim returns only RSS, and the split of [heap] must make it pass.
# Asserts the real fork outcomes, then the guard's record of them.
source "$(dirname "$0")/lib.sh"
name=remedy_heap

gib=$((RAM_SWAP_KB / 1048576 + 1))
if [ "$HOST_MODE" != 0 ] || ! rule_5_2; then
	skip "$name" "needs overcommit_memory 0 on kernel 5.2+ (mode $HOST_MODE, $(uname -r))"
	exit 0
fi
# one touched page per block: keep the RSS near 100 MiB on any host
block=$(((gib + 23) / 24))

run() { # run LOG ARGS... -> the fixture's stdout; the guard logs JSON to LOG
	local log=$1
	shift
	env FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json FORKGUARD_LOG="$log" \
		LD_PRELOAD="$LIB" "$B/fixtures/heap_retention" "$@"
}
field() { sed -n "s/^$2: //p" <<<"$1" | tail -n1; }
# remedy LOG NAME -> that remedy's JSON object
remedy() { grep -o "{\"name\":\"$2\"[^}]*}" "$1" | head -n1; }
num() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"; }

errs=()
bare=$("$B/fixtures/heap_retention" "$gib" "$block")
[ "$(field "$bare" fork)" = ENOMEM ] || errs+=("without the guard the fork gave '$(field "$bare" fork)', not ENOMEM")
rss=$(sed -n 's/^freed: VSZ .* RSS \([0-9]*\) MiB/\1/p' <<<"$bare")
[ "${rss:-9999}" -le 512 ] || errs+=("the fixture touched ${rss} MiB")

obs=$(FORKGUARD_MODE=observe FORKGUARD_FORMAT=json FORKGUARD_LOG="$TMP/obs.json" \
	LD_PRELOAD="$LIB" "$B/fixtures/heap_retention" "$gib" "$block")
[ "$(field "$obs" fork)" = ENOMEM ] && [ "$(json_get "$TMP/obs.json" verdict)" = fail ] ||
	errs+=("observe: fork $(field "$obs" fork), verdict $(json_get "$TMP/obs.json" verdict)")

out=$(run "$TMP/trim.json" "$gib" "$block")
trim=$(remedy "$TMP/trim.json" trim)
[ "$(field "$out" fork)" = ok ] || errs+=("remediate: the fork gave '$(field "$out" fork)'")
grep -q '"result":"pass"' <<<"$trim" || errs+=("remediate: trim record '$trim'")
[ "$(json_get "$TMP/trim.json" outcome)" = ok ] || errs+=("remediate: outcome $(json_get "$TMP/trim.json" outcome)")
freed_kb=$(num "$trim" released_kb)
[ "${freed_kb:-0}" -ge $(((gib - 1) * 1048576)) ] || errs+=("trim released ${freed_kb:-?} kB")

pbare=$("$B/fixtures/heap_retention" "$gib" "$block" pin)
pout=$(run "$TMP/pin.json" "$gib" "$block" pin)
ptrim=$(remedy "$TMP/pin.json" trim)
psplit=$(remedy "$TMP/pin.json" split)
[ "$(field "$pbare" fork)" = ENOMEM ] && [ "$(field "$pout" fork)" = ok ] ||
	errs+=("pinned heap: fork without the guard $(field "$pbare" fork), remediated $(field "$pout" fork)")
grep -q '"result":"pass"' <<<"$ptrim" && errs+=("pinned heap: trim cannot pass, it said '$ptrim'")
grep -q '"result":"pass"' <<<"$psplit" || errs+=("pinned heap: split record '$psplit'")
heaps=$(grep -c '^after: heap' <<<"$pout")
[ "$heaps" -ge 3 ] || errs+=("pinned heap: $heaps [heap] VMAs after the split")

if [ ${#errs[@]} -eq 0 ]; then
	echo "PASS $name: ${gib} GiB freed heap: fork ENOMEM bare, ok remediated (trim released $((freed_kb / 1024)) MiB in $(num "$trim" us) us); pinned: trim $(sed -n 's/.*"result":"\([^"]*\)".*/\1/p' <<<"$ptrim"), split pass in $(num "$psplit" us) us, $heaps heap VMAs"
else
	printf 'FAIL %s: %s\n' "$name" "$(IFS='; '; echo "${errs[*]}")"
	exit 1
fi
