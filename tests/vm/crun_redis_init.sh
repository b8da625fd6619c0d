#!/bin/sh
# crun_redis_init.sh - /init of the initramfs tests/vm/crun_redis.sh boots
# (see there for the cases).  Summary lines start with "@@S ", the verdict
# line is "crun redis vm: ...".  Kernel command line parameters: crun_mb
# crun_saves crun_default_saves crun_rate_s crun_rate0_s crun_dead crun_debug
# crun_abort (1: the library knows
# FORKGUARD_COW=abort).
RUN_FS=tmpfs
. /fg/vm_setup.sh
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
CG=/sys/fs/cgroup
mount -t cgroup2 none $CG
echo +memory >$CG/cgroup.subtree_control
# every container's group is under /fg: its memory.events (hierarchical)
# keeps the counts after crun has removed a dead container's group
mkdir $CG/fg
echo +memory >$CG/fg/cgroup.subtree_control
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled

MB=${crun_mb:-64}
KEYS=$((MB * 16))
SAVES=${crun_saves:-20}
DSAVES=${crun_default_saves:-4}
RATE_S=${crun_rate_s:-60}
RATE0_S=${crun_rate0_s:-30}
DEAD=${crun_dead:-3}
status=0
S() { echo "@@S $*"; }
fail() { S "FAIL: $*"; status=1; fails="${fails:-}; $*"; }
now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
fgev() { awk -v k="$1" '$1 == k { print $2 }' $CG/fg/memory.events; }
rcli() { /usr/bin/redis-cli -h 127.0.0.1 -p 6379 "$@" 2>&1 | tr -d '\r'; }
info() { rcli INFO "$1" | sed -n "s/^$2://p"; }
# key FILE KEY: the first value of KEY in a file of JSON lines
key() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p; t; s/.*\"$2\":\([^,}]*\).*/\1/p" "$1" | head -n 1; }
# the RNG ready first: its static key flips by text patching, which under
# TCG can Oops a process reading /dev/urandom meanwhile (Redis at start)
timeout 120 head -c 1 /dev/random >/dev/null 2>&1

# the write load: one byte in every 4 kB page of every value (SETRANGE
# writes in place), as raw RESP for redis-cli --pipe
awk -v n=$KEYS 'BEGIN { for (i = 0; i < n; i++) for (o = 0; o < 65520; o += 4096) {
	k = "live:" i; printf "*4\r\n$8\r\nSETRANGE\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n$1\r\ny\r\n",
	length(k), k, length(o ""), o } }' >/run/load.txt
load() { /usr/bin/redis-cli -h 127.0.0.1 -p 6379 --pipe </run/load.txt 2>&1 | tail -n 1 | tr -d '\r'; }

# start NAME LIMIT_KB SAVE [ENV...]: a container named NAME, its bundle in
# /run/b/NAME (tmpfs), /data bound from /run/d/NAME, the guard's directory
# bound read-only at /opt/forkguard (docs/containers.md, "As a volume");
# Redis filled with KEYS values of 64 KiB.  Sets B D CPID RPID D0 K0 G0.
start() {
	NAME=$1 B=/run/b/$1 D=/run/d/$1
	lim=$(($2 * 1024))
	save=$3
	shift 3
	env='"PATH=/usr/bin:/bin"'
	for e in "$@"; do env="$env, \"$e\""; done
	mkdir -p "$B" "$D"
	cp -a /bundle/rootfs "$B/"
	cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/data",
    "args": ["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", "6379",
      "--save", "$save", "--appendonly", "no", "--dir", "/data",
      "--logfile", "/data/redis.log", "--enable-debug-command", "yes",
      "--rdb-key-save-delay", "$DELAY"],
    "env": [$env]
  },
  "root": {"path": "rootfs"},
  "hostname": "$NAME",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
      "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    {"destination": "/opt/forkguard", "type": "bind", "source": "/fg/glibc",
      "options": ["rbind", "ro"]},
    {"destination": "/data", "type": "bind", "source": "$D",
      "options": ["rbind", "rw"]}
  ],
  "linux": {
    "cgroupsPath": "/fg/$NAME",
    "resources": {
      "memory": {"limit": $lim, "swap": $lim},
      "unified": {"memory.oom.group": "1"}
    },
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
      {"type": "mount"}, {"type": "cgroup"}]
  }
}
EOF
	K0=$(fgev oom_kill) G0=$(fgev oom_group_kill)
	crun run --no-pivot -b "$B" "$NAME" >"$D/crun.out" 2>&1 &
	CPID=$!
	j=0
	while [ $j -lt 300 ] && [ "$(rcli PING)" != PONG ]; do sleep 0.2; j=$((j + 1)); done
	RPID=$(crun state "$NAME" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	rcli DEBUG POPULATE $KEYS live 65520 >/dev/null
	D0=$(rcli DBSIZE)
	S "$NAME: crun run pid $CPID, Redis pid $RPID (1 in the container), $D0 keys of 64 KiB;" \
		"memory.max $(cat $CG/fg/$NAME/memory.max 2>/dev/null), memory.oom.group $(cat $CG/fg/$NAME/memory.oom.group 2>/dev/null)," \
		"memory.current $(($(cat $CG/fg/$NAME/memory.current 2>/dev/null || echo 0) / 1024)) kB"
	[ "$D0" = $KEYS ] || fail "$NAME: the container did not start or fill (DBSIZE '$D0'; $(head -c 300 "$D/crun.out"))"
}
up() { kill -0 "$CPID" 2>/dev/null; }
# alive: UP=alive when the container runs and Redis answers PING (PONG, or
# MISCONF: after a failed save Redis refuses PING as it refuses writes)
alive() {
	UP=dead
	up && case $(rcli PING) in PONG | MISCONF*) UP=alive ;; esac
}

