#!/bin/sh
# cow_init.sh - /init of the initramfs tests/vm/cow.sh boots (see there).
# Summary lines start with "@@S ", the verdict line is "cow vm: ...".
# Kernel command line parameters: cow_mb cow_runs cow_bare cow_redis_mb
# cow_always_runs cow_thp cow_redis_runs cow_redis_dir cow_abort_runs
# cow_roomy_runs cow_abort_mb cow_only.
RUN_FS=tmpfs
. /fg/vm_setup.sh
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
CG=/sys/fs/cgroup
mount -t cgroup2 none $CG
echo +memory >$CG/cgroup.subtree_control

N=${cow_mb:-64}
RUNS=${cow_runs:-10}
BARE=${cow_bare:-3}
RMB=${cow_redis_mb:-96}
ALWAYS=${cow_always_runs:-10}
THP=/sys/kernel/mm/transparent_hugepage/enabled
THP0=$(sed 's/.*\[\(.*\)\].*/\1/' $THP)
# THP madvise (what Redis asks for) for every asserted case; the kernel's
# own default (always, on Debian's cloud kernels) is measured apart: there
# a killed child's huge pages are freed late (below)
echo "${cow_thp:-madvise}" >$THP
LIB=/fg/libforkguard.so
status=0
S() { echo "@@S $*"; }
fail() { S "FAIL: $*"; status=1; fails="${fails:-}; $*"; }
ev() { awk -v k="$2" '$1 == k { print $2 }' "$1/memory.events"; }
now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
json() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$2" | head -n 1; }
# first_adj GROUP: the oom_score_adj of the first process the OOM killer
# took in GROUP (dmesg), "" if none
first_adj() {
	dmesg | awk -v g="oom_memcg=/$1," 'index($0, g) { f = 1; next }
		f && /Killed process/ { sub(/.*oom_score_adj:/, ""); print $1; exit }'
}
# The protection's contract is the first victim: the child (adj 1000).
# Whether the parent then lives is the kernel's: a second OOM kill can come
# within milliseconds of the first, before the dead child's memory is all
# uncharged (measured: 2 of about 100 Redis saves, 0 of 70 cow_fork runs
# with THP madvise, 2 of 40 with THP always).  So every run asserts the
# first victim, and the parent's survival is asserted in all runs but two.

# run_one NAME MAX_KB MODE: cow_fork N MiB in a fresh group; R_* results
run_one() {
	g=$CG/$1
	mkdir "$g"
	echo $(($2 * 1024)) >"$g/memory.max"
	echo 0 >"$g/memory.swap.max" 2>/dev/null
	sh -c "echo \$\$ >$g/cgroup.procs; exec env LD_PRELOAD=$LIB \
		FORKGUARD_COW=$3 FORKGUARD_FORMAT=json FORKGUARD_REPORT=all \
		FORKGUARD_LOG=/run/$1.log /fg/cow_fork $N 5000 1" >/run/$1.out 2>&1
	R_RC=$?
	sleep 5	# the child's sleep, if the parent was the one killed
	R_KILLS=$(ev "$g" oom_kill)
	R_VERDICT=$(json cow_verdict /run/$1.log)
	R_WORST=$(json cow_worst_kb /run/$1.log)
	R_ROOM=$(json cow_headroom_kb /run/$1.log)
	R_PARENT=dead
	grep -q 'parent survived' /run/$1.out && R_PARENT=alive
	R_CHILD=alive
	grep -q 'child killed by signal 9' /run/$1.out && R_CHILD=killed
	[ $R_PARENT = dead ] && R_CHILD=unknown
	R_ADJ=$(sed -n 's/^child [0-9]* oom_score_adj //p' /run/$1.out)
	rmdir "$g" 2>/dev/null
}

echo "@@BEGIN $(uname -r)"
S "kernel $(uname -r), cgroup v2, MemTotal $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB, no swap;" \
	"THP $(cat $THP) (the kernel's default: $THP0)"

# ---- 1. cow_fork: N MiB dirty, memory.max 1.5 N --------------------------
MAX=$((N * 1024 * 3 / 2))
if [ "${cow_only:-}" != abort ]; then
pk=0 ck=0 i=1
while [ $i -le "$BARE" ]; do
	run_one bare$i $MAX warn
	S "warn run $i: memory.max $MAX kB: cow $R_VERDICT (worst $R_WORST kB, headroom $R_ROOM kB);" \
		"oom_kill $R_KILLS; parent $R_PARENT (exit $R_RC), child $R_CHILD, child adj $R_ADJ"
	[ "$R_VERDICT" = risk ] || fail "warn run $i: cow verdict '$R_VERDICT', want risk"
	[ "${R_KILLS:-0}" -ge 1 ] || fail "warn run $i: no OOM kill in memory.events"
	[ $R_PARENT = dead ] && pk=$((pk + 1))
	[ $R_CHILD = killed ] && ck=$((ck + 1))
	i=$((i + 1))
