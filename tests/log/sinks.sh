#!/usr/bin/env bash
# The sink never drops an entry: a failed log file (/dev/full, a full
# tmpfs) hands each entry to stderr, or to syslog when fd 2 is closed or
# /dev/null, with one note naming the path and the errno; a rotated file
# (mv + create, copytruncate) loses nothing and gets nothing after the
# rename; every entry is dated (ISO 8601 UTC, ms) and attributed (pid,
# comm); syslog gets one datagram per report at the verdict's severity.
#
# syslog here is a test-owned receiver (dgram_sink) bound over /dev/log in
# a private mount namespace (unshare -m): the host's /dev is not touched.
source "$(dirname "$0")/../cli/lib.sh"

source "$(dirname "$0")/lib.sh"

# 1. /dev/full: every entry reaches stderr, one note names the failure
guarded 3 FORKGUARD_LOG=/dev/full 2>"$TMP/full.err"
r=$(count 'fork verdict ok' "$TMP/full.err")
note=$(count 'cannot write the log file /dev/full (ENOSPC)' "$TMP/full.err")
check devfull "FORKGUARD_LOG=/dev/full: $r of 3 reports on stderr, $note note(s) naming /dev/full and ENOSPC" \
	test "$r" = 3 -a "$note" = 1
check devfull-who "the note is dated and carries pid and comm: $(grep -m1 'cannot write' "$TMP/full.err" | cut -c1-80)" \
	grep -Eq "^$TS_RE forkguard\[[0-9]+\] forker: cannot write" "$TMP/full.err"

if [ "$NS" = yes ]; then
	# 2. a full tmpfs (private mount namespace): the same
	mkdir -p "$TMP/mnt"
	unshare -m bash -c '
		mount -t tmpfs -o size=64k fgfull "$1" &&
		head -c 1M /dev/zero >"$1/filler" 2>/dev/null
		echo 4 | env FORKGUARD_REPORT=all FORKGUARD_LOG="$1/fg.log" \
			LD_PRELOAD="$2" "$3" >/dev/null' ns "$TMP/mnt" "$LIB" "$FORKER" \
		2>"$TMP/tmpfs.err"
	r=$(count 'fork verdict ok' "$TMP/tmpfs.err")
	note=$(count "cannot write the log file $TMP/mnt/fg.log (ENOSPC)" "$TMP/tmpfs.err")
	check tmpfs-full "a full tmpfs: $r of 4 reports on stderr, $note note(s) with the path and ENOSPC" \
		test "$r" = 4 -a "$note" = 1

	# 3. file and stderr both unusable: syslog gets the note and the reports
	if receiver both; then
		in_ns "$TMP/both.sock" bash -c 'echo 2 | env FORKGUARD_REPORT=all \
			FORKGUARD_LOG=/dev/full LD_PRELOAD="$1" "$2" >/dev/null 2>/dev/null' \
			x "$LIB" "$FORKER"
		settle
		r=$(count '^<14>forkguard\[[0-9]*\]: forker: fork verdict ok' "$TMP/both.dg")
		note=$(count '^<12>forkguard\[[0-9]*\]: forker: cannot write the log file /dev/full (ENOSPC); entries go to syslog' "$TMP/both.dg")
		check syslog-fallback "/dev/full and fd 2 on /dev/null: $r of 2 reports and $note note at syslog" \
			test "$r" = 2 -a "$note" = 1
	else
		fail syslog-fallback "the receiver did not start"
	fi

	# 4. FORKGUARD_LOG unset, fd 2 closed or /dev/null: syslog by default
	for how in closed devnull; do
		receiver "$how" || { fail "default-$how" "the receiver did not start"; continue; }
		redir='2>/dev/null'
		[ "$how" = closed ] && redir='2>&-'
		in_ns "$TMP/$how.sock" bash -c "echo 2 | env FORKGUARD_REPORT=all \
			LD_PRELOAD=\"\$1\" \"\$2\" >/dev/null $redir" x "$LIB" "$FORKER"
		settle
		r=$(count '^<14>forkguard\[[0-9]*\]: forker: fork verdict ok' "$TMP/$how.dg")
		check "default-$how" "FORKGUARD_LOG unset, fd 2 $how: $r of 2 reports at syslog" test "$r" = 2
	done

	# 5. severities, one datagram per report, no doubled prefix
	if receiver prio; then
		snap=$TOP/fixtures/snapshots
		gib=$(merged_gib)
		in_ns "$TMP/prio.sock" bash -c '
			export FORKGUARD_LOG=syslog LD_PRELOAD="$1"
			"$3/fixtures/merged_vma" "$4" >/dev/null 2>&1
			echo 1 | FORKGUARD_PROCFS="$2/mode2-borderline" "$5" >/dev/null
			echo 1 | FORKGUARD_PROCFS="$2/mode2-5.2plus-fail" "$5" >/dev/null
			echo 1 | FORKGUARD_REPORT=all "$5" >/dev/null
			echo 1 | FORKGUARD_REPORT=all FORKGUARD_FORMAT=json "$5" >/dev/null' \
			x "$LIB" "$snap" "$B" "$gib" "$FORKER"
		settle
		dg=$TMP/prio.dg
		check prio-fail "a predicted fail (merged_vma): LOG_ERR <11>, one datagram with its rule and fix lines" \
			grep -Eq '^<11>forkguard\[[0-9]+\]: merged_vma: fork verdict fail.*\\n  rule: .*\\n  fix: ' "$dg"
		check prio-borderline "borderline: LOG_WARNING <12>" \
			grep -Eq '^<12>forkguard\[[0-9]+\]: [^:]+: fork verdict borderline' "$dg"
		check prio-mismatch "a mismatch (predicted fail, fork went through): LOG_WARNING <12>" \
			grep -Eq '^<12>forkguard\[[0-9]+\]: [^:]+: fork verdict fail, outcome ok \(MISMATCH' "$dg"
		check prio-ok "ok: LOG_INFO <14>" \
			grep -Eq '^<14>forkguard\[[0-9]+\]: forker: fork verdict ok' "$dg"
		check prio-json "JSON format sends the JSON object itself" \
			grep -Eq "^<14>forkguard\[[0-9]+\]: \{\"ts\":\"$TS_RE\",\"event\":\"fork\",.*\}$" "$dg"
		n=$(wc -l <"$dg")
		check prio-one "5 reports, $n datagrams; none with the prefix twice" \
			test "$n" = 5 -a "$(grep -c 'forkguard\[.*forkguard\[' "$dg")" = 0
	else
		fail prio "the receiver did not start"
	fi
