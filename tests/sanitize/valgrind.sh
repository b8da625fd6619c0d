#!/usr/bin/env bash
# valgrind.sh - memcheck on guarded programs (the regular build): the
# merged-VMA fixture at 2 x 1 GiB (valgrind and huge mappings do not mix),
# the tests/transparency cases and a short fork storm.  Each program runs
# under valgrind bare and guarded, with the guard reporting every fork as
# JSON to a file (and, for the fixture, once more as text on stderr); the
# guarded run must print what the bare one prints (addresses and RSS
# aside), exit as it does, and leave zero memcheck errors (definite leaks
# included) in every process's log, forked children too.
#
# Not run: the "signal" case (two threads spinning in malloc while 100
# forks run; valgrind serialises threads and it takes over 10 minutes).
# The "passthrough" case stops at clone(CLONE_VM), which valgrind cannot
# run ("Valgrind does not support general clone()"), bare and guarded
# alike: what comes before it (vfork, posix_spawn, system, popen) is
# checked, and nothing of it is reported.
source "$(dirname "$0")/../integration/lib.sh"
T=$B/tests
VG=(valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --track-origins=yes)

# the output without what differs from run to run: addresses, RSS
same() {
	sed -E -e 's/^vma [0-9a-f]+-[0-9a-f]+ /vma /' -e 's/ rss_kb .*//' \
		-e 's/fds ([0-9]+)->\1$/fds stable/' "$1"
}

# vg NAME REPORTS CMD...: CMD under memcheck, bare then guarded, and the
# guard's report count must be at least REPORTS; one check
vg() {
	local name=$1 min=$2 rb rg errs reports differ
	shift 2
	# the errno case's last fork is a child's, turned nobody: its log must
	# be writable by it (valgrind does not grow a setuid child's stack as
	# far as the sinks' last-resort path, /tmp/forkguard-<euid>.log, takes
	# it: that path is tested natively, tests/log/no_sink.sh)
	chmod 711 "$TMP"
	mkdir -p -m 1777 "$TMP/$name"
	"${VG[@]}" --log-file="$TMP/$name/bare.%p" "$@" >"$TMP/$name/out.bare" 2>/dev/null
	rb=$?
	FORKGUARD_REPORT=all FORKGUARD_FORMAT=json FORKGUARD_RATE_LIMIT=0 \
		FORKGUARD_LOG="$TMP/$name/guard.json" LD_PRELOAD="$LIB" \
		"${VG[@]}" --log-file="$TMP/$name/guard.%p" "$@" >"$TMP/$name/out.guard" 2>/dev/null
	rg=$?
	[ "$name" = merged_vma ] && FORKGUARD_REPORT=all LD_PRELOAD="$LIB" \
		"${VG[@]}" --log-file="$TMP/$name/text.%p" "$@" >/dev/null 2>"$TMP/$name/text.err"
	errs=$(cat "$TMP/$name"/guard.* "$TMP/$name"/text.* 2>/dev/null |
		sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | awk '{s += $1} END {print s + 0}')
	reports=$(cat "$TMP/$name/guard.json" 2>/dev/null | wc -l)
	differ=$(diff <(same "$TMP/$name/out.bare") <(same "$TMP/$name/out.guard"))
	check "valgrind-$name" "bare exit $rb, guarded exit $rg, outputs $([ -z "$differ" ] && echo identical || echo DIFFER), $reports reports, $errs memcheck errors in $(ls "$TMP/$name" | grep -c '^guard\.[0-9]\|^text\.[0-9]') guarded processes" \
		test "$rb" = "$rg" -a "$errs" = 0 -a "$reports" -ge "$min" -a -z "$differ"
	if [ "$errs" != 0 ]; then
		grep -l 'ERROR SUMMARY: [1-9]' "$TMP/$name"/guard.* "$TMP/$name"/text.* 2>/dev/null |
			head -n1 | xargs sed -n '/^==[0-9]*== [A-Z]/,$p' | head -n 40
	fi
}

if ! command -v valgrind >/dev/null; then
	fail valgrind "valgrind is not installed (apt-get install valgrind)"
	summary
	exit
fi
vg merged_vma 1 "$B/fixtures/merged_vma" 1 2
for c in atfork errno closefds child; do
	vg "$c" 1 "$T/transparency" "$c"
done
vg passthrough 0 "$T/transparency" passthrough
vg storm 300 "$T/storm" 300
summary
