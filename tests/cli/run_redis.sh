#!/usr/bin/env bash
# `forkguard run -- redis-server ...`: Debian's Redis (linked with
# libjemalloc) under the guard; BGSAVE forks, and the library's JSON line
# for that fork lands in the log file given with --log.  Then
# `forkguard check` on the running Redis agrees it may fork.
source "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	fail redis "redis-server/redis-cli not installed (apt-get install redis-server redis-tools)"
	summary
	exit
fi

port=$(free_port)
d=$TMP/redis
mkdir -p "$d"
"$FG" run --json --report all --log "$d/guard.log" -- redis-server --port "$port" \
	--bind 127.0.0.1 --save '' --appendonly no --dir "$d" --daemonize no \
	--logfile "$d/redis.log" >/dev/null 2>&1 &
pid=$!
HELD+=("$pid")
up=no
for _ in $(seq 100); do
	redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && { up=yes; break; }
	sleep 0.1
done
if [ "$up" != yes ]; then
	fail redis "redis did not start: $(tail -n3 "$d/redis.log" 2>/dev/null)"
	summary
	exit
fi
# Redis rewrites its environ block (process title): look at its mappings
mapped=$(grep -o '/[^ ]*libforkguard[^ ]*' "/proc/$pid/maps" | sort -u | tr '\n' ' ')
check redis-preload "redis-server (pid $pid, the PID forkguard run exec'd into) maps $mapped" \
	test "$mapped" = "$(realpath "$LIB") "

"$FG" check --json "$pid" >"$TMP/check.json"; rc=$?
check redis-check "forkguard check $pid: exit $rc, verdict $(json_get "$TMP/check.json" verdict), charge bound $(json_get "$TMP/check.json" charge_kb) kB" \
	test "$rc" = 0 -a "$(json_get "$TMP/check.json" comm)" = redis-server

seq 1000 | sed 's/.*/SET key:& value-&/' | redis-cli -p "$port" --pipe >/dev/null
redis-cli -p "$port" bgsave >/dev/null
for _ in $(seq 200); do
	[ -s "$d/guard.log" ] &&
		redis-cli -p "$port" info persistence | grep -q 'rdb_bgsave_in_progress:0' && break
	sleep 0.1
done
status=$(redis-cli -p "$port" info persistence | sed -n 's/^rdb_last_bgsave_status:\(.*\)\r$/\1/p')
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null

line=$(grep -m1 '"call":"fork"' "$d/guard.log" 2>/dev/null)
echo "$line" >"$TMP/line.json"
check redis-bgsave "BGSAVE $status, rdb $(stat -c %s "$d/dump.rdb" 2>/dev/null) bytes; the library logged: $(cut -c1-150 "$TMP/line.json")..." \
	bash -c "[ '$status' = ok ] && [ -s '$d/dump.rdb' ] && grep -q '\"event\":\"fork\",\"pid\":$pid,\"comm\":\"redis-server\",\"call\":\"fork\"' '$TMP/line.json' && grep -q '\"outcome\":\"ok\"' '$TMP/line.json'"
check redis-log-json "every log line is valid JSON ($(lines "$d/guard.log") lines)" json_valid "$d/guard.log"
check redis-stopped "redis (pid $pid) stopped" bash -c "! kill -0 $pid 2>/dev/null"
summary