done
S "without protection (warn): the parent was killed in $pk of $BARE runs, the child in $ck"
ok=0 i=1
while [ $i -le "$RUNS" ]; do
	run_one prot$i $MAX protect
	adj1=$(first_adj prot$i)
	S "protect run $i: cow $R_VERDICT; oom_kill $R_KILLS; first victim's adj $adj1; parent $R_PARENT, child $R_CHILD (adj $R_ADJ)"
	[ "$R_VERDICT" = risk ] && [ "$adj1" = 1000 ] && [ "$R_ADJ" = 1000 ] ||
		fail "protect run $i: verdict $R_VERDICT, first victim's adj '$adj1', child adj $R_ADJ"
	if [ $R_PARENT = alive ] && [ $R_CHILD = killed ]; then
		ok=$((ok + 1))
	else
		dmesg | grep -E 'oom-kill:|Killed process' | tail -n 4 |
			while IFS= read -r l; do S "  dmesg: $l"; done
	fi
	i=$((i + 1))
done
S "FORKGUARD_COW=protect: the child was the first victim in every run; parent alive and child OOM-killed in $ok of $RUNS runs"
[ "$ok" -ge $((RUNS - 2)) ] || fail "protect: the parent survived in only $ok of $RUNS runs"
# THP always: the protection still makes the child the first victim, but
# the OOM killer may take the parent a moment later (2 ms in dmesg; our
# reading: the dead child frees little at once, as the parent's partly
# copied huge pages stay whole until the deferred split).  Measured and stated, asserted only for the
# first victim (dmesg: the first kill in the group had oom_score_adj 1000).
echo always >$THP
alive=0 first=0 i=1
while [ $i -le "$ALWAYS" ]; do
	run_one alw$i $MAX protect
	adj1=$(first_adj alw$i)
	[ $R_PARENT = alive ] && alive=$((alive + 1))
	[ "$adj1" = 1000 ] && first=$((first + 1))
	[ "$R_VERDICT" = risk ] && [ "$adj1" = 1000 ] ||
		fail "THP always run $i: verdict $R_VERDICT, first victim's oom_score_adj '$adj1'"
	i=$((i + 1))
done
S "THP always, protect: the child was the first victim in $first of $ALWAYS runs; the parent survived in $alive (a second kill took it in the others)"
echo "${cow_thp:-madvise}" >$THP
run_one roomy $((N * 1024 * 3)) protect
S "memory.max 3 N: cow $R_VERDICT (worst $R_WORST kB, headroom $R_ROOM kB), oom_kill $R_KILLS," \
	"parent $R_PARENT, child $R_CHILD (adj $R_ADJ)"
[ "$R_VERDICT" = ok ] && [ "${R_KILLS:-1}" = 0 ] && [ $R_PARENT = alive ] && [ "$R_ADJ" = 0 ] ||
	fail "3 N: verdict $R_VERDICT, oom_kill $R_KILLS, parent $R_PARENT, adj $R_ADJ"

fi # section 1