# bgsave: one BGSAVE under the write load, waited for (or for the
# container's end).  Sets BG LOAD MS UP BGST D1.
bgsave() {
	t0=$(now)
	BG=$(rcli BGSAVE)
	LOAD=$(load)
	j=0
	while [ $j -lt 600 ] && up; do
		[ "$(info persistence rdb_bgsave_in_progress)" = 0 ] && break
		sleep 0.1
		j=$((j + 1))
	done
	MS=$(($(now) - t0))
	alive
	BGST=$(info persistence rdb_last_bgsave_status)
	D1=$(rcli DBSIZE)
}

# stop: Redis shut down (or found dead), the container deleted; sets
# KILLS and GKILLS (memory.events under /fg since start) and EXIT (crun
# run's status)
stop() {
	up && rcli SHUTDOWN NOSAVE >/dev/null
	j=0
	while [ $j -lt 100 ] && up; do sleep 0.1; j=$((j + 1)); done
	up && crun kill "$NAME" KILL 2>/dev/null
	wait "$CPID"
	EXIT=$?
	crun delete -f "$NAME" >/dev/null 2>&1
	KILLS=$(($(fgev oom_kill) - K0)) GKILLS=$(($(fgev oom_group_kill) - G0))
	rm -rf "$B" "$D"/*.rdb
	if [ "${crun_debug:-0}" = 1 ]; then
		grep -v '^ *$' "$D/guard.log" 2>/dev/null | tail -n 30 | while IFS= read -r l; do S "  guard: $l"; done
		grep -v '^ *$' "$D/redis.log" 2>/dev/null | tail -n 30 | while IFS= read -r l; do S "  redis: $l"; done
	fi
}
# oomstat NAME: the kernel's account of the OOM kill in /fg/NAME: the
# group's usage and limit then (dmesg "memory: usage ...")
oomstat() {
	dmesg | awk -v g="oom_memcg=/fg/$1," 'index($0, g) { f = 1; next }
		f && /memory: usage/ { sub(/^\[[^]]*\] */, ""); print; exit }'
}
# killed NAME: the processes the OOM killer took in /fg/NAME, in order
# (dmesg), as "pid/adj" words: the chosen victim first, then, with
# memory.oom.group=1, every member of the group
killed() {
	dmesg | awk -v g="oom_memcg=/fg/$1," 'index($0, g) { f = 1; next }
		f && /Killed process/ { p = $0; sub(/.*Killed process /, "", p); sub(/ .*/, "", p)
			a = $0; sub(/.*oom_score_adj:/, "", a); printf "%s/%s ", p, a }' | sed 's/ $//'
}

echo "@@BEGIN $(uname -r)"
S "kernel $(uname -r), cgroup v2, $(crun --version | head -n 1), MemTotal $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB, no swap, THP madvise"
# the guard as docs/containers.md sets it, every fork reported
GUARD="LD_PRELOAD=/opt/forkguard/libforkguard.so.0 FORKGUARD_FORMAT=json FORKGUARD_LOG=/data/guard.log FORKGUARD_REPORT=all FORKGUARD_COW_INTERVAL=0 FORKGUARD_METRICS=/data"
ROOMY_MODE=warn
DELAY=2000
[ "${crun_abort:-0}" = 1 ] && ROOMY_MODE=abort

# ---- roomy: memory.limit 3 times the data ---------------------------------
# shellcheck disable=SC2086 # $GUARD: one word per variable
# (under abort every fork followed: the save's copy measured, for check)
FOLLOW=
[ $ROOMY_MODE = abort ] && FOLLOW=FORKGUARD_COW_FOLLOW=all
start roomy $((MB * 3 * 1024)) "" $GUARD FORKGUARD_COW=$ROOMY_MODE $FOLLOW
CUR=$(($(cat $CG/fg/roomy/memory.current) / 1024))
ANON=$(awk '{ print ($2 - $3) * 4 }' /proc/$RPID/statm)
TIGHT=$((CUR + ANON / 2))
# A save copies only what is written while it runs: it must outlast a
# round of the load.  One round timed here (no save: nothing copied), and
# Redis's rdb-key-save-delay set so that a save takes 3 rounds at least
t0=$(now)
LOAD=$(load)
T_LOAD=$(($(now) - t0))
DELAY=$((T_LOAD * 3000 / KEYS))
[ $DELAY -ge 2000 ] || DELAY=2000
rcli CONFIG SET rdb-key-save-delay $DELAY >/dev/null
S "roomy: a round of the load ($LOAD) took $T_LOAD ms: rdb-key-save-delay $DELAY us, a save $((DELAY * KEYS / 1000)) ms at least"
bgsave
G=$D/guard.log
S "roomy ($ROOMY_MODE): BGSAVE '$BG' under a load of $((KEYS * 16)) SETRANGE ($LOAD): $MS ms," \
	"rdb_last_bgsave_status $BGST, Redis $UP, DBSIZE $D0 -> $D1; guard: cow $(key $G cow_verdict), worst $(key $G cow_worst_kb) kB, headroom $(key $G cow_headroom_kb) kB ($(key $G cow_limit))"
