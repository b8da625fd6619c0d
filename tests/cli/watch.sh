#!/usr/bin/env bash
# `forkguard watch`: each child reported once (a zombie not yet reaped is
# not a new child), a child it cannot read or a kernel thread said so (exit
# 3, no false line), saves shorter than the interval noted, a child still
# running at the end reported as running.  A real redis-server (--hz 1:
# it reaps its save child up to a second late) on 127.0.0.1, stopped by pid.
source "$(dirname "$0")/lib.sh"

# children N FILE: the number of distinct child pids in watch's JSON
children() { grep -o '"child":[0-9][0-9]*' "$1" | sort -u | wc -l; }

# a parent holding a zombie for 3 s: one line, not one per sample
printf 'import os, time\np = os.fork()\nif p == 0: os._exit(0)\ntime.sleep(3)\n' >"$TMP/zombie.py"
python3 "$TMP/zombie.py" &
ppid=$!
HELD+=("$ppid")
for _ in $(seq 50); do # until it is python, and its child a zombie
	grep -qs Z "/proc/$(cat "/proc/$ppid/task/$ppid/children" 2>/dev/null | tr -d ' ')/stat" && break
	sleep 0.05
done
"$FG" watch --json -i 50 -d 2 "$ppid" >"$TMP/zombie.json" 2>&1
check watch-zombie-once "a zombie held 3 s, sampled every 50 ms for 2 s: $(lines "$TMP/zombie.json") line(s): $(head -c 200 "$TMP/zombie.json")" \
	test "$(lines "$TMP/zombie.json")" = 1 -a "$(children "$TMP/zombie.json")" = 1
wait "$ppid" 2>/dev/null

# a child still running when watch ends: reported as running
bash -c 'sleep 3 & wait' &
bpid=$!
HELD+=("$bpid")
sleep 0.2
"$FG" watch --json -i 50 -d 1 "$bpid" >"$TMP/running.json" 2>&1
check watch-running "a child alive when watch -d 1 ends: $(cat "$TMP/running.json")" \
	bash -c "[ \$(wc -l <'$TMP/running.json') = 1 ] && grep -q '\"state\":\"running\"' '$TMP/running.json' && [ \$(sed -n 's/.*\"samples\":\([0-9]*\).*/\1/p' '$TMP/running.json') -ge 1 ]"
kill "$bpid" 2>/dev/null
wait "$bpid" 2>/dev/null

# a kernel thread: not applicable, as check says
timeout 5 "$FG" watch -i 10 2 >"$TMP/kthread.out" 2>&1
rc=$?
check watch-kthread "watch 2 (kthreadd): exit $rc, $(head -c 200 "$TMP/kthread.out")" \
	bash -c "[ $rc = 3 ] && grep -q 'not applicable' '$TMP/kthread.out' && [ \$(wc -l <'$TMP/kthread.out') = 1 ]"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	fail watch-redis "redis-server/redis-cli not installed (apt-get install redis-server redis-tools)"
	summary
	exit
fi
port=$(free_port)
d=$TMP/redis
mkdir -p "$d"
chmod 755 "$TMP"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --hz 1 \
	--dir "$d" --daemonize no --logfile "$d/redis.log" >/dev/null 2>&1 &
rpid=$!
HELD+=("$rpid")
redis_up "$port"
seq 20000 | sed 's/.*/SET key:& value-value-value-&/' | redis-cli -p "$port" --pipe >/dev/null
saves() { # saves N GAP: N BGSAVEs, GAP seconds apart, each waited for
	local i
	for i in $(seq "$1"); do
		redis-cli -p "$port" bgsave >/dev/null
		sleep "$2"
	done
}

# three saves, 50 ms samples: three lines, three children
"$FG" watch --json -i 50 -d 7 "$rpid" >"$TMP/saves.json" 2>&1 &
wpid=$!
sleep 0.3
saves 3 2
wait "$wpid"
check watch-saves-once "3 BGSAVEs (--hz 1), watch -i 50: $(lines "$TMP/saves.json") lines, $(children "$TMP/saves.json") children" \
	test "$(lines "$TMP/saves.json")" = 3 -a "$(children "$TMP/saves.json")" = 3
"$FG" watch -i 50 -n 2 -d 10 "$rpid" >"$TMP/count.out" 2>&1 &
wpid=$!
sleep 0.3
saves 2 2
wait "$wpid"
check watch-count "watch -n 2 over 2 saves: $(grep -o 'forked [0-9]*' "$TMP/count.out" | sort -u | tr '\n' ' ')" \
	test "$(grep -o 'forked [0-9]*' "$TMP/count.out" | sort -u | wc -l)" = 2

# saves shorter than the interval: noted, not silent
"$FG" watch --json -i 4000 -d 5 "$rpid" >"$TMP/short.json" 2>&1 &
wpid=$!
sleep 0.5
saves 4 0.8
wait "$wpid"
check watch-short "4 BGSAVEs within one 4 s interval: $(cat "$TMP/short.json")" \
	grep -q '"state":"\(unseen\|exited_unsampled\)"' "$TMP/short.json"

# as nobody, on a root Redis: its memory cannot be read, no false line
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid nobody --regid nogroup --clear-groups \
		"$FG" watch -n 1 -d 5 "$rpid" >"$TMP/nobody.out" 2>&1 &
	wpid=$!
	sleep 0.3
	saves 1 1
	wait "$wpid"
	rc=$?
	check watch-unreadable "watch as nobody: exit $rc, $(head -c 200 "$TMP/nobody.out")" \
		bash -c "[ $rc = 3 ] && grep -q 'cannot be read (EACCES)' '$TMP/nobody.out' && ! grep -q 'peak copy' '$TMP/nobody.out'"
else
	skip watch-unreadable "needs root and setpriv"
fi
kill "$rpid"
wait "$rpid" 2>/dev/null
summary
