# lib.sh - shared helpers for the forkguard CLI tests (sourced).
# Each check prints "PASS name: detail", "FAIL name: detail" or "SKIP name:
# reason"; summary() prints "N passed, N failed, N skipped" and sets the
# exit status.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$TOP/build
FG=$B/forkguard
LIB=$B/libforkguard.so
HELPER=$B/tests/cli/hold_fork
PASSED=0
FAILED=0
SKIPPED=0
TMP=$(mktemp -d /tmp/fg-cli.XXXXXX)
HELD=() # pids started by hold_start, stopped (by pid) on exit
HOLD_WRAP=() # a command hold_start runs the helper under (setpriv ...)

cleanup() {
	local p
	for p in "${HELD[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "PASS $1: $2"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $1: $2"; }
check() { # check NAME DETAIL COMMAND...
	local name=$1 detail=$2
	shift 2
	if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; fi
}
summary() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
}

source "$TOP/tests/json.sh" # json_get FILE KEY
# json_valid FILE: FILE has at least one line, and every line is one whole
# JSON object (an empty or missing file is not valid)
json_valid() {
	[ -s "$1" ] || return 1
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)
    n += 1
assert n' "$1" 2>/dev/null
	elif command -v jq >/dev/null; then
		jq -e 'type == "object"' "$1" >/dev/null 2>&1
	else
		! grep -qv '^{.*}$' "$1"
	fi
}
# lines FILE: the number of lines in FILE
lines() { wc -l <"$1" | tr -d ' '; }

# a free TCP port on 127.0.0.1
free_port() {
	local p
	for p in $(seq 20200 20300 | shuf); do
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
	done
	echo 0
}

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
