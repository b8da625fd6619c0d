# crun_abort.sh - sourced by crun_redis_init.sh after its other cases: the
# FORKGUARD_COW=abort containers at the tight limit with oom.group=1, each
# with Redis's save rule "3600 1" (it never fires here, but with it Redis
# refuses writes with MISCONF after a failed save, as with Debian's config).
#   abort      the defaults (SIGUSR1, back-off 30 s): DSAVES BGSAVEs under the
#              write load, then Redis's own retries (rule "1 1") for RATE_S
#              s under a sustained load.  Redis alive, DBSIZE kept, no OOM
#              kill; a write accepted after the abort; the forks after the
#              first abort at most one per back-off (30 s, doubling).
#   abort0     FORKGUARD_COW_BACKOFF=0: every one of SAVES saves aborted,
#              a write accepted after each; Redis's own retries for RATE0_S
#              s, measured (what the back-off prevents).
#   abortnostop  the defaults with Redis's stop-writes-on-bgsave-error no:
#              every write accepted, the forks at risk bounded as above.
#   abortkill  FORKGUARD_COW_SIGNAL=SIGKILL: the save counts as failed, a
#              write gets MISCONF.
# A library that does not know FORKGUARD_COW=abort fails these cases.
# Sets ABORT_SUMMARY.

# rlog PATTERN: how many lines of Redis's log match
rlog() { grep -c "$1" "$D/redis.log" 2>/dev/null; }
# the guard's abort ends, and its forks refused in a back-off, so far
aborts() { grep -c '"aborted":true' "$D/guard.log" 2>/dev/null; }
refused() { grep -c '"cow_backoff_s":[0-9]' "$D/guard.log" 2>/dev/null; }
# ends: the guard's child_end lines summed up: how they ended, the signal,
# the room left and the margin at the aborts, the copy then, the watcher's
# CPU time per second of child life
ends() {
	awk 'function v(k,  r) { if (!match($0, "\"" k "\":\"?[^\",}]*")) return ""
		r = substr($0, RSTART, RLENGTH); sub(/.*:"?/, "", r); return r }
	function mm(k, x) { x += 0; if (!(k in lo) || x < lo[k]) lo[k] = x; if (!(k in hi) || x > hi[k]) hi[k] = x }
	/"event":"child_end"/ { n++; c[v("child_end")]++; s += v("child_seconds"); cpu += v("watch_cpu_us")
		if (v("aborted") == "true") { na++; sig[v("abort_signal")]++; mm("r", v("abort_room_kb"))
			mm("m", v("abort_margin_kb")); mm("c", v("abort_copy_kb")); mm("t", v("abort_seconds")) } }
	END { printf "%d child ends (", n; for (k in c) printf " %s %d", k, c[k]
		printf " ); signals"; for (k in sig) printf " %s %d", k, sig[k]
		if (na) printf "; at the %d aborts: room %d-%d kB, margin %d-%d kB, copied %d-%d kB after %s-%s s", na, lo["r"], hi["r"], lo["m"], hi["m"], lo["c"], hi["c"], lo["t"], hi["t"]
		if (s > 0) printf "; watcher CPU %.0f us per s of child life (%.2f %% of a core)", cpu / s, cpu / s / 1e4 }' "$D/guard.log"
}

# saves N: N BGSAVEs under the load, a write after each.  Sets SEQ (one
# letter a save, from Redis's log: A ended by a signal, R refused at the
# fork, D done, X the container died, ? else), WOK and WMISCONF (the
# writes' replies), W1 (the first), T_ABORT1 (when the first A was seen)
saves() {
	SEQ= WOK=0 WMISCONF=0 n=1
	while [ $n -le "$1" ]; do
		a0=$(rlog 'terminated by signal') r0=$(rlog "Can't save in background") d0=$(rlog 'terminated with success')
		# while Redis refuses writes (MISCONF) the load could copy
		# nothing: the save runs without it (a lower-case letter)
		# (and at full speed: no rdb-key-save-delay)
		case $(rcli SETRANGE live:0 0 y) in MISCONF*) NOLOAD=1 ;; *) NOLOAD= ;; esac
		[ -n "$NOLOAD" ] && rcli CONFIG SET rdb-key-save-delay 0 >/dev/null
		bgsave
		rcli CONFIG SET rdb-key-save-delay "$DELAY" >/dev/null
		W=$(rcli SET probe "$n")
		if [ "$UP" != alive ]; then x=X
		elif [ "$(rlog 'terminated by signal')" -gt "$a0" ]; then x=A
		elif [ "$(rlog "Can't save in background")" -gt "$r0" ]; then x=R
		elif [ "$(rlog 'terminated with success')" -gt "$d0" ]; then x=D
		else x="?"; fi
		[ -n "$NOLOAD" ] && x=$(echo $x | tr 'ARDX?' 'ardx!')
		[ $x = A ] && [ -z "${T_ABORT1:-}" ] && T_ABORT1=$(now)
		SEQ="$SEQ$x"
		case $W in OK) WOK=$((WOK + 1)) ;; MISCONF*) WMISCONF=$((WMISCONF + 1)) ;; esac
		[ "$n" = 1 ] && W1=$W
		case $x in [Xx])
			fail "$NAME save $n: the container died (killed: $(killed "$NAME"); $(oomstat "$NAME"))"
			S "$NAME: the guard's last line: $(tail -n 1 "$D/guard.log" | cut -c 1-1500)"
			break ;;
		esac
		[ "$D1" = "$D0" ] || [ "$D1" = $((D0 + 1)) ] || fail "$NAME save $n: DBSIZE $D0 -> $D1"
		n=$((n + 1))
	done
	S "$NAME: $((n - 1)) BGSAVEs under the load, outcomes $SEQ (A ended by the guard's signal, R refused at the fork, D done; lower case: no load, Redis refused writes);" \
		"writes after them: $WOK OK, $WMISCONF MISCONF; last rdb_last_bgsave_status $BGST, DBSIZE $D1"
}

