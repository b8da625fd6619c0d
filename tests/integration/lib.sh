# lib.sh - shared helpers for the integration scripts (sourced).
# Each check prints "PASS name: detail", "FAIL name: detail" or "SKIP name:
# reason"; summary() prints the closing "N passed, N failed, N skipped" line
# and sets the exit status.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# FG_BUILD: another build tree (build/asan); FG_LIB: what LD_PRELOAD gets,
# e.g. "libasan.so build/asan/libforkguard.so" (make test-asan sets both)
B=${FG_BUILD:-$TOP/build}
LIB=${FG_LIB:-$B/libforkguard.so}
# FG_SKIP: checks or whole scripts (by name) that cannot hold in this build,
# reported as SKIP with FG_SKIP_WHY and not run
skipped() {
	case " ${FG_SKIP:-} " in
	*" $1 "*) skip "$1" "${FG_SKIP_WHY:-not run in this build}" ;;
	*) return 1 ;;
	esac
}
PASSED=0
FAILED=0
SKIPPED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $1: $2"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $1: $2"; }
skipped "$(basename "$0" .sh)" && exit 0
TMP=$(mktemp -d /tmp/fg-it.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

check() { # check NAME DETAIL COMMAND...
	local name=$1 detail=$2
	shift 2
	skipped "$name" && return
	if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; fi
}
summary() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
}
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
source "$TOP/tests/json.sh" # json_get FILE KEY
# a free TCP port on 127.0.0.1
free_port() {
	local p
	for p in $(seq 20000 20100 | shuf); do
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
	done
	echo 0
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
