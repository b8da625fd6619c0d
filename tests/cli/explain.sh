#!/usr/bin/env bash
# `forkguard explain`: the live host's policy (text and one JSON object),
# its numbers against /proc/meminfo, and a fake procfs whose mode 2 room
# is computed here by hand; exit 3 when the policy cannot be read.
source "$(dirname "$0")/lib.sh"

"$FG" explain >"$TMP/text" 2>"$TMP/e"; rc=$?
missing=""
for w in "vm.overcommit_memory = $(cat /proc/sys/vm/overcommit_memory)" "vm.overcommit_ratio = " \
	CommitLimit Committed_AS admin_reserve_kbytes user_reserve_kbytes "RAM " "swap " \
	"transparent huge pages: " "largest fork that would pass now" "mode 0" "mode 2" \
	"container: " "conflict: Redis" "conflict: PostgreSQL" "rule of __vm_enough_memory applies"; do
	grep -qF -- "$w" "$TMP/text" || missing="$missing '$w'"
done
check explain-text "explain: exit $rc, $(lines "$TMP/text") lines${missing:+; missing:$missing}" \
	test "$rc" = 0 -a -z "$missing" -a ! -s "$TMP/e"

"$FG" explain --json >"$TMP/json"; rc=$?
one_object() { [ "$rc" = 0 ] && [ "$(lines "$1")" = 1 ] && json_valid "$1"; }
check explain-json "explain --json: exit $rc, one valid JSON line" one_object "$TMP/json"
ram=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
swap=$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
j() { json_get "$TMP/json" "$1"; }
bad=""
[ "$(j overcommit_mode)" = "$(cat /proc/sys/vm/overcommit_memory)" ] || bad="$bad mode"
[ "$(j overcommit_ratio)" = "$(cat /proc/sys/vm/overcommit_ratio)" ] || bad="$bad ratio"
[ "$(j mem_total_kb)" = "$ram" ] || bad="$bad mem_total_kb"
[ "$(j swap_total_kb)" = "$swap" ] || bad="$bad swap_total_kb"
[ "$(j thp)" = "${thp:-null}" ] || bad="$bad thp"
if [ "$(j kernel_rule)" = "5.2+" ]; then
	# mode 0 on 5.2+: a VMA of up to RAM + swap (in whole pages) passes
	[ "$(j max_fork_mode0_kb)" = $(((ram / 4 + swap / 4) * 4)) ] || bad="$bad max_fork_mode0_kb"
fi
[ -f /.dockerenv ] && { [ "$(j dockerenv)" = true ] && [ "$(j container)" = true ] || bad="$bad container"; }
check explain-live-numbers "mode $(j overcommit_mode), ratio $(j overcommit_ratio), RAM $(j mem_total_kb) kB, thp $(j thp), mode 0 max $(j max_fork_mode0_kb) kB, mode 2 room $(j max_fork_mode2_kb) kB, container $(j container)${bad:+; wrong:$bad}" \
	test -z "$bad"

# a fake procfs in mode 2: allowed = 1 GiB x 50% - admin_reserve 8 MiB
# (a process of VSZ 0 loses no user reserve) = 516096 kB; room = allowed
# - Committed_AS 410496 kB = 105600 kB
P=$TMP/proc
mkdir -p "$P/sys/vm" "$P/sys/kernel"
echo 2 >"$P/sys/vm/overcommit_memory"
echo 50 >"$P/sys/vm/overcommit_ratio"
echo 8192 >"$P/sys/vm/admin_reserve_kbytes"
echo 131072 >"$P/sys/vm/user_reserve_kbytes"
echo 6.1.0-27-cloud-amd64 >"$P/sys/kernel/osrelease"
printf 'MemTotal: 1048576 kB\nMemFree: 524288 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\nCommitLimit: 524288 kB\nCommitted_AS: 410496 kB\n' >"$P/meminfo"
"$FG" explain --json --procfs "$P" >"$TMP/json"; rc=$?
check explain-fake "fake procfs: exit $rc, mode $(j overcommit_mode), allowed $(j mode2_allowed_kb) kB (want 516096), room $(j max_fork_mode2_kb) kB (want 105600), mode 0 max $(j max_fork_mode0_kb) kB (want 1048576), container $(j container)" \
	test "$rc" = 0 -a "$(j mode2_allowed_kb)" = 516096 -a "$(j max_fork_mode2_kb)" = 105600 \
	-a "$(j max_fork_mode0_kb)" = 1048576 -a "$(j container)" = null -a "$(j overcommit_mode)" = 2