else
	skip tmpfs-full "no mount namespace"
	skip syslog "no mount namespace"
fi

# 6. JSON: "ts" parses as ISO 8601 UTC and is the time of the fork
guarded 2 FORKGUARD_FORMAT=json FORKGUARD_LOG="$TMP/j.log"
now=$(date -u +%s)
ok=0
while read -r ts; do
	t=$(date -u -d "$ts" +%s 2>/dev/null) || continue
	[ $((now - t)) -ge 0 ] && [ $((now - t)) -le 30 ] && ok=$((ok + 1))
done < <(grep -oE "\"ts\":\"$TS_RE\"" "$TMP/j.log" | cut -d'"' -f4)
check json-ts "JSON lines: $(lines "$TMP/j.log"), valid and with an ISO 8601 ts within 30 s of now: $ok" \
	test "$ok" = 2 -a "$(lines "$TMP/j.log")" = 2
check json-valid "every JSON line parses" json_valid "$TMP/j.log"

# 7. text: every entry starts with its time; notes carry pid and comm
FORKGUARD_MODE=bogus guarded 1 FORKGUARD_LOG="$TMP/t.log"
check text-ts "each head line starts with an ISO 8601 UTC time" \
	test "$(grep -cvE "^($TS_RE |  )" "$TMP/t.log")" = 0 -a "$(lines "$TMP/t.log")" -ge 2
check warn-who "a config warning names pid and comm: $(grep -m1 ignoring "$TMP/t.log" | cut -c1-90)" \
	grep -Eq "^$TS_RE forkguard\[[0-9]+\] forker: ignoring FORKGUARD_MODE" "$TMP/t.log"
{ echo 3; sleep 1.2; echo 1; } | env FORKGUARD_REPORT=all FORKGUARD_RATE_LIMIT=1 \
	FORKGUARD_LOG="$TMP/s2.log" LD_PRELOAD="$LIB" "$FORKER" >/dev/null
check suppressed-who "the suppressed count names pid and comm: $(grep -m1 suppressed "$TMP/s2.log" | cut -c1-90)" \
	grep -Eq "^$TS_RE forkguard\[[0-9]+\] forker: [12] reports suppressed" "$TMP/s2.log"

# 8. rotation: mv + create, then mv alone, then copytruncate
rot=$TMP/rot.log
coproc FK { env FORKGUARD_REPORT=all FORKGUARD_LOG="$rot" LD_PRELOAD="$LIB" "$FORKER"; }
fkpid=$FK_PID
HELD+=("$fkpid")
forks() { echo "$1" >&"${FK[1]}"; read -r -t 20 _ <&"${FK[0]}"; }
forks 3
mv "$rot" "$rot.1"
install -m 0600 /dev/null "$rot" # logrotate's create
forks 2
a=$(count 'fork verdict' "$rot.1")
b=$(count 'fork verdict' "$rot")
check rotate-create "mv + create: $a lines in the renamed file (3 before), $b in the new one (2 after)" \
	test "$a" = 3 -a "$b" = 2
mv "$rot" "$rot.2" # no create: the guard makes it
forks 2
c=$(count 'fork verdict' "$rot")
check rotate-mv "mv alone: $(count 'fork verdict' "$rot.2") in the renamed file, $c in a new one, mode $(stat -c %a "$rot" 2>/dev/null)" \
	test "$c" = 2 -a "$(count 'fork verdict' "$rot.2")" = 2 -a "$(stat -c %a "$rot" 2>/dev/null)" = 600
cp "$rot" "$rot.3" # logrotate's copytruncate
: >"$rot"
forks 3
d=$(count 'fork verdict' "$rot")
check rotate-copytruncate "copytruncate: $(count 'fork verdict' "$rot.3") in the copy, $d after the truncate, no NUL bytes" \
	test "$d" = 3 -a "$(count 'fork verdict' "$rot.3")" = 2 -a "$(tr -d '\000' <"$rot" | wc -c)" = "$(wc -c <"$rot")"
exec {FK[1]}>&-
wait "$fkpid" 2>/dev/null

summary
