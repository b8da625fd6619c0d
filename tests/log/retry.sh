#!/usr/bin/env bash
# The sink's retry of a failed log file, waited out at its real length
# (10 s; test_log moves a clock of its own through the same window): a
# tmpfs filled to the last block in a private mount namespace (unshare -m)
# refuses the first entry (ENOSPC: one note, the entry on stderr); the
# filler is removed at once, yet the entries before the window ends still
# go to stderr, and the first one after it, and every one after that, is
# in the file.
source "$(dirname "$0")/lib.sh"

if [ "$NS" != yes ]; then
	summary
	exit
fi
mkdir -p "$TMP/mnt"
# forks: the failing one at t0; at t0 + 0.3 s (filler gone) and t0 + 5 s:
# still in the window; at t0 + 10.6 s and right after: past it (the window
# ends 9 to 10 s after t0: it is counted in whole seconds)
unshare -m bash -c '
	mount -t tmpfs -o size=64k fgretry "$1" || exit 2
	head -c 1M /dev/zero >"$1/filler" 2>/dev/null
	{
		echo 1; sleep 0.3; rm -f "$1/filler"
		echo 1; sleep 4.7
		echo 1; sleep 5.6
		echo 2; sleep 0.3
	} | env FORKGUARD_REPORT=all FORKGUARD_FORMAT=json FORKGUARD_LOG="$1/fg.log" \
		LD_PRELOAD="$2" "$3" >/dev/null
	cp "$1/fg.log" "$4/retry.log"' ns "$TMP/mnt" "$LIB" "$FORKER" "$TMP" 2>"$TMP/retry.err"
rc=$?
# the seconds from the failing fork to each report, from their "ts"
secs() {
	python3 -c 'import json, sys
from datetime import datetime
t = [datetime.strptime(json.loads(l)["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
	for f in sys.argv[2:] for l in open(f)
	if l.startswith("{") and json.loads(l)["event"] == "fork"]
print(" ".join("%.1f" % (x - float(sys.argv[1])) for x in t))' "$@" 2>/dev/null
}
t0=$(python3 -c 'import json, sys
from datetime import datetime
for l in open(sys.argv[1]):
	if l.startswith("{"):
		print(datetime.strptime(json.loads(l)["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()); break' "$TMP/retry.err" 2>/dev/null)
note=$(count "cannot write the log file $TMP/mnt/fg.log (ENOSPC)" "$TMP/retry.err")
before=$(grep -c '"event":"fork"' "$TMP/retry.err")
after=$(grep -c '"event":"fork"' "$TMP/retry.log" 2>/dev/null)
check retry-before "ENOSPC, then room at once: $before report(s) on stderr at +$(secs "${t0:-0}" "$TMP/retry.err") s (want 3, all before +10 s), $note note(s) (want 1)" \
	test "$rc" = 0 -a "$before" = 3 -a "$note" = 1
check retry-after "after the 10 s window: $after report(s) in the file at +$(secs "${t0:-0}" "$TMP/retry.log") s (want 2, from +10 s on)" \
	test "${after:-0}" = 2 -a "$(wc -l <"$TMP/retry.log")" = 2
summary
