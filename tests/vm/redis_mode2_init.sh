#!/bin/sh
# redis_mode2_init.sh - /init of the initramfs redis_mode2.sh boots.
#
# fixtures reproduction 4: mode-2 commit exhaustion with a real redis-server
# (Debian's 7.0, system libjemalloc 5.3).  Inside the VM only:
#   1. overcommit_memory=2 (kbytes 0, ratio 100) BEFORE any Redis starts:
#      jemalloc reads the mode once; in mode 2 it maps without MAP_NORESERVE
#      and a purge decommits (mmap PROT_NONE, MAP_FIXED): the charge returns.
#   2. case a (FORKGUARD_MODE=observe): Redis under MALLOC_CONF
#      dirty_decay_ms:-1,muzzy_decay_ms:-1 (freed pages stay dirty and
#      charged), filled with DEBUG POPULATE (LIVE MiB kept, JUNK MiB deleted
#      again with DEL).  The limit is then chosen from the numbers read:
#         C = Committed_AS, Q = Redis's fork charge (smaps: Size of the `ac`
#         VMAs without `dc`), R = jemalloc's dirty pages (MEMORY MALLOC-STATS)
#         allowed A = C + Q - R: the fork (C + Q >= A) is refused by R, and
#         after a purge (C - R + Q - R) it passes by R.
#         overcommit_kbytes = A + min(VmSize/32, user_reserve_kbytes) (root
#         has CAP_SYS_ADMIN: no admin reserve), written last.
#      BGSAVE must fail (Redis logs "fork: Cannot allocate memory"), the
#      guard's JSON line says verdict fail, outcome ENOMEM.
#   3. case b (FORKGUARD_MODE=remediate): a fresh Redis, the same fill and
#      delete under the ratio-100 limit, then the SAME overcommit_kbytes:
#      the guard's jemalloc purge must give the charge back and BGSAVE pass.
#   4. extras (rm2_extra=1): Redis with FORKGUARD_REMEDY=trim,split (what
#      glibc's malloc_trim and the split do to Redis in mode 2), then MEMORY
#      PURGE by hand; glibc heap_retention (1 GiB brk heap) in mode 2 without
#      the guard, with remediate, and with the top pinned.  Each is tagged
#      "as expected" or "UNEXPECTED"; they do not decide PASS/FAIL.
# Summary lines start with "@@S ", the verdict line is "redis mode2: ...",
# then "@@EXIT rc".  It always powers off.
# Kernel command line parameters (they reach init as environment):
#   rm2_live_mb (32) rm2_junk_mb (512) rm2_extra (1)
# Everything written goes to ramfs (/run): tmpfs pages are charged in mode 2.
. /fg/vm_setup.sh
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

LIVE_MB=${rm2_live_mb:-32}
JUNK_MB=${rm2_junk_mb:-512}
EXTRA=${rm2_extra:-1}
VAL=65520		# + sds header: jemalloc's 64 KiB large class, no tcache
LIB=/fg/libforkguard.so
CLI=/fg/forkguard
HR=/fg/heap_retention
MCONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
vm=/proc/sys/vm
status=0
fails=