# retries SECONDS: Redis's own rule "1 1" under a sustained load (rounds
# of the load, one after another).  Sets FORKS RFORKS (refused) RA (aborts)
# FPM (forks per minute) ERRS REPS (the load's refused and all replies)
retries() {
	rcli CONFIG SET save "1 1" >/dev/null
	f0=$(info stats total_forks) a0=$(aborts) r0=$(refused)
	t0=$(now) ERRS=0 REPS=0
	while [ $(($(now) - t0)) -lt $(($1 * 1000)) ] && up; do
		l=$(load)
		e=$(echo "$l" | sed -n 's/.*errors: \([0-9]*\).*/\1/p')
		r=$(echo "$l" | sed -n 's/.*replies: \([0-9]*\).*/\1/p')
		ERRS=$((ERRS + ${e:-0})) REPS=$((REPS + ${r:-0}))
	done
	el=$(($(now) - t0))
	if ! up; then
		FORKS=? RA=? RFORKS=? FPM=?
		fail "$NAME: the container died during Redis's retries (killed: $(killed "$NAME"))"
		return
	fi
	rcli CONFIG SET save "3600 1" >/dev/null
	FORKS=$(($(info stats total_forks) - f0)) RA=$(($(aborts) - a0)) RFORKS=$(($(refused) - r0))
	FPM=$(awk -v f="$FORKS" -v t="$el" 'BEGIN { printf "%.1f", f * 60000 / t }')
	S "$NAME, Redis's own retries (save 1 1) for $el ms under the load: $FORKS forks ($FPM per minute), $RA aborted," \
		"$RFORKS refused at the fork (back-off); $ERRS of $REPS writes refused"
}

