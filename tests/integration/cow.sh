#!/usr/bin/env bash
# cow: the copy-on-write check in the library, on this host, against a
# recorded-layout sysfs tree made under $TMP (FORKGUARD_SYSFS): the guard
# reads the process's real /proc/self/cgroup and finds the same path there
# with a small limit.  No cgroup of this host is created or changed (the
# VM test, tests/vm/cow.sh, has the kernel's OOM killer act for real).
source "$(dirname "$0")/lib.sh"
F=$B/fixtures/cow_fork

# 8 MiB of room, 16 MiB dirty: a risk
mksys 8192
FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json FORKGUARD_LOG=$TMP/warn.log \
	LD_PRELOAD="$LIB" "$F" 16 100 0 >"$TMP/warn.out" 2>&1
check cow-risk "16 MiB dirty, 8 MiB of room in memcg $CGPATH: $(json_get "$TMP/warn.log" cow_verdict), worst $(json_get "$TMP/warn.log" cow_worst_kb) kB, headroom $(json_get "$TMP/warn.log" cow_headroom_kb) kB, limit $(json_get "$TMP/warn.log" cow_limit)" \
	test "$(json_get "$TMP/warn.log" cow_verdict)" = risk -a \
	"$(json_get "$TMP/warn.log" cow_headroom_kb)" = 8192 -a \
	"$(json_get "$TMP/warn.log" cow_worst_kb)" -ge 16384
check cow-warn-untouched "warn: the child's oom_score_adj is left alone ($(grep -o 'oom_score_adj.*' "$TMP/warn.out"))" \
	grep -q 'oom_score_adj 0$' "$TMP/warn.out"

FORKGUARD_COW=protect FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/protect.log LD_PRELOAD="$LIB" "$F" 16 100 0 >"$TMP/protect.out" 2>&1
check cow-protect "protect: $(grep -o 'oom_score_adj.*' "$TMP/protect.out"), cow_protect $(json_get "$TMP/protect.log" cow_protect), parent $(grep -c 'parent survived' "$TMP/protect.out")" \
	test "$(grep -o 'oom_score_adj [0-9-]*' "$TMP/protect.out")" = "oom_score_adj 1000" -a \
	"$(json_get "$TMP/protect.log" cow_protect)" = true

# 64 MiB of room: ok, quiet at the default level, the child untouched
mksys 65536
FORKGUARD_COW=protect FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/ok.log \
	LD_PRELOAD="$LIB" "$F" 16 100 0 >"$TMP/ok.out" 2>&1
check cow-ok-quiet "64 MiB of room: no report ($(cat "$TMP/ok.log" 2>/dev/null | wc -c) bytes), $(grep -o 'oom_score_adj.*' "$TMP/ok.out")" \
	test ! -s "$TMP/ok.log" -a "$(grep -o 'oom_score_adj [0-9-]*' "$TMP/ok.out")" = "oom_score_adj 0"
FORKGUARD_REPORT=all FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/okall.log \
	LD_PRELOAD="$LIB" "$F" 16 100 0 >/dev/null 2>&1
check cow-ok-line "REPORT=all: $(grep -o 'cow: [a-z]*, worst case [^,]*, headroom [^;]*' "$TMP/okall.log")" \
	grep -q 'cow: ok, worst case .*headroom 64.0 MiB (memcg .*)' "$TMP/okall.log"

# rate limit: a shell forking 3 times with 256 kB of room reports once
# (FORKGUARD_COW_INTERVAL 3600 s), three times with 0
mksys 256
for iv in 3600 0; do
	FORKGUARD_COW_INTERVAL=$iv FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/rate.$iv \
		LD_PRELOAD="$LIB" bash -c '(:); (:); (:)' 2>/dev/null
done
check cow-rate-limit "3 forks at risk: $(grep -c 'cow: risk' "$TMP/rate.3600") report(s) per hour, $(grep -c 'cow: risk' "$TMP/rate.0") with FORKGUARD_COW_INTERVAL=0" \
	test "$(grep -c 'cow: risk' "$TMP/rate.3600")" = 1 -a "$(grep -c 'cow: risk' "$TMP/rate.0")" = 3
# the interval ends: with 1 s, two forks at once report once, and one 1.2 s
# later reports again (sleep is a fork too, within the first second)
FORKGUARD_COW_INTERVAL=1 FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/rate.1 \
	LD_PRELOAD="$LIB" bash -c '(:); (:); sleep 1.2; (:)' 2>/dev/null
check cow-rate-window "FORKGUARD_COW_INTERVAL=1: 2 forks, then 1 after 1.2 s: $(grep -c 'cow: risk' "$TMP/rate.1") report(s) (want 2)" \
	test "$(grep -c 'cow: risk' "$TMP/rate.1")" = 2
FORKGUARD_COW=off FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/off.log \
	LD_PRELOAD="$LIB" bash -c '(:)' 2>/dev/null
check cow-off "FORKGUARD_COW=off: nothing reported ($(cat "$TMP/off.log" 2>/dev/null | wc -c) bytes)" \
	test ! -s "$TMP/off.log"

# forkguard watch: from outside, the child's peak copy (Private_Dirty)
"$F" 32 1500 1 >"$TMP/watched.out" 2>&1 &
wp=$!
sleep 0.3
"$B/forkguard" watch --json --count 1 --duration 20 "$wp" >"$TMP/watch.json" 2>&1
wait "$wp"
check watch-peak "cow_fork 32 MiB rewritten: $(cat "$TMP/watch.json")" \
	test "$(json_get "$TMP/watch.json" peak_copy_kb)" -gt 1024 -a \
	"$(json_get "$TMP/watch.json" worst_kb)" -ge 32768 -a \
	"$(json_get "$TMP/watch.json" samples)" -ge 1
"$B/forkguard" watch 999999999 >/dev/null 2>"$TMP/watch.err"
rc=$?
check watch-no-pid "watch of no process: exit $rc, $(cat "$TMP/watch.err")" \
	test "$rc" = 3 -a -s "$TMP/watch.err"
summary
