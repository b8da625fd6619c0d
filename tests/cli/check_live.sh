#!/usr/bin/env bash
# `forkguard check` on this host's live /proc: --all among hundreds of
# processes finishes in seconds and puts the merged-VMA process first;
# a user may check its own process but gets status 3 (permission) for
# root's when the cheap bound does not settle it.
source "$(dirname "$0")/lib.sh"

build_helper || { fail helper "cannot compile tests/cli/hold_fork.c"; summary; exit; }
if [ "$(cat /proc/sys/vm/overcommit_memory)" != 0 ]; then
	skip live "needs overcommit_memory=0 to build a failing layout (mode 1 refuses nothing, mode 2 refuses the mappings)"
	summary
	exit
fi
gib=$(merged_gib)

# 300 idle processes, stopped by pid on exit
SLEEPERS=()
for _ in $(seq 300); do
	sleep 300 &
	SLEEPERS+=($!)
done
HELD+=("${SLEEPERS[@]}")

hold_start root "$gib" || { fail hold "the helper did not start"; summary; exit; }
root_pid=$HOLD_PID
total=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
t0=$(date +%s%N)
"$FG" check --all >"$TMP/all" 2>"$TMP/all.err"; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
ours=$(awk -v p="$root_pid" '$1 == p { print $1 ":" $3 }' "$TMP/all")
check all-live "--all over $total processes: ${ms} ms, exit $rc, our row $ours ($(tail -n1 "$TMP/all"))" \
	test "$rc" = 1 -a "$ours" = "$root_pid:fail" -a "$ms" -lt 5000
"$FG" check --all --json >"$TMP/all.json"; rc=$?
# listed largest first: charges never increase down the list (other
# processes on this host may be listed too)
charges=$(sed -n 's/.*"charge_kb":\([0-9]*\),.*/\1/p' "$TMP/all.json" | tr '\n' ' ')
sorted=$(echo "$charges" | tr ' ' '\n' | grep . | sort -rn | tr '\n' ' ')
grep "\"pid\":$root_pid," "$TMP/all.json" >"$TMP/ours.json"
check all-live-json "--all --json: exit $rc, $(lines "$TMP/all.json") line(s), charges $charges; ours: $(json_get "$TMP/ours.json" verdict), exact $(json_get "$TMP/ours.json" exact)" \
	test "$rc" = 1 -a "$charges" = "$sorted" -a "$(json_get "$TMP/ours.json" verdict)" = fail

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	chmod 711 "$TMP"
	"${AS_NOBODY[@]}" "$FG" check "$root_pid" >"$TMP/o" 2>"$TMP/e"; rc=$?
	check exit-3-permission "a user checking root's merged-VMA process: exit $rc, $(cat "$TMP/e")" \
		bash -c "[ $rc = 3 ] && [ \$(wc -l <'$TMP/e') = 1 ] && grep -q 'permission denied' '$TMP/e' && [ ! -s '$TMP/o' ]"
	HOLD_WRAP=("${AS_NOBODY[@]}")
	if hold_start user "$gib"; then
		"${AS_NOBODY[@]}" "$FG" check --json "$HOLD_PID" >"$TMP/o" 2>"$TMP/e"; rc=$?
		check user-own "a user checking its own merged-VMA process: exit $rc, verdict $(json_get "$TMP/o" verdict), tier $(json_get "$TMP/o" tier)" \
			test "$rc" = 1 -a "$(json_get "$TMP/o" tier)" = smaps
		"${AS_NOBODY[@]}" "$FG" check --all >"$TMP/o" 2>"$TMP/e"; rc=$?
		check user-all "a user's --all: exit $rc, its own listed, root's counted on stderr: $(cat "$TMP/e")" \
			bash -c "[ $rc = 1 ] && grep -q '^$HOLD_PID ' '$TMP/o' && ! grep -q '^$root_pid ' '$TMP/o' && grep -q 'could not be evaluated' '$TMP/e'"
		hold_release user >/dev/null
	else
		fail user-own "the helper did not start as nobody: $(cat "$TMP/user.out")"
	fi
	HOLD_WRAP=()
else
	skip exit-3-permission "needs root and setpriv to run as another user"
fi
hold_release root >/dev/null
for p in "${SLEEPERS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${SLEEPERS[@]}"; do wait "$p" 2>/dev/null; done
summary