# ---- 1b. FORKGUARD_COW=abort: no OOM kill at all -------------------------
# cow_fork AN MiB (cow_abort_mb, 128), the parent rewriting every page
# during a 2 s child, at memory.max 1.5 AN (risk) and 3 AN (room: followed too, FOLLOW=all), with
# memory.oom.group 1 and 0, THP madvise and always, ABORT runs each: the
# child ended by SIGUSR1 before the limit, no OOM kill (memory.events), the
# parent alive; with room, no abort.  The watcher's CPU per second of child
# life and its reaction (room at the abort against the margin) summed up.
AB=${cow_abort_runs:-20}
RM=${cow_roomy_runs:-20}
# the issue's own case is 200 MiB dirty at 150 %; 128 MiB here (the room
# 64 MiB, the margin 16 MiB and more)
AN=${cow_abort_mb:-128}
AMAX=$((AN * 1024 * 3 / 2))
# run_abort NAME MAX_KB OOMGROUP SLEEP_MS: one run; A_* results
run_abort() {
	g=$CG/$1
	mkdir "$g"
	echo $(($2 * 1024)) >"$g/memory.max"
	echo 0 >"$g/memory.swap.max" 2>/dev/null
	echo "$3" >"$g/memory.oom.group"
	sh -c "echo \$\$ >$g/cgroup.procs; exec env LD_PRELOAD=$LIB \
		FORKGUARD_COW=abort FORKGUARD_COW_FOLLOW=all FORKGUARD_FORMAT=json FORKGUARD_REPORT=all \
		FORKGUARD_LOG=/run/$1.log /fg/cow_fork $AN $4 1" >/run/$1.out 2>&1
	A_KILLS=$(ev "$g" oom_kill)
	A_PARENT=dead
	grep -q 'parent survived' /run/$1.out && A_PARENT=alive
	A_CHILD=$(sed -n 's/^child \(killed by signal [0-9]*\|exit [0-9]*\)$/\1/p' /run/$1.out)
	A_END=$(json child_end /run/$1.log)
	A_SIG=$(json abort_signal /run/$1.log)
	A_ROOM=$(json abort_room_kb /run/$1.log)
	A_MARGIN=$(json abort_margin_kb /run/$1.log)
	A_KILL=$(json abort_kill_seconds /run/$1.log)
	A_MIN=$(json room_min_kb /run/$1.log)
	A_CPU=$(json watch_cpu_us /run/$1.log)
	A_SECS=$(json child_seconds /run/$1.log)
	A_COPY=$(json child_copy_kb /run/$1.log)
	A_LOOKS=$(json watch_looks /run/$1.log)
	A_VERDICT=$(json cow_verdict /run/$1.log)
	rmdir "$g" 2>/dev/null
}
ab_total=0 ab_ok=0 rm_total=0 rm_ok=0 cpu_ab=0 life_ab=0 cpu_rm=0 life_rm=0 looks_rm=0
below_min=999999999 below_max=0 least=999999999
for thp in madvise always; do
	echo $thp >$THP
	for og in 1 0; do
		aok=0 i=1
		while [ $i -le "$AB" ]; do
			run_abort ab-$thp-$og-$i $AMAX $og 2000
			ms=$(echo "$A_SECS" | awk '{ printf "%d", $1 * 1000 }')
			S "abort THP $thp oom.group $og run $i: cow $A_VERDICT; child $A_CHILD ($A_END $A_SIG$([ "${A_KILL:-null}" = null ] || echo " then SIGKILL") after $ms ms, copy $A_COPY kB);" \
				"room at the abort $A_ROOM kB, margin $A_MARGIN kB, least $A_MIN kB; $A_LOOKS looks, $A_CPU us CPU;" \
				"oom_kill $A_KILLS; parent $A_PARENT"
			if [ "$A_VERDICT" = risk ] && [ "${A_KILLS:-1}" = 0 ] && [ $A_PARENT = alive ] &&
				[ "$A_END" = abort ] && { [ "$A_CHILD" = "killed by signal 10" ] ||
				{ [ "$A_CHILD" = "killed by signal 9" ] && [ "${A_KILL:-null}" != null ]; }; }; then
				aok=$((aok + 1))
			else
				fail "abort THP $thp oom.group $og run $i: verdict $A_VERDICT, oom_kill $A_KILLS, parent $A_PARENT, child $A_CHILD, end $A_END"
				# what the guard wrote, and the kernel's times of the kills
				S "  guard log: $(wc -l </run/ab-$thp-$og-$i.log) line(s); $(cut -c1-160 /run/ab-$thp-$og-$i.log | tail -n 1)"
				dmesg | grep -E 'Killed process|oom-kill:' | tail -n 3 | while IFS= read -r l; do S "  dmesg: $l"; done
			fi
			cpu_ab=$((cpu_ab + ${A_CPU:-0}))
			life_ab=$((life_ab + ${ms:-0}))
			d=$((${A_MARGIN:-0} - ${A_ROOM:-0}))
			[ $d -lt $below_min ] && below_min=$d
			[ $d -gt $below_max ] && below_max=$d
			[ "${A_MIN:-0}" -lt $least ] && least=${A_MIN:-0}
			i=$((i + 1))
		done
		ab_total=$((ab_total + AB))
		ab_ok=$((ab_ok + aok))
		S "abort, THP $thp, memory.oom.group $og: $aok of $AB runs with the child aborted, no OOM kill, the parent alive"
		aok=0 i=1
		while [ $i -le "$RM" ]; do
			run_abort rm-$thp-$og-$i $((AN * 1024 * 3)) $og 1000
			ms=$(echo "$A_SECS" | awk '{ printf "%d", $1 * 1000 }')
			if [ "$A_VERDICT" = ok ] && [ "${A_KILLS:-1}" = 0 ] && [ $A_PARENT = alive ] &&
				[ "$A_CHILD" = "exit 0" ] && [ -z "$A_SIG" ] && [ -n "$A_END" ]; then
				aok=$((aok + 1))
			else
				fail "room 300 % THP $thp oom.group $og run $i: verdict $A_VERDICT, oom_kill $A_KILLS, parent $A_PARENT, child $A_CHILD, end $A_END $A_SIG"
			fi
			[ $i = 1 ] && S "room 300 % THP $thp oom.group $og run 1: cow $A_VERDICT; child $A_CHILD ($A_END after $ms ms, copy $A_COPY kB), least room $A_MIN kB; $A_LOOKS looks, $A_CPU us CPU"
			cpu_rm=$((cpu_rm + ${A_CPU:-0}))
			life_rm=$((life_rm + ${ms:-0}))
			looks_rm=$((looks_rm + ${A_LOOKS:-0}))
			i=$((i + 1))
		done
		rm_total=$((rm_total + RM))
		rm_ok=$((rm_ok + aok))
		S "room 300 % (followed), THP $thp, memory.oom.group $og: $aok of $RM runs with no abort, no OOM kill, the child's own exit"
	done
