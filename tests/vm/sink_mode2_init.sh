#!/bin/sh
# sink_mode2_init.sh - /init of the initramfs sink_mode2.sh boots.
#
# Mode 2 with the commit limit reached and FORKGUARD_LOG on a tmpfs: a
# tmpfs page is charged like any other, so the log file cannot grow; every
# fork the guard predicts to fail must still leave its line (in the file
# or on stderr), and a note on stderr must say why the file failed (the
# kernel refuses the tmpfs page with ENOSPC).
# fill_fork takes the whole limit and forks N times; its stderr goes to a
# ramfs file (ramfs pages are not charged).  Summary lines start with
# "@@S ", the verdict line is "sink mode2: PASS|FAIL ...", then "@@EXIT rc".
# Kernel command line: sm2_forks (20).
. /fg/vm_setup.sh
mkdir -p /log
mount -t tmpfs -o size=64m fglog /log
N=${sm2_forks:-20}
vm=/proc/sys/vm
S() { echo "@@S $*"; }

echo 0 >$vm/overcommit_kbytes
echo 50 >$vm/overcommit_ratio
echo 2 >$vm/overcommit_memory
FORKGUARD_LOG=/log/fg.log FORKGUARD_RATE_LIMIT=0 LD_PRELOAD=/fg/libforkguard.so \
	/fg/fill_fork "$N" >/run/out 2>/run/err
rc=$?
echo 0 >$vm/overcommit_memory

failed=$(grep -c ': ENOMEM$' /run/out)
infile=$(grep -c 'fork verdict fail' /log/fg.log 2>/dev/null)
onerr=$(grep -c 'fork verdict fail' /run/err)
note=$(grep -cE 'cannot write the log file /log/fg.log \((ENOSPC|ENOMEM)\)' /run/err)
S "kernel $(uname -r); fill_fork exit $rc, $(sed -n 's/^filled //p' /run/out) kB mapped; forks refused: $failed of $N"
S "predicted-fail lines: $infile in /log/fg.log (tmpfs), $onerr on stderr; notes naming the file and its errno (a refused tmpfs page is ENOSPC): $note"
S "the note: $(grep -m1 'cannot write the log file' /run/err)"
status=0
why=
[ "$failed" = "$N" ] || { status=1; why="$why; only $failed of $N forks were refused"; }
[ $((infile + onerr)) -ge "$failed" ] || { status=1; why="$why; $((infile + onerr)) lines for $failed refused forks"; }
[ "$onerr" = 0 ] || [ "$note" = 1 ] || { status=1; why="$why; $onerr lines on stderr but $note notes"; }
[ "$onerr" -gt 0 ] || { status=1; why="$why; the log file never failed (the limit was not reached)"; }
if [ $status = 0 ]; then
	echo "sink mode2: PASS $(uname -r): $failed refused forks, $infile lines in the tmpfs log, $onerr on stderr after the note"
else
	echo "sink mode2: FAIL $(uname -r):${why#;}"
	sed 's/^/@@E /' /run/err | head -n 8
fi
echo "@@EXIT $status"
sync
poweroff -f
