# lib.sh - what the CLI tests add to tests/lib.sh (sourced): the held
# forking helper (hold_fork.c) and the size that makes its fork fail.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HELPER=$B/tests/cli/hold_fork
HOLD_WRAP=() # a command hold_start runs the helper under (setpriv ...)
PORT_BASE=20200

# redis_up PORT: wait (bounded, 10 s) until a Redis on 127.0.0.1:PORT answers
redis_up() {
	local i
	for i in $(seq 100); do
		redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.1
	done
	return 1
}

# build_helper: compile tests/cli/hold_fork.c when it is newer than the binary
build_helper() {
	mkdir -p "$B/tests/cli"
	if [ ! -x "$HELPER" ] || [ "$TOP/tests/cli/hold_fork.c" -nt "$HELPER" ]; then
		${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -o "$HELPER" \
			"$TOP/tests/cli/hold_fork.c" || return 1
	fi
}

# merged_gib: GiB per mapping so that two of them merged exceed RAM + swap
merged_gib() {
	awk '/^MemTotal:|^SwapTotal:/ { kb += $2 }
		END { printf "%d\n", kb / 2 / 1048576 + 1 }' /proc/meminfo
}

# hold_start NAME GIB [VAR=VALUE...]: start hold_fork GIB (with the
# variables, under HOLD_WRAP if set), wait (bounded) for its "ready" line.
# Sets HOLD_PID; output in $TMP/NAME.out; hold_release NAME lets it fork.
declare -A HOLD_FDS HOLD_PIDS
hold_start() {
	local name=$1 gib=$2 i fd
	shift 2
	rm -f "$TMP/$name.in"
	mkfifo -m 666 "$TMP/$name.in"
	exec {fd}<>"$TMP/$name.in"
	env "$@" "${HOLD_WRAP[@]}" "$HELPER" "$gib" 2 <"$TMP/$name.in" \
		>"$TMP/$name.out" 2>&1 {fd}>&- &
	HOLD_PID=$!
	HELD+=("$HOLD_PID")
	HOLD_FDS[$name]=$fd
	HOLD_PIDS[$name]=$HOLD_PID
	for i in $(seq 100); do
		grep -q '^ready' "$TMP/$name.out" 2>/dev/null && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# hold_release NAME: let the held process fork (bounded wait); prints its
# "fork: ..." result
hold_release() {
	local name=$1 fd=${HOLD_FDS[$1]} pid=${HOLD_PIDS[$1]} i
	echo go >&"$fd"
	for i in $(seq 200); do
		grep -q '^fork:' "$TMP/$name.out" && break
		sleep 0.05
	done
	exec {fd}>&-
	kill -0 "$pid" 2>/dev/null && sleep 0.1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sed -n 's/^fork: //p' "$TMP/$name.out"
}