done
echo "${cow_thp:-madvise}" >$THP
# per mille of a core: CPU us / child life ms
pm() { echo $(($1 / ($2 > 0 ? $2 : 1))); }
pct() { echo "$(($1 / 10)).$(($1 % 10)) %"; }
cpu_rm_pm=$(pm "$cpu_rm" "$life_rm")
cpu_ab_pm=$(pm "$cpu_ab" "$life_ab")
S "abort: $ab_ok of $ab_total risky runs aborted without an OOM kill, the parent alive; $rm_ok of $rm_total roomy runs not aborted"
S "watcher CPU per second of child life: followed without abort (room 300 %) $cpu_rm us over $life_rm ms, $looks_rm looks: $(pct "$cpu_rm_pm") of a core;" \
	"aborted runs (room 150 %) $cpu_ab us over $life_ab ms: $(pct "$cpu_ab_pm")"
S "reaction: room at the abort between $below_max and $below_min kB under the margin (negative: above), least room seen $least kB"
[ "$ab_ok" = "$ab_total" ] && [ "$rm_ok" = "$rm_total" ] || fail "abort: $ab_ok/$ab_total aborted cleanly, $rm_ok/$rm_total roomy"

if [ "${cow_only:-}" != abort ]; then
# ---- 2. redis-server: a BGSAVE under a write load -------------------------
# cow_redis_runs saves (3), each in a fresh Redis and group; the RDB in
# /run/NAME (tmpfs) or cow_redis_dir.
rcli() { /usr/bin/redis-cli -h 127.0.0.1 -p 6379 "$@"; }
# the RNG ready first: its static key flips by text patching, which under
# TCG can Oops (int3 in urandom_read_iter) a process reading /dev/urandom
# meanwhile, as Redis does at start
timeout 120 head -c 1 /dev/random >/dev/null 2>&1
sleep 1
mke2fs -q /dev/nvme0n1 >/run/mke2fs.out 2>&1 && mkdir -p /mnt/d &&
	mount -t ext2 /dev/nvme0n1 /mnt/d ||
	fail "no ext2 on /dev/nvme0n1 ($(head -c 200 /run/mke2fs.out 2>/dev/null))"
