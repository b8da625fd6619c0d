#!/usr/bin/env bash
# The README's Redis line with Debian's stock setting `daemonize yes` and
# FORKGUARD_LOG unset: after daemonizing, fd 2 is /dev/null, so the
# BGSAVE report goes to syslog (here a test-owned /dev/log receiver in a
# private mount namespace), not to /dev/null.
source "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	fail redis-syslog "redis-server/redis-cli not installed (apt-get install redis-server redis-tools)"
	summary
	exit
fi
if [ "$NS" != yes ]; then
	skip redis-syslog "no mount namespace"
	summary
	exit
fi
receiver redis || { fail redis-syslog "the receiver did not start"; summary; exit; }
port=$(free_port)
d=$TMP/redis
mkdir -p "$d"
# the stock config's relevant lines, with a test port, dir and log
sed -n '/^daemonize /p; /^supervised /p' /etc/redis/redis.conf >"$d/redis.conf" 2>/dev/null
grep -q '^daemonize yes' "$d/redis.conf" || echo 'daemonize yes' >>"$d/redis.conf"
cat >>"$d/redis.conf" <<CONF
port $port
bind 127.0.0.1
dir $d
pidfile $d/redis.pid
logfile $d/redis.log
save ""
appendonly no
CONF
in_ns "$TMP/redis.sock" env -u FORKGUARD_LOG FORKGUARD_REPORT=all LD_PRELOAD="$LIB" \
	redis-server "$d/redis.conf" >"$TMP/start.out" 2>&1
up=no
for _ in $(seq 100); do
	redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && { up=yes; break; }
	sleep 0.1
done
pid=$(cat "$d/redis.pid" 2>/dev/null)
[ -n "$pid" ] && HELD+=("$pid")
if [ "$up" != yes ] || [ -z "$pid" ]; then
	fail redis-syslog "redis did not start: $(tail -n3 "$d/redis.log" 2>/dev/null)"
	summary
	exit
fi
check redis-daemon "redis-server daemonized (pid $pid), its fd 2 is $(readlink /proc/$pid/fd/2)" \
	test "$(readlink /proc/$pid/fd/2)" = /dev/null
redis-cli -p "$port" set k v >/dev/null
redis-cli -p "$port" bgsave >/dev/null
for _ in $(seq 100); do
	grep -q "forkguard\[$pid\]: redis-server: fork verdict" "$TMP/redis.dg" 2>/dev/null && break
	sleep 0.1
done
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null
line=$(grep -m1 "forkguard\[$pid\]" "$TMP/redis.dg")
check redis-bgsave-syslog "the BGSAVE fork's report at syslog: ${line:0:110}" \
	grep -Eq "^<14>forkguard\[$pid\]: redis-server: fork verdict ok, outcome ok" <<<"$line"
summary