S() { echo "@@S $*"; }
fail() { echo "@@FAIL $*"; S "FAIL: $*"; status=1; fails="$fails; $*"; }
now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
mi() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
sysr() { cat "$vm/$1"; }
sysw() { echo "$2" >"$vm/$1" || fail "write vm.$1=$2"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
rcli() { /usr/bin/redis-cli -h 127.0.0.1 -p 6379 "$@"; }
# json KEY FILE-LINE: a scalar member of a JSON line
json() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
# remedy NAME LINE: "result released_kb us" of one remedies[] entry
remedy() {
	printf '%s\n' "$2" | sed -n "s/.*{\"name\":\"$1\",\"result\":\"\([^\"]*\)\",\"released_kb\":\([0-9]*\)[^}]*\"us\":\([0-9]*\).*/\1 \2 \3/p" | head -n 1
}
abort() {
	echo "redis mode2: FAIL $(uname -r):${fails#;}"
	echo "@@EXIT 1"
	sync
	poweroff -f
}
klog() { dmesg | grep -c '__vm_enough_memory' ; }

# Redis's fork charge, kB: Size of every VMA with `ac` and without `dc`.
charge() {
	awk '/^Size:/ { s = $2 }
	     /^VmFlags:/ { a = 0; d = 0
		for (i = 2; i <= NF; i++) { if ($i == "ac") a = 1; if ($i == "dc") d = 1 }
		if (a && !d) t += s }
	     END { print t + 0 }' "/proc/$1/smaps"
}
# jemalloc's dirty + muzzy pages, kB, summed over arenas[i] (not merged).
jedirty() {
	rcli MEMORY MALLOC-STATS | awk '
		/^Page size:/ { pg = $3 }
		/^arenas\[[0-9]+\]:/ { on = 1; next }
		/^(Merged|Destroyed) arenas/ { on = 0 }
		on && ($1 == "dirty:" || $1 == "muzzy:") { n += $3 }
		END { printf "%d", n * (pg ? pg : 4096) / 1024 }'
}
infomem() { rcli INFO memory | tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2 }'; }

# measure PID: M_C M_L M_Q M_VSZ M_RSS M_DIRTY (kB)
measure() {
	M_Q=$(charge "$1")
	M_C=$(mi Committed_AS)
	M_L=$(mi CommitLimit)
	M_VSZ=$(awk '$1 == "VmSize:" { print $2 }' "/proc/$1/status")
	M_RSS=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status")
	M_DIRTY=${2:-$(jedirty)}
}

ratio_limit() {
	sysw overcommit_kbytes 0	# first: a ratio write would zero kbytes anyway
	sysw overcommit_ratio 100
}

# start_redis NAME ENV...: RPID, RDIR
start_redis() {
	RNAME=$1
	shift
	RDIR=/run/$RNAME
	mkdir -p "$RDIR"
	env MALLOC_CONF=$MCONF "$@" /usr/bin/redis-server --bind 127.0.0.1 \
		--port 6379 --save "" --appendonly no --dir "$RDIR" \
		--dbfilename dump.rdb --logfile "$RDIR/redis.log" \
		--enable-debug-command yes --daemonize no &
	RPID=$!
	i=0
	while [ $i -lt 150 ]; do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.2
		i=$((i + 1))
	done
	fail "$RNAME: redis-server did not answer"
	cat "$RDIR/redis.log"
	return 1
}

stop_redis() {
	rcli SHUTDOWN NOSAVE >/dev/null 2>&1
	i=0
	while kill -0 "$RPID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$RPID" 2>/dev/null && kill -9 "$RPID"
	wait "$RPID" 2>/dev/null
}

# fill: LIVE MiB kept, JUNK MiB written and deleted again.
fill() {
	t0=$(now)
	rcli DEBUG POPULATE $((LIVE_MB * 16)) live $VAL >/dev/null
	rcli DEBUG POPULATE $((JUNK_MB * 16)) junk $VAL >/dev/null
	t1=$(now)
	P_PEAK_Q=$(charge "$RPID")
	P_PEAK_RSS=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$RPID/status")
	awk -v n=$((JUNK_MB * 16)) 'BEGIN { for (i = 0; i < n; i += 256) {
		s = "DEL"; for (j = i; j < i + 256 && j < n; j++) s = s " junk:" j
		print s } }' | rcli >/dev/null
	t2=$(now)
	n=$(rcli DBSIZE)
	[ "$n" = $((LIVE_MB * 16)) ] || fail "$RNAME: DBSIZE $n after the delete"
	sleep 1	# let serverCron resize the dict now, not during the fork
	P_FILL_MS=$((t1 - t0))
	P_DEL_MS=$((t2 - t1))
}

# bgsave: BG_REPLY, waits for the end; BG_STATUS
bgsave() {
	BG_REPLY=$(rcli BGSAVE 2>&1 | tr -d '\r')
	i=0
	while [ $i -lt 600 ]; do
		case $(rcli INFO persistence | tr -d '\r' | grep '^rdb_bgsave_in_progress:') in
		*:0) break ;;
		esac
		sleep 0.1
		i=$((i + 1))
	done
	BG_STATUS=$(rcli INFO persistence | tr -d '\r' | sed -n 's/^rdb_last_bgsave_status://p')
}

# ---------------------------------------------------------------------------
T0=$(now)
echo "@@BEGIN $(uname -r)"
ratio_limit
sysw overcommit_memory 2
UR=$(sysr user_reserve_kbytes)
AR=$(sysr admin_reserve_kbytes)
S "kernel $(uname -r); MemTotal $(mi MemTotal) kB, SwapTotal $(mi SwapTotal) kB;" \
	"mode $(sysr overcommit_memory) set before Redis; user_reserve_kbytes $UR," \
	"admin_reserve_kbytes $AR (Redis runs as root: CAP_SYS_ADMIN, no admin reserve)"