RDIR=${cow_redis_dir:-/run}
# redis_run NAME: one Redis in group NAME, its RDB under $RDIR/NAME
redis_run() {
	g=$CG/$1
	r=/run/$1
	mkdir -p $g $r "$RDIR/$1"
	echo 0 >$g/memory.swap.max 2>/dev/null
	sh -c "echo \$\$ >$g/cgroup.procs; exec env LD_PRELOAD=$LIB FORKGUARD_COW=protect \
		FORKGUARD_FORMAT=json FORKGUARD_LOG=$r/guard.log \
		/usr/bin/redis-server --bind 127.0.0.1 --port 6379 --save '' \
		--appendonly no --dir $RDIR/$1 --logfile $r/redis.log \
		--enable-debug-command yes --rdb-key-save-delay 2000" &
	RPID=$!
	j=0
	while [ $j -lt 150 ] && [ "$(rcli ping 2>/dev/null)" != PONG ]; do sleep 0.2; j=$((j + 1)); done
	KEYS=$((RMB * 16))
	rcli DEBUG POPULATE $KEYS live 65520 >/dev/null
	D0=$(rcli DBSIZE)
	ANON=$(awk '{ print ($2 - $3) * 4 }' /proc/$RPID/statm)
	CUR=$(($(cat $g/memory.current) / 1024))
	LIMIT=$((CUR + ANON / 2))
	echo $((LIMIT * 1024)) >$g/memory.max
	S "$1: $D0 keys of 64 KiB, RssAnon $ANON kB, memory.current $CUR kB; memory.max set to $LIMIT kB (current + RssAnon / 2); RDB in $RDIR"
	/fg/forkguard check $RPID >$r/check.txt 2>&1
	while IFS= read -r l; do S "check: $l"; done <$r/check.txt
	# the write load: one byte in every 4 kB page of every value (SETRANGE
	# writes in place: each one copies a page), as raw RESP for --pipe
	[ -s /run/load.txt ] ||
		awk -v n=$KEYS 'BEGIN { for (i = 0; i < n; i++) for (o = 0; o < 65520; o += 4096) {
		k = "live:" i; printf "*4\r\n$8\r\nSETRANGE\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n$1\r\ny\r\n",
		length(k), k, length(o ""), o } }' >/run/load.txt
	/fg/forkguard watch --json --count 1 --duration 120 -i 100 $RPID >$r/watch.out 2>&1 &
	WPID=$!
	sleep 0.5
	T0=$(now)
	BG=$(rcli BGSAVE | tr -d '\r')
	LOAD=$(rcli --pipe </run/load.txt 2>&1 | tail -n 1 | tr -d '\r')
	j=0
	while [ $j -lt 600 ] && kill -0 $RPID 2>/dev/null; do
		case $(rcli INFO persistence 2>/dev/null | tr -d '\r' | grep '^rdb_bgsave_in_progress:') in
		*:0) break ;;
		esac
		sleep 0.1
		j=$((j + 1))
	done
	T1=$(now)
	wait $WPID
	BGST=$(rcli INFO persistence | tr -d '\r' | sed -n 's/^rdb_last_bgsave_status://p')
	D1=$(rcli DBSIZE)
	PONG=$(rcli ping)
	KILLS=$(ev $g oom_kill)
	G=$r/guard.log
	S "$1 BGSAVE: '$BG'; guard before the fork: cow $(json cow_verdict $G), worst $(json cow_worst_kb $G) kB," \
		"headroom $(json cow_headroom_kb $G) kB ($(json cow_limit $G)), protect $(json cow_protect $G)"
	S "$1 load: $((KEYS * 16)) SETRANGE, one per 4 kB page ($LOAD)"
	S "$1 after $((T1 - T0)) ms: rdb_last_bgsave_status $BGST; oom_kill $KILLS; ping $PONG; DBSIZE $D0 -> $D1; pid $RPID $(kill -0 $RPID 2>/dev/null && echo alive || echo dead)"
	S "$1 log: $(grep -E 'Background saving|terminated|signal' $r/redis.log | tail -n 2 | tr '\n' '|')"
	S "watch: $(cat $r/watch.out)"
	adj1=$(first_adj $1)
	S "$1: the OOM killer's first victim had oom_score_adj '$adj1'"
	[ "$(json cow_verdict $G)" = risk ] || fail "$1: the guard did not report a cow risk before the fork"
	[ "${KILLS:-0}" -ge 1 ] || fail "$1: no OOM kill (the save fitted: raise the load)"
	[ "$adj1" = 1000 ] || fail "$1: the first victim's oom_score_adj is '$adj1', not the save child's 1000"
	grep -q '"peak_copy_kb":[1-9]' $r/watch.out || fail "$1: forkguard watch reported no peak copy"
	if [ "$PONG" = PONG ] && kill -0 $RPID 2>/dev/null; then
		# Redis lived: the save failed, the data is whole
		rsurvived=$((rsurvived + 1))
		[ "$D1" = "$D0" ] || fail "$1: DBSIZE $D0 -> $D1"
		[ "$BGST" = err ] || fail "$1: rdb_last_bgsave_status $BGST, want err (the save killed)"
		grep -q 'terminated by signal 9' $r/redis.log || fail "$1: no failed background save in its log"
	else
		dmesg | grep -E 'Killed process' | tail -n 3 | while IFS= read -r l; do S "  dmesg: $l"; done
	fi
	rcli SHUTDOWN NOSAVE >/dev/null 2>&1
	j=0
	while [ $j -lt 50 ] && kill -0 $RPID 2>/dev/null; do sleep 0.1; j=$((j + 1)); done
}
RRUNS=${cow_redis_runs:-3}
rsurvived=0 k=1
while [ $k -le "$RRUNS" ]; do
	redis_run redis$k
	k=$((k + 1))
