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

# the same through clone(2) without CLONE_VM: the child's step runs too
FORKGUARD_COW=protect FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/clone.log LD_PRELOAD="$LIB" "$F" 16 100 0 clone >"$TMP/clone.out" 2>&1
check cow-protect-clone "protect, clone without CLONE_VM: $(grep -o 'oom_score_adj.*' "$TMP/clone.out"), call $(json_get "$TMP/clone.log" call), cow_protect $(json_get "$TMP/clone.log" cow_protect)" \
	test "$(grep -o 'oom_score_adj [0-9-]*' "$TMP/clone.out")" = "oom_score_adj 1000" -a \
	"$(json_get "$TMP/clone.log" call)" = clone -a \
	"$(grep -c 'parent survived' "$TMP/clone.out")" = 1

# abort: the watcher thread follows the child; 8 MiB of room is below the
# 16 MiB margin: the child ends with SIGUSR1 at the first look, the line
# says so; with a 1 MiB margin it lives and its end is reported
FORKGUARD_COW=abort FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/abort.log LD_PRELOAD="$LIB" "$F" 16 2000 0 >"$TMP/abort.out" 2>&1
grep '"event":"child_end"' "$TMP/abort.log" >"$TMP/abort-end.json"
ab=$(cat "$TMP/abort-end.json")
check cow-abort "abort, 8 MiB of room: $(grep -o 'child killed.*' "$TMP/abort.out"); $ab" \
	test "$(grep -c 'child killed by signal 10' "$TMP/abort.out")" = 1 -a \
	"$(json_get "$TMP/abort-end.json" child_end)" = abort -a \
	"$(json_get "$TMP/abort-end.json" abort_signal)" = SIGUSR1 -a \
	"$(json_get "$TMP/abort-end.json" abort_room_kb)" = 8192 -a \
	"$(grep -c 'parent survived' "$TMP/abort.out")" = 1
# a child that catches SIGUSR1 and exits 255 (as Redis's save child does)
# ended by the guard's doing: an abort, its status an exit code
CATCH_USR1=1 FORKGUARD_COW=abort FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/catch.log LD_PRELOAD="$LIB" "$F" 16 2000 0 >"$TMP/catch.out" 2>&1
grep '"event":"child_end"' "$TMP/catch.log" >"$TMP/catch-end.json"
ca=$(cat "$TMP/catch-end.json")
check cow-abort-caught "abort, the child catches SIGUSR1: $(grep -o 'child exit.*' "$TMP/catch.out"); $ca" \
	test "$(grep -c 'child exit 255' "$TMP/catch.out")" = 1 -a \
	"$(json_get "$TMP/catch-end.json" child_end)" = abort -a \
	"$(json_get "$TMP/catch-end.json" child_status)" = 255 -a \
	"$(json_get "$TMP/catch-end.json" child_status_is)" = exit -a \
	"$(grep -c 'parent survived' "$TMP/catch.out")" = 1
# a child that ignores SIGUSR1: SIGKILL once the grace (0.5 s) is over
CATCH_USR1=ignore FORKGUARD_COW=abort FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/ign.log LD_PRELOAD="$LIB" "$F" 16 3000 0 >"$TMP/ign.out" 2>&1
grep '"event":"child_end"' "$TMP/ign.log" >"$TMP/ign-end.json"
ig=$(cat "$TMP/ign-end.json")
check cow-abort-kill "abort, the child ignores SIGUSR1: $(tr '\n' ';' <"$TMP/ign.out") child_end $(json_get "$TMP/ign-end.json" child_end), kill after $(json_get "$TMP/ign-end.json" abort_kill_seconds) s; $ig" \
	test "$(grep -c 'child killed by signal 9' "$TMP/ign.out")" = 1 -a \
	"$(json_get "$TMP/ign-end.json" child_end)" = abort -a \
	"$(json_get "$TMP/ign-end.json" abort_signal)" = SIGUSR1 -a \
	"$(awk -v s="$(json_get "$TMP/ign-end.json" abort_kill_seconds)" 'BEGIN { print (s + 0 >= 0.5) }')" = 1 -a \
	"$(grep -c 'parent survived' "$TMP/ign.out")" = 1
CATCH_USR1=ignore FORKGUARD_COW=abort FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/ignt.log \
	LD_PRELOAD="$LIB" "$F" 16 3000 0 >/dev/null 2>&1
check cow-abort-kill-text "the text line: $(grep -o 'aborted with [^:]*' "$TMP/ignt.log")" \
	grep -q 'aborted with SIGUSR1 after [0-9.]* s, then SIGKILL [0-9.]* s later: room left 8.0 MiB' "$TMP/ignt.log"
FORKGUARD_COW=abort FORKGUARD_COW_MARGIN=1 FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/follow.log LD_PRELOAD="$LIB" "$F" 16 300 0 >"$TMP/follow.out" 2>&1
grep '"event":"child_end"' "$TMP/follow.log" >"$TMP/follow-end.json"
fl=$(cat "$TMP/follow-end.json")
check cow-follow "abort, margin 1 MiB: $(grep -o 'child exit.*' "$TMP/follow.out"); $fl" \
	test "$(grep -c 'child exit 0' "$TMP/follow.out")" = 1 -a \
	"$(json_get "$TMP/follow-end.json" aborted)" = false -a \
	"$(json_get "$TMP/follow-end.json" watch_looks)" -ge 2
