#!/usr/bin/env bash
# jemalloc VSZ retention (fixtures/jemalloc_retention.c, real libjemalloc):
# a 1 GiB peak is touched and freed.  With MALLOC_CONF=retain:true (the
# default on 64-bit Linux) a purge drops the RSS but the VSZ stays at the
# peak, held as stats.retained; with retain:false the purge unmaps it.  Then
# the guard in remediate mode, on a fork refused in mode 0 (5.2+) by a
# merged VMA over RAM + swap: it reports jemalloc's statistics as jemalloc gives them,
# rules the purge out (jemalloc's mappings are MAP_NORESERVE, uncharged)
# and the split makes the fork really succeed.
source "$(dirname "$0")/lib.sh"
name=remedy_jemalloc
FIX=$B/fixtures/jemalloc_retention

if [ ! -x "$FIX" ]; then
	fail "$name" "$FIX not built (libjemalloc-dev missing?)"
	summary
	exit
fi
# stat OUTPUT STAGE KEY -> the number
stat() { sed -n "s/^$2: .*$3=\([0-9]*\).*/\1/p" <<<"$1"; }
forked() { sed -n 's/^fork: //p' <<<"$1"; }

# the peak in MiB: a quarter under make check (FG_QUICK)
peak=${FG_QUICK:+256}
peak=${peak:-1024}
errs=()
on=$(MALLOC_CONF=retain:true "$FIX" "$peak")
off=$(MALLOC_CONF=retain:false "$FIX" "$peak")
for k in vsz rss retained; do
	for s in peak freed purged; do
		eval "on_${k}_$s=\$(stat \"\$on\" $s ${k}_kb)"
		eval "off_${k}_$s=\$(stat \"\$off\" $s ${k}_kb)"
	done
done
# retain:true: VSZ stays at the peak, RSS falls, the peak is now "retained"
[ "$on_vsz_purged" -ge $((on_vsz_peak * 9 / 10)) ] || errs+=("retain:true: VSZ $on_vsz_peak -> $on_vsz_purged kB")
[ "$on_rss_purged" -le $((on_rss_peak / 8)) ] || errs+=("retain:true: RSS $on_rss_peak -> $on_rss_purged kB")
[ "$on_retained_purged" -ge $((peak * 1024 * 9 / 10)) ] || errs+=("retain:true: retained $on_retained_purged kB")
# retain:false: the purge (or the decay before it) unmaps
[ "$off_vsz_purged" -le $((off_vsz_peak / 8)) ] || errs+=("retain:false: VSZ $off_vsz_peak -> $off_vsz_purged kB")
[ "$off_retained_purged" -eq 0 ] || errs+=("retain:false: retained $off_retained_purged kB")

if [ ${#errs[@]} -eq 0 ]; then
	pass "$name" "retain:true VSZ ${on_vsz_peak}->${on_vsz_purged} kB, RSS ${on_rss_peak}->${on_rss_purged} kB, retained ${on_retained_purged} kB; retain:false VSZ ${off_vsz_peak}->${off_vsz_purged} kB"
else
	fail "$name" "$(IFS=';'; echo "${errs[*]}")"
fi

# the guarded half: a real fork refused, remediated by the split
if [ "$HOST_MODE" != 0 ] || ! rule_5_2; then
	skip "$name-guard" "the oversize fork needs overcommit_memory 0 on kernel 5.2+ (mode $HOST_MODE, $(uname -r))"
	summary
	exit
fi
errs=()
bare=$(forked "$("$FIX" "$peak" nopurge oversize="$BIG_GIB")")
out=$(FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json FORKGUARD_LOG="$TMP/je.json" \
	LD_PRELOAD="$LIB" "$FIX" "$peak" nopurge oversize="$BIG_GIB")
[ "$bare" = ENOMEM ] && [ "$(forked "$out")" = ok ] ||
	errs+=("oversize: fork without the guard $bare, remediated $(forked "$out")")
je=$(grep -o '"jemalloc":{[^}]*}' "$TMP/je.json")
mine=$(stat "$out" freed retained_kb)
seen=$(sed -n 's/.*"retained_kb":\([0-9]*\).*/\1/p' <<<"$je")
# the guard read the stats at the fork, after the fixture's last line
[ -n "$seen" ] && [ -n "$mine" ] && [ "$seen" -ge $((mine * 9 / 10)) ] && [ "$seen" -le $((mine * 11 / 10)) ] ||
	errs+=("guard's jemalloc stats '$je', fixture's retained ${mine:-?} kB")
grep -q '{"name":"jemalloc","result":"cannot help"' "$TMP/je.json" || errs+=("jemalloc purge not ruled out")
grep -q '{"name":"split","result":"pass"' "$TMP/je.json" || errs+=("no split pass")
# jemalloc's own mappings are not charged: charge + retained <= VSZ
charge=$(json_get "$TMP/je.json" charge_kb)
vsz=$(json_get "$TMP/je.json" vsz_kb)
[ -n "$charge" ] && [ -n "$vsz" ] && [ $((charge + ${seen:-0})) -le "$vsz" ] ||
	errs+=("charge ${charge:-?} + retained ${seen:-?} > VSZ ${vsz:-?}: jemalloc's memory is charged")
if [ ${#errs[@]} -eq 0 ]; then
	pass "$name-guard" "guard saw retained ${seen} kB, fork ENOMEM bare, ok remediated"
else
	fail "$name-guard" "$(IFS=';'; echo "${errs[*]}")"
fi
summary