S "data: DEBUG POPULATE $LIVE_MB MiB kept + $JUNK_MB MiB deleted with DEL," \
	"values of $VAL B; MALLOC_CONF=$MCONF"

# ---- case a: observe ------------------------------------------------------
start_redis a LD_PRELOAD=$LIB FORKGUARD_MODE=observe FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=/run/a/guard.log || abort
grep -q libforkguard "/proc/$RPID/maps" || fail "a: libforkguard not mapped in redis-server"
decay=$(rcli MEMORY MALLOC-STATS | sed -n 's/^ *opt.dirty_decay_ms: \([-0-9]*\).*/\1/p')
mdecay=$(rcli MEMORY MALLOC-STATS | sed -n 's/^ *opt.muzzy_decay_ms: \([-0-9]*\).*/\1/p')
[ "$decay" = -1 ] && [ "$mdecay" = -1 ] ||
	fail "MALLOC_CONF not honoured: opt.dirty_decay_ms=$decay muzzy=$mdecay"
S "jemalloc in redis-server: $(rcli INFO memory | tr -d '\r' | sed -n 's/^mem_allocator://p')," \
	"opt.dirty_decay_ms $decay, opt.muzzy_decay_ms $mdecay (MALLOC_CONF honoured)"
fill
S "a: fill $P_FILL_MS ms (peak charge $(mb $P_PEAK_Q), RSS $(mb $P_PEAK_RSS)), delete $P_DEL_MS ms"
measure "$RPID"
A_C=$M_C A_Q=$M_Q A_R=$M_DIRTY A_VSZ=$M_VSZ
S "a: after the delete: Committed_AS $A_C kB, Redis charge $A_Q kB ($(mb $A_Q)), jemalloc dirty $A_R kB," \
	"VSZ $M_VSZ kB, RSS $M_RSS kB; INFO: used_memory $(infomem used_memory)," \
	"allocator_active $(infomem allocator_active), allocator_resident $(infomem allocator_resident)"
# In pages, as the kernel does: min(total_vm / 32, user_reserve).
RES=$((A_VSZ / 4 / 32))
[ "$RES" -gt $((UR / 4)) ] && RES=$((UR / 4))
RES=$((RES * 4))
TARGET=$((A_C + A_Q - A_R))
KBYTES=$((TARGET + RES))
[ $((TARGET - A_C)) -ge 32768 ] ||
	fail "headroom under the limit only $((TARGET - A_C)) kB: raise rm2_live_mb"
[ "$A_R" -ge 131072 ] || fail "jemalloc dirty only $A_R kB: the delete left too little"
sysw overcommit_kbytes "$KBYTES"
LIMIT=$(mi CommitLimit)
ALLOWED=$((LIMIT - RES))	# what __vm_enough_memory compares with, for Redis
[ "$(sysr overcommit_ratio)" = 0 ] || fail "overcommit_ratio is not 0 after the kbytes write"
S "limit: overcommit_kbytes $KBYTES -> CommitLimit $LIMIT kB, ratio $(sysr overcommit_ratio);" \
	"allowed = CommitLimit - min(VmSize/32, user_reserve) = $LIMIT - $RES = $ALLOWED kB"
S "a: predicted: Committed_AS + charge - allowed = $((A_C + A_Q - ALLOWED)) kB (>= 0: refused);" \
	"after a purge of R: $((A_C + A_Q - 2 * A_R - ALLOWED)) kB (< 0: passes)"
CLI_A=$("$CLI" check -j -e "$RPID" 2>&1)
S "a: forkguard check: verdict $(json verdict "$CLI_A"), charge_kb $(json charge_kb "$CLI_A")," \
	"committed_kb $(json committed_kb "$CLI_A"), limit_kb $(json limit_kb "$CLI_A"), band_kb $(json band_kb "$CLI_A")"
t0=$(now)
bgsave
t1=$(now)
A_BG=$BG_STATUS
A_LOG=$(grep '"event":"fork"' /run/a/guard.log 2>/dev/null | tail -n 1)
echo "@@A_JSON $A_LOG"
A_MSG=$(grep -c "Can't save in background: fork: Cannot allocate memory" /run/a/redis.log)
A_KMSG=$(dmesg | grep '__vm_enough_memory' | tail -n 1 | sed 's/^\[[^]]*\] *//')
S "a: BGSAVE reply '$BG_REPLY' ($((t1 - t0)) ms), rdb_last_bgsave_status:$A_BG," \
	"redis log 'fork: Cannot allocate memory' x$A_MSG; kernel: ${A_KMSG:-none}"