ABORTS=$(grep -c '"aborted":true' $G 2>/dev/null)
# what this limit holds a save, from the save just measured (the guard
# learns the child's end within a look)
if [ $ROOMY_MODE = abort ]; then
	i=0
	while [ $i -lt 50 ]; do
		/fg/forkguard check "$RPID" >/run/roomy-check.txt 2>&1
		grep -q 'recent measured' /run/roomy-check.txt && break
		sleep 0.1
		i=$((i + 1))
	done
	S "roomy, forkguard check after the save: $(grep 'save:' /run/roomy-check.txt)"
	S "roomy, the save's end: $(grep '"child_end"' $G | tail -n 1 | cut -c 1-600)"
	grep -q 'recent measured fork copied' /run/roomy-check.txt ||
		fail "roomy: forkguard check does not say what the measured save holds: $(grep 'save:' /run/roomy-check.txt)"
fi
stop
S "roomy: oom_kill $KILLS, oom_group_kill $GKILLS, guard aborts ${ABORTS:-0}; memory.current after the fill $CUR kB, RssAnon $ANON kB: tight limit $TIGHT kB"
[ "$BGST" = ok ] && [ $UP = alive ] && [ "$D1" = "$D0" ] && [ $KILLS = 0 ] && [ "${ABORTS:-0}" = 0 ] ||
	fail "roomy: save $BGST, Redis $UP, DBSIZE $D0 -> $D1, oom_kill $KILLS, aborts $ABORTS"
[ "$(key $G cow_verdict)" = ok ] || fail "roomy: the guard's cow verdict is '$(key $G cow_verdict)', want ok"

# ---- none and protect: the whole container dies ----------------------------
# dead NAME [ENV...]: one container at the tight limit, one save; it must
# end with an OOM group kill
deaths=0
dead() {
	start "$@"
	bgsave
	stop
	V=$(killed "$NAME")
	S "$NAME: BGSAVE '$BG', load '$LOAD'; after $MS ms the container is $UP" \
		"(crun run exit $EXIT), oom_kill $KILLS, oom_group_kill $GKILLS; killed (pid/oom_score_adj): $V"
	[ $UP = dead ] && [ $KILLS -ge 1 ] && [ $GKILLS -ge 1 ] && deaths=$((deaths + 1)) ||
		fail "$NAME: container $UP, oom_kill $KILLS, oom_group_kill $GKILLS (want: dead by an OOM group kill)"
}
i=1
while [ $i -le "$DEAD" ]; do
	dead none$i "$TIGHT" ""
	# shellcheck disable=SC2086
	dead protect$i "$TIGHT" "" $GUARD FORKGUARD_COW=protect
	G=$D/guard.log
	S "protect$i: guard before the fork: cow $(key $G cow_verdict), worst $(key $G cow_worst_kb) kB," \
		"headroom $(key $G cow_headroom_kb) kB ($(key $G cow_limit)), cgroup $(key $G cgroup), oom_group $(key $G oom_group), protect $(key $G cow_protect)"
	[ "$(key $G cow_verdict)" = risk ] && [ "$(key $G oom_group)" = true ] && [ "$(key $G cow_protect)" = true ] ||
		fail "protect$i: the guard's report: cow $(key $G cow_verdict), oom_group $(key $G oom_group), protect $(key $G cow_protect)"
	S "protect$i: its fix: $(key $G cow_fix)"
	case $V in */1000*) ;; *) fail "protect$i: no killed process had oom_score_adj 1000 ($V)" ;; esac
	case ${V%% *} in */1000) ;; *) fail "protect$i: the first victim is not the child (adj 1000): $V" ;; esac
	rm -rf "$D"
	i=$((i + 1))
done
S "memory.oom.group=1 at $TIGHT kB: the container was OOM-killed whole in $deaths of $((DEAD * 2)) saves, without the guard and with FORKGUARD_COW=protect"

. /fg/crun_abort.sh

echo "crun redis vm: $([ $status = 0 ] && echo PASS || echo FAIL) $(uname -r):" \
	"roomy save ok; oom.group=1 killed the container in $deaths of $((DEAD * 2)) (none, protect)${ABORT_SUMMARY:-}${fails:-}"
echo "@@EXIT $status"
sync
poweroff -f
