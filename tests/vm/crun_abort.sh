# crun_abort.sh - sourced by crun_redis_init.sh after its other cases: the
# FORKGUARD_COW=abort containers at the tight limit with oom.group=1.
#   abort      CRUN_SAVES BGSAVEs under the write load (save rule "3600 1",
#              which never fires here but makes Redis refuse writes with
#              MISCONF after a failed save); after each: Redis alive, DBSIZE
#              unchanged, a write accepted, no OOM kill.  Then the rule
#              "1 1" lets Redis retry by itself for RATE_S s under a
#              sustained load: forks, aborts, refused forks and MISCONF
#              replies per minute.
#   abortkill  FORKGUARD_COW_SIGNAL=SIGKILL: the save counts as failed,
#              and a write gets MISCONF.
# A library that does not know FORKGUARD_COW=abort fails these cases.
# Sets ABORT_SUMMARY.

# rlog PATTERN: how many lines of Redis's log match
rlog() { grep -c "$1" "$D/redis.log" 2>/dev/null; }
# aborts: the guard's abort lines so far
aborts() { grep -c '"event":"cow_abort"' "$D/guard.log" 2>/dev/null; }

if [ "${crun_abort:-0}" != 1 ]; then
	fail "abort: this library does not know FORKGUARD_COW=abort (crun_redis.sh probed it): the abort cases did not run"
	return 0
fi

# shellcheck disable=SC2086 # $GUARD: one word per variable
start abort "$TIGHT" "3600 1" $GUARD FORKGUARD_COW=abort
/fg/forkguard check "$RPID" >/run/check.txt 2>&1
while IFS= read -r l; do S "check: $l"; done </run/check.txt
ok=0 i=1
while [ "$i" -le "$SAVES" ]; do
	bgsave
	W=$(rcli SET probe "$i")
	S "abort save $i: '$BG', load '$LOAD', $MS ms: rdb_last_bgsave_status $BGST, Redis $UP," \
		"DBSIZE $D1, SET '$W', oom_kill so far $(($(fgev oom_kill) - K0)), guard aborts so far $(aborts)"
	if [ "$UP" != alive ]; then
		fail "abort save $i: the container died (killed: $(killed abort))"
		break
	fi
	[ "$D1" = $((D0 + 1)) ] || [ "$D1" = "$D0" ] || fail "abort save $i: DBSIZE $D0 -> $D1"
	[ "$W" = OK ] && ok=$((ok + 1))
	i=$((i + 1))
done
saved=$((i - 1))
N_ABORT=$(aborts) N_USR1=$(rlog 'terminated by signal 10')
N_DONE=$(rlog 'terminated with success') N_REFUSED=$(rlog "Can't save in background")
S "abort: $saved BGSAVEs: the guard aborted $N_ABORT (Redis: $N_USR1 'terminated by signal 10'), $N_DONE completed," \
	"$N_REFUSED refused at the fork; a write accepted after $ok of them"
S "abort: an abort line: $(grep '"event":"cow_abort"' "$D/guard.log" | head -n 1)"
[ "$N_ABORT" -ge 1 ] || fail "abort: the guard aborted no save"
[ "$ok" = "$saved" ] || fail "abort: writes refused after $((saved - ok)) of $saved saves (SIGUSR1 should keep them)"

# Redis's own rule retries: "1 1" (a change and a second since the last
# good save) under a sustained load for RATE_S s
if [ "$UP" = alive ]; then
	rcli CONFIG SET save "1 1" >/dev/null
	F0=$(info stats total_forks) A0=$(aborts) R0=$(rlog "Can't save in background")
	t0=$(now) errs=0 reps=0 rounds=0
	while [ $(($(now) - t0)) -lt $((RATE_S * 1000)) ] && up; do
		l=$(load)
		e=$(echo "$l" | sed -n 's/.*errors: \([0-9]*\).*/\1/p')
		r=$(echo "$l" | sed -n 's/.*replies: \([0-9]*\).*/\1/p')
		errs=$((errs + ${e:-0})) reps=$((reps + ${r:-0})) rounds=$((rounds + 1))
	done
	el=$(($(now) - t0))
	rcli CONFIG SET save "3600 1" >/dev/null
	FORKS=$(($(info stats total_forks) - F0)) RA=$(($(aborts) - A0))
	RR=$(($(rlog "Can't save in background") - R0))
	FPM=$((FORKS * 60000 / el))
	S "abort, Redis's own retries (save 1 1) for $el ms under $rounds rounds of the load: $FORKS forks ($FPM per minute)," \
		"$RA aborted, $RR refused at the fork; $errs of $reps writes refused"
	S "abort: Redis's log, last lines: $(tail -n 3 "$D/redis.log" | tr '\n' '|')"
fi
UP=dead
up && [ "$(rcli PING)" = PONG ] && UP=alive
D1=$(rcli DBSIZE)
AMETRIC=$(sed -n 's/^forkguard_cow_aborts_total \([0-9]*\).*/\1/p' "$D"/forkguard-*.prom 2>/dev/null | head -n 1)
stop
S "abort: at the end Redis was $UP with DBSIZE $D1 (filled: $D0, + 1 probe key);" \
	"forkguard_cow_aborts_total $AMETRIC; oom_kill $KILLS, oom_group_kill $GKILLS over the container's life"
[ "$UP" = alive ] && [ "$D1" = $((D0 + 1)) ] && [ "$KILLS" = 0 ] ||
	fail "abort: Redis $UP, DBSIZE $D1, oom_kill $KILLS"
[ "${AMETRIC:-0}" -ge "$N_ABORT" ] || fail "abort: forkguard_cow_aborts_total '$AMETRIC' < $N_ABORT abort lines"

# ---- abortkill: another signal, the save counts as failed ----------------
# shellcheck disable=SC2086
start abortkill "$TIGHT" "3600 1" $GUARD FORKGUARD_COW=abort FORKGUARD_COW_SIGNAL=SIGKILL
bgsave
W=$(rcli SET probe 1)
stop
S "abortkill (FORKGUARD_COW_SIGNAL=SIGKILL): '$BG', $MS ms: rdb_last_bgsave_status $BGST, Redis $UP, DBSIZE $D1," \
	"SET '$W'; guard aborts $(aborts); oom_kill $KILLS"
[ "$UP" = alive ] && [ "$BGST" = err ] && [ "$KILLS" = 0 ] && [ "$(aborts)" -ge 1 ] ||
	fail "abortkill: Redis $UP, save $BGST, oom_kill $KILLS, aborts $(aborts)"
case $W in MISCONF*) ;; *) fail "abortkill: a write after the failed save got '$W', want MISCONF" ;; esac
ABORT_SUMMARY="; abort: Redis alive after $saved saves ($N_ABORT aborted), no OOM kill, $FPM forks/min while retrying, writes ${ok}/$saved accepted; SIGKILL: MISCONF"