S "a: guard: verdict $(json verdict "$A_LOG"), outcome $(json outcome "$A_LOG"), mismatch $(json mismatch "$A_LOG")," \
	"exact $(json exact "$A_LOG"), tier $(json tier "$A_LOG"), charge_kb $(json charge_kb "$A_LOG")," \
	"committed_kb $(json committed_kb "$A_LOG"), limit_kb $(json limit_kb "$A_LOG"), admin $(json admin "$A_LOG")," \
	"failing_vma $(printf '%s' "$A_LOG" | sed -n 's/.*"failing_vma":\({[^}]*}\).*/\1/p')"
[ "$(json verdict "$A_LOG")" = fail ] || fail "a: guard verdict '$(json verdict "$A_LOG")', not fail"
[ "$(json outcome "$A_LOG")" = ENOMEM ] || fail "a: guard outcome '$(json outcome "$A_LOG")', not ENOMEM"
[ "$(json mismatch "$A_LOG")" = false ] || fail "a: guard mismatch"
# the diagnosis's fixes: jemalloc's freed pages, and the kbytes that is set
A_FIX=$(printf '%s' "$A_LOG" | sed -n 's/.*"fix":"\([^"]*\)".*/\1/p')
S "a: guard fix: $A_FIX"
case $A_FIX in *"jemalloc holds "*"a purge returns them"*) ;;
*) fail "a: the fix does not name jemalloc's freed pages" ;; esac
case $A_FIX in *"raise vm.overcommit_kbytes (now $KBYTES)"*) ;;
*) fail "a: the fix does not name overcommit_kbytes $KBYTES" ;; esac
printf '%s' "$A_LOG" | grep -q '"jemalloc":{' ||
	fail "a: the observe report has no jemalloc statistics"
d=$(($(json limit_kb "$A_LOG") - ALLOWED))
[ "$d" -ge -4 ] && [ "$d" -le 4 ] || fail "a: guard limit_kb $(json limit_kb "$A_LOG") != allowed $ALLOWED"
[ "$A_MSG" -ge 1 ] || fail "a: Redis did not log 'Can't save in background: fork: Cannot allocate memory'"
[ "$A_BG" = err ] || fail "a: rdb_last_bgsave_status:$A_BG, not err"
[ -e /run/a/dump.rdb ] && fail "a: a dump file exists"
# 6.9+ log the refused VMA's size: it must be the guard's failing VMA.
A_KB=$(printf '%s' "$A_KMSG" | sed -n 's/.*bytes: \([0-9]*\).*/\1/p')
A_FKB=$(printf '%s' "$A_LOG" | sed -n 's/.*"failing_vma":{[^}]*"kb":\([0-9]*\).*/\1/p')
if [ -n "$A_KB" ]; then
	[ "$A_KB" = "$((${A_FKB:-0} * 1024))" ] ||
		fail "a: the kernel refused a VMA of $A_KB bytes, the guard named ${A_FKB:-none} kB"
	S "a: kernel's refused VMA $A_KB bytes = guard's failing_vma $A_FKB kB"
fi
stop_redis
ratio_limit

# ---- case b: remediate ----------------------------------------------------
start_redis b LD_PRELOAD=$LIB FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json \
	FORKGUARD_LOG=/run/b/guard.log || abort
fill
S "b: fill $P_FILL_MS ms (peak charge $(mb $P_PEAK_Q)), delete $P_DEL_MS ms"
measure "$RPID"
B_C=$M_C B_Q=$M_Q B_R=$M_DIRTY
sysw overcommit_kbytes "$KBYTES"
S "b: after the delete: Committed_AS $B_C kB, Redis charge $B_Q kB, jemalloc dirty $B_R kB," \
	"VSZ $M_VSZ kB, RSS $M_RSS kB (case a: $A_C / $A_Q / $A_R); same overcommit_kbytes $KBYTES," \
	"CommitLimit $(mi CommitLimit) kB; without a remedy the fork is refused by $((B_C + B_Q - ALLOWED)) kB"
