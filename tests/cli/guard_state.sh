#!/usr/bin/env bash
# "Is the guard on?": `forkguard check PID` says whether a libforkguard is
# mapped in PID, its version, mode and where its reports and metrics go,
# read from the library's own state in the process's memory: a real
# redis-server (which rewrites its environment block for its title) under
# `forkguard run`, an unguarded process, and a daemon-like one (fd 2
# /dev/null).
source "$(dirname "$0")/lib.sh"

ver=$(sed -n 's/^#define FG_VERSION "\(.*\)"/\1/p' "$TOP/include/forkguard.h")
so=$(realpath "$LIB")
sleep 30 &
spid=$!
HELD+=("$spid")
"$FG" check "$spid" >"$TMP/plain.out" 2>&1
check guard-not-loaded "an unguarded sleep: $(grep 'guard:' "$TMP/plain.out")" \
	grep -qx '  guard: not loaded (no libforkguard in its maps)' "$TMP/plain.out"
# what the limit holds a fork: no guard, no measured fork: the worst case
# (every page copied)
check save-worst "an unguarded sleep: $(grep 'save:' "$TMP/plain.out")" \
	grep -q '^  save: this limit (.*) holds a fork of a process of up to .* if the fork copies every page' "$TMP/plain.out"
kill "$spid"

# a guarded shell whose first child (true) the guard followed to its end
# (FORKGUARD_COW=abort, every fork followed): check says what that fork
# copied, as a share, and the abort's margin kept
FORKGUARD_COW=abort FORKGUARD_COW_FOLLOW=all FORKGUARD_LOG="$TMP/follow.log" \
	LD_PRELOAD="$LIB" bash -c '/bin/true; sleep 30; :' 2>/dev/null &
fpid=$!
HELD+=("$fpid")
# (the watcher learns the end within its look interval: at most 5 s)
for _ in $(seq 50); do
	"$FG" check "$fpid" >"$TMP/follow.out" 2>&1
	grep -q 'recent measured' "$TMP/follow.out" && break
	sleep 0.1
done
check save-measured "a followed fork ended: $(grep 'save:' "$TMP/follow.out")" \
	grep -q '^  save: this limit (.*) holds a fork of a process of up to .* as its 1 recent measured fork copied at most [0-9]* % of it (.* if every page is copied); now .*, the abort.s margin kept. Redis: maxmemory below' "$TMP/follow.out"
kill "$fpid"

mkdir -p "$TMP/m"
FORKGUARD_METRICS="$TMP/m" LD_PRELOAD="$LIB" sleep 30 2>/dev/null &
dpid=$!
HELD+=("$dpid")
sleep 0.3
"$FG" check "$dpid" >"$TMP/daemon.out" 2>&1
if [ -S /dev/log ]; then to='syslog (/dev/log, fd 2 closed or /dev/null)'; else
	to="/tmp/forkguard-$(id -u).log (the last resort: fd 2 closed or /dev/null, no /dev/log here)"; fi
check guard-daemon "fd 2 /dev/null: $(grep 'guard:' "$TMP/daemon.out")" \
	grep -qxF "  guard: libforkguard $ver ($so) mapped, mode observe; reports go to $to; metrics $TMP/m" "$TMP/daemon.out"
kill "$dpid"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	fail guard-redis "redis-server/redis-cli not installed (apt-get install redis-server redis-tools)"
	summary
	exit
fi
port=$(free_port)
"$FG" run --mode remediate --log "$TMP/guard.log" -- redis-server --port "$port" \
	--bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" --daemonize no \
	--logfile "$TMP/redis.log" >/dev/null 2>&1 &
rpid=$!
HELD+=("$rpid")
redis_up "$port"
"$FG" check "$rpid" >"$TMP/redis.out" 2>&1
check guard-redis "redis-server under forkguard run: $(grep 'guard:' "$TMP/redis.out")" \
	grep -qxF "  guard: libforkguard $ver ($so) mapped, mode remediate; reports go to $TMP/guard.log; metrics none" "$TMP/redis.out"
kill "$rpid"
wait "$rpid" 2>/dev/null
summary