"$FG" explain --procfs "$P" >"$TMP/text"
check explain-fake-text "text names mode 2 and its room: $(grep -m1 'mode 2 (never)' "$TMP/text" | cut -c1-100)..." \
	grep -q 'of room now' "$TMP/text"
"$FG" explain --json --procfs "$TOP/fixtures/snapshots/mode0-4.17-5.1-pass" --kernel-rule 3.10 >"$TMP/json"; rc=$?
check explain-rule "--kernel-rule 3.10 on a 4.19 snapshot: exit $rc, kernel_rule $(j kernel_rule)" \
	test "$rc" = 0 -a "$(j kernel_rule)" = 3.10-4.16
# --sysfs with a recorded procfs: the copy-on-write headroom and THP of the
# recorded process `self`, as worked out by hand in each cgroup fixture's
# expect; without --sysfs a recorded tree has no cow facts
for d in "$TOP"/fixtures/cgroup/*/; do
	n=$(basename "$d")
	want() { sed -n "s/^$1 //p" "$d/expect"; }
	"$FG" explain --json --procfs "$d/proc" --sysfs "$d/sys" >"$TMP/json"; rc=$?
	room=$(j cow_headroom_kb)
	[ "$room" = null ] && room=none
	check "explain-sysfs-$n" "--sysfs $n: exit $rc, cow $(j cow_verdict) (want $(want verdict)), headroom $room (want $(want headroom_kb)), thp $(j thp) (want $(want thp))" \
		test "$rc" = 0 -a "$(j cow_verdict)" = "$(want verdict)" -a "$room" = "$(want headroom_kb)" \
		-a "$(j thp)" = "$(want thp)"
done
"$FG" explain --json --procfs "$TOP/fixtures/cgroup/v2-nested/proc" >"$TMP/json"
check explain-no-sysfs "a recorded procfs without --sysfs: cow $(grep -o '"cow":[a-z]*' "$TMP/json"), thp $(j thp)" \
	test "$(grep -o '"cow":null' "$TMP/json")" = '"cow":null' -a "$(j thp)" = null
# a bind of /proc is the live system (statfs: procfs), not a recorded tree
mkdir -p "$TMP/bind"
if unshare -m --propagation private sh -c \
	"mount --bind /proc '$TMP/bind' && '$FG' explain --json --procfs '$TMP/bind'" \
	>"$TMP/json" 2>"$TMP/e"; then
	# live: the container verdict known (a bool), THP and the mode as read
	# here, one object
	check explain-bind "--procfs on a bind of /proc: live, container $(j container), thp $(j thp) (here: ${thp:-none}), mode $(j overcommit_mode)" \
		bash -c '[ "$(wc -l <"$1")" = 1 ] && case $2 in true | false) ;; *) exit 1 ;; esac &&
			[ "$3" = "${4:-null}" ] && [ "$5" = "$(cat /proc/sys/vm/overcommit_memory)" ]' _ \
		"$TMP/json" "$(j container)" "$(j thp)" "$thp" "$(j overcommit_mode)"
else
	skip explain-bind "cannot bind /proc in a private mount namespace: $(head -c 100 "$TMP/e")"
fi
"$FG" explain --procfs "$TMP/nowhere" >"$TMP/o" 2>"$TMP/e"; rc=$?
check explain-exit-3 "unreadable policy: exit $rc, $(cat "$TMP/e")" \
	bash -c "[ $rc = 3 ] && [ \$(wc -l <'$TMP/e') = 1 ] && [ ! -s '$TMP/o' ]"
summary