[ $((B_C + B_Q - ALLOWED)) -ge $((A_R / 2)) ] ||
	fail "b: state differs from a: the fork would be refused by only $((B_C + B_Q - ALLOWED)) kB"
CLI_B=$("$CLI" check -j -e "$RPID" 2>&1)
S "b: forkguard check before BGSAVE: verdict $(json verdict "$CLI_B"), charge_kb $(json charge_kb "$CLI_B")"
[ "$(json verdict "$CLI_B")" = fail ] || fail "b: forkguard check says '$(json verdict "$CLI_B")' before BGSAVE"
K2=$(klog)
t0=$(now)
bgsave
t1=$(now)
B_BG=$BG_STATUS
measure "$RPID" 0
B_C2=$M_C B_Q2=$M_Q
B_R2=$(jedirty)
B_LOG=$(grep '"event":"fork"' /run/b/guard.log 2>/dev/null | tail -n 1)
echo "@@B_JSON $B_LOG"
B_JE=$(remedy jemalloc "$B_LOG")
set -- $B_JE
B_JE_RES=${1:-none} B_JE_KB=${2:-0} B_JE_US=${3:-0}
K3=$(klog)
S "b: BGSAVE reply '$BG_REPLY', done in $((t1 - t0)) ms, rdb_last_bgsave_status:$B_BG," \
	"dump.rdb $(ls -l /run/b/dump.rdb 2>/dev/null | awk '{ print $5 " B" }'), kernel refusals $((K3 - K2))"
S "b: guard: verdict $(json verdict "$B_LOG"), outcome $(json outcome "$B_LOG"), charge_kb $(json charge_kb "$B_LOG")," \
	"committed_kb $(json committed_kb "$B_LOG"), limit_kb $(json limit_kb "$B_LOG")"
S "b: remedies: $(printf '%s' "$B_LOG" | sed -n 's/.*"remedies":\(\[[^]]*\]\).*/\1/p')"
S "b: jemalloc stats at the purge: $(printf '%s' "$B_LOG" | sed -n 's/.*"jemalloc":\({[^}]*}\).*/\1/p')"
S "b: after: Committed_AS $B_C2 kB, Redis charge $B_Q2 kB, jemalloc dirty $B_R2 kB, VSZ $M_VSZ kB, RSS $M_RSS kB"
[ "$B_BG" = ok ] || fail "b: rdb_last_bgsave_status:$B_BG"
[ -s /run/b/dump.rdb ] || fail "b: no dump.rdb"
case $BG_REPLY in *started*) ;; *) fail "b: BGSAVE reply '$BG_REPLY'" ;; esac
case $B_JE_RES in pass | helped) ;; *) fail "b: jemalloc remedy result '$B_JE_RES'" ;; esac
[ "$B_JE_KB" -gt 0 ] || fail "b: jemalloc released_kb $B_JE_KB"
[ "$(json outcome "$B_LOG")" = ok ] || fail "b: guard outcome '$(json outcome "$B_LOG")'"
[ "$(json mismatch "$B_LOG")" = false ] || fail "b: guard mismatch"
[ $((K3 - K2)) = 0 ] || fail "b: the kernel refused $((K3 - K2)) allocation(s)"
stop_redis
ratio_limit