# finish: Redis alive, DBSIZE kept, no OOM kill over the container's life;
# a last BGSAVE without the load (a fork: the metrics file is written
# after it, refused or not) for forkguard_cow_aborts_total
finish() {
	NA=$(aborts)
	rcli CONFIG SET rdb-key-save-delay 0 >/dev/null
	up && BG=$(rcli BGSAVE) && j=0 &&
		while [ $j -lt 300 ] && up && [ "$(info persistence rdb_bgsave_in_progress)" != 0 ]; do
			sleep 0.1
			j=$((j + 1))
		done
	alive
	D1=$(rcli DBSIZE)
	FLAST=$(info stats total_forks)
	AMETRIC=$(awk '$1 ~ /^forkguard_cow_aborts_total/ { print $NF }' "$D"/forkguard-*.prom 2>/dev/null | head -n 1)
	stop
	S "$NAME: at the end Redis $UP, DBSIZE $D1 (filled $D0, + 1 probe key), $FLAST forks in all," \
		"forkguard_cow_aborts_total $AMETRIC; oom_kill $KILLS, oom_group_kill $GKILLS; guard: $(ends)"
	[ "$UP" = alive ] && [ "$KILLS" = 0 ] && { [ "$D1" = "$D0" ] || [ "$D1" = $((D0 + 1)) ]; } ||
		fail "$NAME: Redis $UP, DBSIZE $D0 -> $D1, oom_kill $KILLS"
	# the guard's signal ended the child even when the child caught it:
	# Redis's child catches SIGUSR1 and exits 255 ("Received SIGUSR1 in
	# child, exiting now."), which its parent counts as SIGUSR1
	ne=$(grep '"aborted":true' "$D/guard.log" | grep -vc '"child_end":"abort"')
	[ "$ne" = 0 ] || fail "$NAME: $ne children the guard aborted are reported as child_end '$(grep '"aborted":true' \
		"$D/guard.log" | grep -v '"child_end":"abort"' | sed -n 's/.*"child_end":"\([a-z_]*\)".*/\1/p' | sort -u | tr '\n' ' ')'" \
		"(Redis logged 'Received SIGUSR1 in child' $(rlog 'Received SIGUSR1 in child') times)"
	[ "${AMETRIC:-0}" -ge "$NA" ] || fail "$NAME: forkguard_cow_aborts_total '$AMETRIC' after $NA aborts"
	if grep -q '"child_end":"oom_kill"' "$D/guard.log"; then fail "$NAME: a child_end oom_kill"; fi
}

if [ "${crun_abort:-0}" != 1 ]; then
	fail "abort: this library does not know FORKGUARD_COW=abort (crun_redis.sh probed it): the abort cases did not run"
	return 0
fi

# ---- abort: the defaults ----------------------------------------------------
# shellcheck disable=SC2086 # $GUARD: one word per variable
start abort "$TIGHT" "3600 1" $GUARD FORKGUARD_COW=abort FORKGUARD_METRICS_INTERVAL=0
/fg/forkguard check "$RPID" >/run/check.txt 2>&1
while IFS= read -r l; do S "check: $l"; done </run/check.txt
T_ABORT1= F0=$(info stats total_forks)
saves "$DSAVES"
S "abort: the first abort line: $(grep '"aborted":true' "$D/guard.log" | head -n 1)"
S "abort: Redis's log: $(grep -E 'terminated|fork' "$D/redis.log" | head -n 2 | tr '\n' '|')"
case $SEQ in A*) ;; *) fail "abort: the first save was not aborted ($SEQ)" ;; esac
[ "$W1" = OK ] || fail "abort: the write after the aborted save got '$W1' (SIGUSR1 keeps writes)"
case $SEQ in *[Xx?!]*) fail "abort: a save neither aborted, refused nor done: $SEQ" ;; esac
retries "$RATE_S"
DEF_FPM=$FPM DEF_ERRS=$ERRS DEF_REPS=$REPS DEF_SEQ=$SEQ DEF_W="$WOK OK, $WMISCONF MISCONF"
# the bound: from the first abort on, a fork at risk only once a back-off
# is over (30 s, then 60, 120 ...): at most 1 + elapsed / 30 s aborted
# children after the first.  A fork judged ok (the room came back while
# the load paused) goes on and ends the back-off: it is safe, not bounded
span=$(($(now) - ${T_ABORT1:-$(now)}))
forks=$(($(info stats total_forks) - F0 - 1))
after=$(($(grep -c '"child_end":"abort"' "$D/guard.log") - 1))
up || after=0
S "abort: $after more forks at risk (aborted) in the $span ms after the first abort, $forks forks in all (the others judged ok); the back-off allows at most $((1 + span / 30000)) at risk"
[ "$after" -le $((1 + span / 30000)) ] || fail "abort: $after forks at risk in $span ms after the first abort"
finish
DEF_ENDS=$(ends)