case $(json_get "$TMP/follow-end.json" child_end) in
exit | unknown) ;; # unknown: the host reaped it before the thread looked
*) fail cow-follow-end "child_end $(json_get "$TMP/follow-end.json" child_end)" ;;
esac
# the back-off: a shell forking after an abort - the first child is
# aborted, the next fork refused (ENOMEM) within FORKGUARD_COW_BACKOFF
mksys 256
FORKGUARD_COW=abort FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/backoff.log \
	LD_PRELOAD="$LIB" bash -c '(sleep 1); (:)' >"$TMP/backoff.out" 2>&1
check cow-backoff "abort then back-off: $(grep -c 'outcome refused' "$TMP/backoff.log") fork(s) refused, $(grep -c 'Cannot allocate memory' "$TMP/backoff.out") ENOMEM seen by bash; $(grep -o 'aborted with [A-Z0-9]*' "$TMP/backoff.log" | head -n 1)" \
	test "$(grep -c 'outcome refused' "$TMP/backoff.log")" = 1 -a \
	"$(grep -c 'Cannot allocate memory' "$TMP/backoff.out")" = 1 -a \
	"$(grep -c 'aborted with SIGUSR1' "$TMP/backoff.log")" = 1
FORKGUARD_COW=abort FORKGUARD_COW_BACKOFF=0 FORKGUARD_SYSFS=$TMP/sys FORKGUARD_LOG=$TMP/nobackoff.log \
	LD_PRELOAD="$LIB" bash -c '(sleep 1); (sleep 1)' >/dev/null 2>&1
check cow-backoff-0 "FORKGUARD_COW_BACKOFF=0: $(grep -c 'aborted with SIGUSR1' "$TMP/nobackoff.log") aborted, $(grep -c 'outcome refused' "$TMP/nobackoff.log") refused" \
	test "$(grep -c 'aborted with SIGUSR1' "$TMP/nobackoff.log")" = 2 -a \
	"$(grep -c 'outcome refused' "$TMP/nobackoff.log")" = 0

# the watcher's cost here (a made-up sysfs: a look is one pread of a file,
# as of memory.current): 64 MiB of room, a 2 s child followed (FOLLOW=all),
# the interval 47 ms (48 MiB over the margin at 1 GiB/s); printed, as a
# share of a core per second of child life
mksys 65536
FORKGUARD_COW=abort FORKGUARD_COW_FOLLOW=all FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/cost.log LD_PRELOAD="$LIB" "$F" 16 2000 0 >/dev/null 2>&1
grep '"event":"child_end"' "$TMP/cost.log" >"$TMP/cost-end.json"
cl=$(cat "$TMP/cost-end.json")
cpu=$(json_get "$TMP/cost-end.json" watch_cpu_us)
secs=$(json_get "$TMP/cost-end.json" child_seconds)
check cow-watch-cost "a 2 s child, 64 MiB of room: $(json_get "$TMP/cost-end.json" watch_looks) looks, ${cpu:-?} us of CPU in ${secs:-?} s: $(awk -v c="${cpu:-0}" -v s="${secs:-1}" 'BEGIN { printf "%.3f", c / (s * 1e6) * 100 }') % of a core" \
	test "$(json_get "$TMP/cost-end.json" watch_looks)" -ge 10 -a "$(json_get "$TMP/cost-end.json" aborted)" = false
# FOLLOW=all: every fork's child is followed, the fast path's too (a
# shell's later forks take it when they are ok)
FORKGUARD_COW=abort FORKGUARD_COW_FOLLOW=all FORKGUARD_SYSFS=$TMP/sys FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=$TMP/all.log LD_PRELOAD="$LIB" bash -c '(:); (:); (:); (:)' >/dev/null 2>&1
check cow-follow-all "a shell's 4 forks with 64 MiB of room: $(grep -c '"event":"child_end"' "$TMP/all.log") child_end line(s)" \
	test "$(grep -c '"event":"child_end"' "$TMP/all.log")" = 4

# what a fork cost, learned: the last fork of a shell states the copy its
# first child caused as the one to expect (null before any ended)
FORKGUARD_COW=abort FORKGUARD_COW_FOLLOW=all FORKGUARD_REPORT=all FORKGUARD_SYSFS=$TMP/sys \
	FORKGUARD_FORMAT=json FORKGUARD_LOG=$TMP/expect.log LD_PRELOAD="$LIB" \
	bash -c '(:); sleep 0.5; (:)' >/dev/null 2>&1
ex=$(grep '"event":"fork"' "$TMP/expect.log" | grep -o '"cow_expected_kb":[0-9a-z]*' | tr '\n' ' ')
check cow-expected "a shell's forks, in order: $ex" \
	test "${ex%% *}" = '"cow_expected_kb":null' -a "$(echo "$ex" | awk '{ print $NF }')" = '"cow_expected_kb":0'

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
# and up to how much the limit holds such a save: the room before the
# copies (lowest + peak) and the parent's size, over 1 + the share copied
j() { json_get "$TMP/watch.json" "$1"; }
want=$(python3 -c 'import sys; l, p, w = map(int, sys.argv[1:]); t = l + p + w; print(t // (w + p) * w + t % (w + p) * w // (w + p))' \
	"$(j lowest_headroom_kb)" "$(j peak_copy_kb)" "$(j worst_kb)" 2>/dev/null)
check watch-holds "holds_kb $(j holds_kb), from lowest $(j lowest_headroom_kb) + peak $(j peak_copy_kb) over worst $(j worst_kb): want ${want:-?}" \
	test -n "$want" -a "$(j holds_kb)" = "$want"
"$B/forkguard" watch 999999999 >/dev/null 2>"$TMP/watch.err"
rc=$?
check watch-no-pid "watch of no process: exit $rc, $(cat "$TMP/watch.err")" \
	test "$rc" = 3 -a -s "$TMP/watch.err"
summary