# ---- extras: measurements, they do not decide PASS/FAIL -------------------
# expect WHAT GOT WANT: one tag per measured item
expect() {
	if [ "$2" = "$3" ]; then S "   $1: $2 (as expected)"
	else S "   $1: $2 (UNEXPECTED: expected $3)"; NOTES="$NOTES; $1"; fi
}
rems() { printf '%s' "$1" | sed -n 's/.*"remedies":\(\[[^]]*\]\).*/\1/p'; }
NOTES=
if [ "$EXTRA" = 1 ]; then
	# c: Redis with only trim and split enabled, then MEMORY PURGE by hand.
	if start_redis c LD_PRELOAD=$LIB FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json \
		FORKGUARD_LOG=/run/c/guard.log FORKGUARD_REMEDY=trim,split FORKGUARD_RETRIES=0; then
		fill
		measure "$RPID" 0
		C_C=$M_C C_Q=$M_Q
		sysw overcommit_kbytes "$KBYTES"
		bgsave
		C_BG=$BG_STATUS
		C_LOG=$(grep '"event":"fork"' /run/c/guard.log 2>/dev/null | tail -n 1)
		echo "@@C_JSON $C_LOG"
		measure "$RPID" 0
		S "c: Redis, FORKGUARD_REMEDY=trim,split: Committed_AS $C_C kB, charge $C_Q kB -> $M_Q kB;" \
			"remedies $(rems "$C_LOG")"
		expect "c: BGSAVE with trim,split" "$(json outcome "$C_LOG")/$C_BG" ENOMEM/err
		expect "c: trim on Redis" "$(remedy trim "$C_LOG" | sed 's/ [0-9]* [0-9]*$//')" "no effect"
		expect "c: split in mode 2" "$(remedy split "$C_LOG" | sed 's/ [0-9]* [0-9]*$//')" \
			"cannot help"
		t0=$(now)
		rcli MEMORY PURGE >/dev/null
		t1=$(now)
		measure "$RPID" 0
		C_Q2=$M_Q
		bgsave
		S "c: then MEMORY PURGE by hand ($((t1 - t0)) ms round trip): charge $C_Q -> $C_Q2 kB," \
			"Committed_AS $M_C kB"
		expect "c: BGSAVE after MEMORY PURGE" "$BG_STATUS" ok
		stop_redis
	fi
	ratio_limit

	# d: glibc heap_retention, a freed 1 GiB brk heap, in mode 2, limit
	# Committed_AS + 1.5 GiB: the heap fits, heap + its fork charge do not.
	if [ -x "$HR" ]; then
		C0=$(mi Committed_AS)
		HK=$((C0 + 1572864 + 1048576 / 32))
		sysw overcommit_kbytes "$HK"
		S "d: heap_retention 1 GiB, overcommit_kbytes $HK (Committed_AS $C0 kB before)"
		for v in none remediate pin; do
			case $v in
			none) out=$("$HR" 1 1 2>&1) ;;
			remediate) out=$(env LD_PRELOAD=$LIB FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json \
				FORKGUARD_RETRIES=0 FORKGUARD_LOG=/run/hr-$v.log "$HR" 1 1 2>&1) ;;
			pin) out=$(env LD_PRELOAD=$LIB FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json \
				FORKGUARD_RETRIES=0 FORKGUARD_LOG=/run/hr-$v.log "$HR" 1 1 pin 2>&1) ;;
			esac
			echo "$out"
			hj=$(grep '"event":"fork"' /run/hr-$v.log 2>/dev/null | tail -n 1)
			[ -n "$hj" ] && echo "@@HR_JSON_$v $hj"
			S "d: ($v) $(printf '%s\n' "$out" | grep -E '^(freed|after)' | tr '\n' ';' | sed 's/;$//; s/;/; /g')${hj:+; guard verdict $(json verdict "$hj"), remedies $(rems "$hj")}"
			got=$(printf '%s\n' "$out" | sed -n 's/^fork: //p')
			case $v in
			none) expect "d: fork without the guard" "$got" ENOMEM ;;
			remediate)
				expect "d: fork after the trim" "$got" ok
				expect "d: trim result" "$(remedy trim "$hj" | sed 's/ [0-9]* [0-9]*$//')" pass ;;
			pin)
				expect "d: fork, heap top pinned" "$got" ENOMEM
				expect "d: trim result, top pinned" "$(remedy trim "$hj" | sed 's/ [0-9]* [0-9]*$//')" "no effect" ;;
			esac
		done
		ratio_limit
	else
		S "d: heap_retention not in the image (make fixtures): not measured"
	fi
fi

T1=$(now)
S "guest time $(((T1 - T0) / 1000)) s"
S "figures: CommitLimit $LIMIT kB, allowed $ALLOWED kB, Committed_AS $A_C kB (a) / $B_C kB (b) -> $B_C2 kB after the purge;" \
	"Redis charge $A_Q kB (a) / $B_Q kB (b) -> $B_Q2 kB after the purge; jemalloc released $B_JE_KB kB in $B_JE_US us"
[ -n "$NOTES" ] && S "extras with unexpected results:${NOTES#;}"
if [ $status = 0 ]; then
	echo "redis mode2: PASS $(uname -r): observe BGSAVE ENOMEM (verdict fail, outcome ENOMEM); remediate" \
		"purge released $B_JE_KB kB in $B_JE_US us ($B_JE_RES), BGSAVE ok; charge $B_Q -> $B_Q2 kB," \
		"allowed $ALLOWED kB"
else
	echo "redis mode2: FAIL $(uname -r):${fails#;}"
fi
echo "@@EXIT $status"
sync
poweroff -f