# ---- abortnostop: the defaults, and Redis told to keep writes on a failed save
# (stop-writes-on-bgsave-error no): writable and bounded
# shellcheck disable=SC2086
start abortnostop "$TIGHT" "3600 1" $GUARD FORKGUARD_COW=abort FORKGUARD_METRICS_INTERVAL=0
rcli CONFIG SET stop-writes-on-bgsave-error no >/dev/null
T_ABORT1= F0=$(info stats total_forks)
saves "$DSAVES"
[ "$WMISCONF" = 0 ] || fail "abortnostop: $WMISCONF writes got MISCONF with stop-writes-on-bgsave-error no"
case $SEQ in A*) ;; *) fail "abortnostop: the first save was not aborted ($SEQ)" ;; esac
retries "$RATE_S"
[ "$ERRS" = 0 ] || fail "abortnostop: $ERRS of $REPS writes refused on Redis's retries"
span=$(($(now) - ${T_ABORT1:-$(now)}))
after=$(($(grep -c '"child_end":"abort"' "$D/guard.log") - 1))
up || after=0
S "abortnostop: $after more forks at risk (aborted) in the $span ms after the first abort; the back-off allows at most $((1 + span / 30000))"
[ "$after" -le $((1 + span / 30000)) ] || fail "abortnostop: $after forks at risk in $span ms after the first abort"
NOSTOP="saves $SEQ, writes $WOK OK + $REPS on the retries, $ERRS refused, $FPM forks/min"
finish

# ---- abort0: no back-off: every save aborted ---------------------------------
# shellcheck disable=SC2086
start abort0 "$TIGHT" "3600 1" $GUARD FORKGUARD_COW=abort FORKGUARD_COW_BACKOFF=0 FORKGUARD_METRICS_INTERVAL=0
saves "$SAVES"
N0=$(aborts)
[ "$SEQ" = "$(printf "%${SAVES}s" | tr ' ' A)" ] || fail "abort0: not every save aborted: $SEQ"
[ "$WOK" = "$SAVES" ] || fail "abort0: writes refused after $((SAVES - WOK)) of $SAVES aborted saves"
retries "$RATE0_S"
NOBO_FPM=$FPM
finish

# ---- abortkill: another signal, the save counts as failed -------------------
# shellcheck disable=SC2086
start abortkill "$TIGHT" "3600 1" $GUARD FORKGUARD_COW=abort FORKGUARD_COW_SIGNAL=SIGKILL FORKGUARD_METRICS_INTERVAL=0
bgsave
W=$(rcli SET probe 1)
KSIG=$(grep '"aborted":true' "$D/guard.log" | sed -n 's/.*"abort_signal":"\([A-Z0-9]*\)".*/\1/p' | head -n 1)
S "abortkill (FORKGUARD_COW_SIGNAL=SIGKILL): '$BG', $MS ms: rdb_last_bgsave_status $BGST, the guard's signal $KSIG," \
	"SET '$W'; Redis's log: $(grep -E 'terminated' "$D/redis.log" | head -n 1)"
[ "$BGST" = err ] && [ "$KSIG" = SIGKILL ] || fail "abortkill: save $BGST, signal '$KSIG'"
case $W in MISCONF*) ;; *) fail "abortkill: a write after the failed save got '$W', want MISCONF" ;; esac
finish

ABORT_SUMMARY="; abort (SIGUSR1, back-off 30 s): saves $DEF_SEQ, writes $DEF_W, $DEF_FPM forks/min on Redis's retries ($DEF_ERRS of $DEF_REPS writes refused), no OOM kill; with stop-writes-on-bgsave-error no: $NOSTOP; back-off 0: $N0 of $SAVES saves aborted, writes kept, $NOBO_FPM forks/min; SIGKILL: MISCONF"
