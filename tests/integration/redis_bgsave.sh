#!/usr/bin/env bash
# A real redis-server (Debian's, linked with libjemalloc) under the guard:
# BGSAVE works, FORKGUARD_REPORT=all gives one JSON line per fork, and the
# default level (risky forks only) writes nothing for a safe fork.
source "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	fail redis "redis-server/redis-cli not installed (apt-get install redis-server)"
	summary
	exit
fi

# start_redis PORT DIR [ENV...]: prints the pid; bounded wait for PING
start_redis() {
	local port=$1 dir=$2 i
	shift 2
	env "$@" LD_PRELOAD="$LIB" redis-server --port "$port" --bind 127.0.0.1 \
		--save '' --appendonly no --dir "$dir" --daemonize no \
		--logfile "$dir/redis.log" >/dev/null 2>&1 &
	echo $!
	for i in $(seq 100); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.1
	done
	return 1
}
stop_redis() { # PORT PID
	redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || kill "$2" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$2" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$2" 2>/dev/null
}
# bgsave PORT: issue BGSAVE, wait (bounded) for it to end; prints its status
bgsave() {
	local i
	redis-cli -p "$1" bgsave >/dev/null
	for i in $(seq 200); do
		redis-cli -p "$1" info persistence | grep -q 'rdb_bgsave_in_progress:0' && break
		sleep 0.1
	done
	redis-cli -p "$1" info persistence | sed -n 's/^rdb_last_bgsave_status:\(.*\)\r$/\1/p'
}

for level in all default; do
	d=$TMP/$level
	mkdir -p "$d"
	port=$(free_port)
	envs=(FORKGUARD_FORMAT=json FORKGUARD_LOG="$d/guard.log")
	[ "$level" = all ] && envs+=(FORKGUARD_REPORT=all)
	pid=$(start_redis "$port" "$d" "${envs[@]}") ||
		{ fail "redis-$level" "redis did not start: $(tail -n3 "$d/redis.log")"; continue; }
	# 100 000 keys of 100 bytes (DEBUG POPULATE is disabled in Debian's build)
	v100=$(printf 'v%.0s' $(seq 100))
	seq 100000 | sed "s/.*/SET key:& $v100/" | redis-cli -p "$port" --pipe >/dev/null
	st1=$(bgsave "$port")
	st2=$(bgsave "$port")
	forks=$(redis-cli -p "$port" info stats | sed -n 's/^total_forks:\([0-9]*\)\r$/\1/p')
	stop_redis "$port" "$pid"
	lines=0
	[ -f "$d/guard.log" ] && lines=$(wc -l <"$d/guard.log")
	if [ "$level" = all ]; then
		v=$(json_get "$d/guard.log" verdict)
		c=$(json_get "$d/guard.log" comm)
		check redis-all "BGSAVE x2 -> $st1/$st2, rdb $(stat -c %s "$d/dump.rdb") bytes, $forks forks, $lines JSON lines, verdict $v, comm $c" \
			test "$st1" = ok -a "$st2" = ok -a -s "$d/dump.rdb" -a "$lines" = "$forks" -a "$forks" -ge 2 -a "$v" = ok
		check redis-json-keys "every one of the $lines lines has the documented keys" \
			bash -c "[ -s '$d/guard.log' ] && ! grep -v '\"event\":\"fork\".*\"call\":\"fork\".*\"overcommit_mode\":.*\"kernel_rule\":.*\"verdict\":.*\"exact\":.*\"charge_kb\":.*\"largest_vma_kb\":.*\"limit_kb\":.*\"committed_kb\":.*\"outcome\":\"ok\".*\"check_us\":' '$d/guard.log'"
	else
		check redis-default "BGSAVE x2 -> $st1/$st2 with the default report level: $lines lines written" \
			test "$st1" = ok -a "$st2" = ok -a "$lines" = 0
	fi
done
summary
