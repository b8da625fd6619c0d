# lib.sh - what the log tests share (it sources tests/cli/lib.sh): the
# forker and the syslog receiver, a private /dev with a test-owned /dev/log.
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

LB=$B/tests/log
FORKER=$LB/forker
SINK=$LB/dgram_sink
TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

if ! [ -x "$FORKER" ] || ! [ -x "$SINK" ]; then
	fail log-build "$FORKER or $SINK missing (make test-log builds them)"
	summary
	exit
fi
if ! unshare -m true 2>/dev/null; then
	skip log-ns "unshare -m is not permitted here: the namespace tests cannot run"
	NS=no
else
	NS=yes
fi

# guarded N [VAR=VALUE...]: run forker under the guard, N forks, report all
guarded() {
	local n=$1
	shift
	echo "$n" | env FORKGUARD_REPORT=all "$@" LD_PRELOAD="$LIB" "$FORKER" >/dev/null
}
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# in_ns SOCKET CMD...: run CMD in a private mount namespace whose /dev is a
# small tmpfs with null, zero, full, urandom, pts, shm and log -> SOCKET;
# SOCKET "none": no /dev/log at all, and a private tmpfs on /tmp (where
# the sinks' last resort is)
in_ns() {
	local sock=$1
	shift
	unshare -m bash -c '
		set -e
		sock=$1; shift
		old=$(mktemp -d /tmp/fg-olddev.XXXXXX)
		mount --rbind /dev "$old"
		mount -t tmpfs -o size=64k,mode=755 fgdev /dev
		for n in null zero full random urandom tty; do
			[ -e "$old/$n" ] || continue
			touch "/dev/$n"; mount --bind "$old/$n" "/dev/$n"
		done
		for d in pts shm; do
			[ -d "$old/$d" ] || continue
			mkdir "/dev/$d"; mount --rbind "$old/$d" "/dev/$d"
		done
		ln -s /proc/self/fd /dev/fd
		ln -s /proc/self/fd/0 /dev/stdin
		ln -s /proc/self/fd/1 /dev/stdout
		ln -s /proc/self/fd/2 /dev/stderr
		umount -l "$old"; rmdir "$old"
		if [ "$sock" = none ]; then
			mount -t tmpfs -o size=1m fgtmp /tmp
		else
			touch /dev/log; mount --bind "$sock" /dev/log
		fi
		exec "$@"' in_ns "$sock" "$@"
}

# receiver NAME: start dgram_sink on $TMP/NAME.sock, datagrams in $TMP/NAME.dg
receiver() {
	local name=$1 fifo=$TMP/$1.ready line
	rm -f "$TMP/$name.dg"
	mkfifo "$fifo"
	"$SINK" "$TMP/$name.sock" "$TMP/$name.dg" 60 >"$fifo" &
	HELD+=("$!")
	RECV_PID=$!
	read -r -t 10 line <"$fifo"
	rm -f "$fifo"
	[ "$line" = ready ]
}
settle() { sleep 0.3; } # the receiver writes what it got
