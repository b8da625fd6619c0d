#!/usr/bin/env bash
# No sink works (a daemon's fd 2 is /dev/null, the host has no /dev/log, as
# in many containers): the entries are kept in the last resort,
# /tmp/forkguard-<euid>.log, after a note naming that path; syslog asked
# for and missing: stderr gets the entries after the same kind of note the
# log file gives.  A private mount namespace with no /dev/log and its own
# /tmp (unshare -m): the host is not touched.
source "$(dirname "$0")/lib.sh"

if [ "$NS" != yes ]; then
	summary
	exit
fi
case $TOP/ in /tmp/*)
	skip no-sink "the tree is under /tmp, which the namespace covers with its own tmpfs"
	summary
	exit ;;
esac
uid=$(id -u)
last=/tmp/forkguard-$uid.log
# a daemon's view: fd 2 /dev/null, FORKGUARD_LOG unset; 3 forks
in_ns none bash -c "echo 3 | env -u FORKGUARD_LOG FORKGUARD_REPORT=all \
	LD_PRELOAD='$LIB' '$FORKER' >/dev/null 2>/dev/null; cat '$last'" >"$TMP/last.log" 2>&1
n=$(grep -c 'forker: fork verdict' "$TMP/last.log")
notes=$(grep -c "cannot send to syslog (/dev/log: ENOENT); entries go to $last" "$TMP/last.log")
check no-sink-last-resort "fd 2 /dev/null, no /dev/log: $n of 3 reports in $last, $notes note(s) naming it: $(head -n1 "$TMP/last.log" | cut -c1-160)" \
	test "$n" = 3 -a "$notes" = 1

# FORKGUARD_LOG=syslog without /dev/log: stderr, after one note
in_ns none bash -c "echo 2 | FORKGUARD_LOG=syslog FORKGUARD_REPORT=all \
	LD_PRELOAD='$LIB' '$FORKER' >/dev/null" 2>"$TMP/syslog.err"
n=$(grep -c 'forker: fork verdict' "$TMP/syslog.err")
notes=$(grep -c 'cannot send to syslog (/dev/log: ENOENT); entries go to stderr' "$TMP/syslog.err")
check syslog-to-stderr-note "FORKGUARD_LOG=syslog, no /dev/log: $n of 2 reports on stderr, $notes note(s): $(head -n1 "$TMP/syslog.err" | cut -c1-160)" \
	test "$n" = 2 -a "$notes" = 1

# a file another user made at the last resort's path is not written
if [ "$uid" = 0 ] && id nobody >/dev/null 2>&1; then
	in_ns none bash -c "touch '$last'; chown nobody '$last'; echo 1 | \
		env -u FORKGUARD_LOG FORKGUARD_REPORT=all LD_PRELOAD='$LIB' \
		'$FORKER' >/dev/null 2>/dev/null; wc -c <'$last'" >"$TMP/other.out" 2>&1
	check no-sink-not-others "the last resort's path owned by nobody: $(cat "$TMP/other.out") bytes written there" \
		test "$(cat "$TMP/other.out")" = 0
else
	skip no-sink-not-others "needs root"
fi

# forkguard run says at start that no sink will take the entries
in_ns none bash -c "'$FG' run --log syslog -- true" 2>"$TMP/run.err"
check run-warns-no-sink "forkguard run --log syslog without /dev/log: $(head -n1 "$TMP/run.err")" \
	grep -q "no syslog here (/dev/log: ENOENT).*$last" "$TMP/run.err"
summary
