# lib.sh - what the integration scripts add to tests/lib.sh (sourced): the
# host's facts for the mode-0 reproductions and a made-up sysfs tree.  A
# script named in FG_SKIP is not run.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
skipped "$(basename "$0" .sh)" && exit 0

# the host's facts for the mode-0 reproductions: the mode, RAM + swap
HOST_MODE=$(cat /proc/sys/vm/overcommit_memory)
RAM_SWAP_KB=$(awk '/^MemTotal:|^SwapTotal:/ { kb += $2 } END { print kb }' /proc/meminfo)
# the merged-VMA sizes from them: two adjacent BIG_GIB mappings, each
# under RAM + swap, merge into one VMA over it (refused in mode 0, 5.2+);
# two SMALL_GIB ones stay under it together
BIG_GIB=$((RAM_SWAP_KB / 2 / 1048576 + 1))
SMALL_GIB=$((BIG_GIB / 2 > 0 ? BIG_GIB / 2 : 1))
# rule_5_2: the running kernel is 5.2 or later, where mode 0 refuses a
# single VMA larger than RAM + swap
rule_5_2() {
	local v maj min
	v=$(uname -r)
	maj=${v%%.*} v=${v#*.} min=${v%%.*}
	[ "$maj" -gt 5 ] || { [ "$maj" -eq 5 ] && [ "$min" -ge 2 ]; }
}
# mksys ROOM_KB: a made-up sysfs tree, $TMP/sys (FORKGUARD_SYSFS), where
# this shell's memory cgroup has ROOM_KB under a 100 MiB limit and 4 OOM
# kills so far (no cgroup of this host is created or changed); sets CGPATH
mksys() {
	local line path d
	rm -rf "$TMP/sys"
	mkdir -p "$TMP/sys/kernel/mm/transparent_hugepage"
	echo 'always madvise [never]' >"$TMP/sys/kernel/mm/transparent_hugepage/enabled"
	if line=$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup); then
		path=${line#*:*:}
		d=$TMP/sys/fs/cgroup/memory$path
		mkdir -p "$d"
		echo $((100 << 20)) >"$d/memory.limit_in_bytes"
		echo $(((100 << 20) - $1 * 1024)) >"$d/memory.usage_in_bytes"
		printf 'oom_kill_disable 0\nunder_oom 0\noom_kill 4\n' >"$d/memory.oom_control"
	else
		path=$(sed -n 's/^0:://p' /proc/self/cgroup)
		d=$TMP/sys/fs/cgroup$path
		mkdir -p "$d"
		echo $((100 << 20)) >"$d/memory.max"
		echo $(((100 << 20) - $1 * 1024)) >"$d/memory.current"
		echo 0 >"$d/memory.swap.max"
		echo 0 >"$d/memory.oom.group"
		printf 'low 0\nhigh 0\nmax 4\noom 4\noom_kill 4\n' >"$d/memory.events"
	fi
	CGPATH=$path
}