done
S "redis under protect: the save child was the first victim in every save; Redis survived, logged the failed save, kept serving with DBSIZE unchanged in $rsurvived of $RRUNS"
[ "$rsurvived" -ge $((RRUNS - 1)) ] || fail "redis: it survived only $rsurvived of $RRUNS saves"

# ---- 3. page cache: the group's clean file pages are room ----------------
# 2 N MiB written to an ext2 disk from inside the group and synced (clean
# page cache charged to it), then cow_fork N MiB; memory.max = 3.5 N leaves
# 0.5 N of free room: too little without the cache, enough with it.  The
# parent's rewrite must then reclaim the cache, with no OOM kill.
if grep -q ' /mnt/d ' /proc/mounts; then
	CMB=$((N * 2))
	g=$CG/cache
	mkdir $g
	echo $(((N * 7 / 2) * 1024 * 1024)) >$g/memory.max
	echo 0 >$g/memory.swap.max 2>/dev/null
	sh -c "echo \$\$ >$g/cgroup.procs; dd if=/dev/zero of=/mnt/d/f bs=1M count=$CMB 2>/dev/null; \
		sync; exec env LD_PRELOAD=$LIB FORKGUARD_COW=warn FORKGUARD_FORMAT=json \
		FORKGUARD_REPORT=all FORKGUARD_LOG=/run/cache.log /fg/cow_fork $N 5000 1" \
		>/run/cache.out 2>&1
	C_RC=$?
	sleep 5
	C_KILLS=$(ev $g oom_kill)
	C_VERDICT=$(json cow_verdict /run/cache.log)
	C_WORST=$(json cow_worst_kb /run/cache.log)
	C_ROOM=$(json cow_headroom_kb /run/cache.log)
	C_CACHE=$(json cow_reclaimable_kb /run/cache.log)
	C_FILE=$(awk '$1 == "file" { printf "%d", $2 / 1024 }' $g/memory.stat)
	C_PARENT=dead
	grep -q 'parent survived' /run/cache.out && C_PARENT=alive
	S "page cache: $CMB MiB written and synced in the group, memory.max $((N * 7 / 2)) MiB:" \
		"cow $C_VERDICT (worst $C_WORST kB, headroom $C_ROOM kB of which $C_CACHE kB clean page cache);" \
		"after the rewrite: file $C_FILE kB left in the group, oom_kill $C_KILLS, parent $C_PARENT (exit $C_RC)"
	[ "$C_VERDICT" = ok ] || fail "page cache: cow verdict '$C_VERDICT', want ok"
	[ "${C_CACHE:-0}" -ge $((CMB * 1024 / 2)) ] || fail "page cache: reclaimable $C_CACHE kB, want >= $((CMB * 512)) kB"
	[ $((${C_ROOM:-0} - ${C_CACHE:-0})) -lt "${C_WORST:-0}" ] ||
		fail "page cache: the free room alone ($C_ROOM - $C_CACHE kB) fits the worst case: the case tests nothing"
	[ "${C_KILLS:-1}" = 0 ] && [ $C_PARENT = alive ] || fail "page cache: oom_kill $C_KILLS, parent $C_PARENT"
	rm -f /mnt/d/f
	rmdir $g 2>/dev/null
else
	fail "page cache: the ext2 disk is not mounted"
fi

fi # sections 2 and 3

if [ $status = 0 ]; then
	echo "cow vm: PASS $(uname -r): abort: $ab_ok/$ab_total aborted, 0 OOM kills, parent alive, $rm_ok/$rm_total roomy not aborted, watcher $(pct "$cpu_rm_pm") of a core (aborted runs $(pct "$cpu_ab_pm")); protect: child first every run, parent alive $ok/$RUNS; without it the parent died $pk/$BARE; THP always: child first $first/$ALWAYS, parent alive $alive/$ALWAYS; redis survived $rsurvived/$RRUNS killed saves; clean page cache counted as room, no OOM kill"
else
	echo "cow vm: FAIL $(uname -r):${fails#;}"
fi
echo "@@EXIT $status"
sync
poweroff -f
