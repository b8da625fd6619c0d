#!/bin/sh
# oldk_scenarios.sh DRIVER LIB CLI [TRANSPARENCY] - the old-kernel oracle's
# scenario set.
#
# Runs inside a VM booted from one of the kernels 2.6.32-4.20 (oldk.sh),
# as the work of oldk_init.sh.  Each scenario is one run of the driver
# (scenario.c, built with musl) under LD_PRELOAD=LIB (the musl build of
# the library), which judges the fork live, in the process; the driver
# also records /proc right before its fork, and CLI (`forkguard check
# --procfs`, a static musl build) judges that record from outside after
# it.  Records as scenarios.sh prints them (see there), plus
#   @@O NAME <json>    the verdict from outside
# The layouts are those of the 5.2+ set that exist on these kernels (no
# MADV_WIPEONFORK before 4.14) and three shapes allocators make (arena,
# tstack, retain: layout.c), sized around L, the driver's rough aim at the
# limit of the kernel's era (measure.c); the kernel's real outcome judges.
# Modes 0, 1 and 2; root and uid 65534 (where the kernel has setuid);
# layouts built in one mode and forked in another.  "seed" is the seed
# incident's shape (an allocator's retained chunks, charged, far above
# free memory, mode 0), forked under observe and under remediate (the
# guard purges through mallctl; nothing is recorded for the outside, which
# cannot remediate).  TRANSPARENCY (tests/transparency, musl-built): each
# case run bare and under the library, in mode 0 first, on kernels
# without VmFlags; the outputs and exit codes must be the same:
#   @@T CASE same|DIFFER bare=RC guarded=RC
set -u

where=vm
drv=$1
lib=$2
cli=$3
tprog=${4:-}
vm=/proc/sys/vm
logdir=${TMPDIR:-/tmp}/fg-oracle.$$
umask 000 # the guard writes its log after the driver dropped root
mkdir -m 1777 "$logdir" || exit 1
out=$logdir/driver.out
name=
kstart=0
kbytes=0 # no kernel here prints bytes: in its refusal line

. "$(dirname "$0")/scen_lib.sh"

# u ARGS... - sc as uid 65534, where the kernel can setuid.
u() {
	[ "$user" = 1 ] || return 0
	t=$1
	shift
	sc "$t" -u "$@"
}

m0_set() {
	t=$1
	sc "$t" anon 64M
	sc "$t" -j anon 'L*0.5'
	sc "$t" -j anon L-64M
	sc "$t" -j anon L-8M
	sc "$t" -j anon L+8M
	sc "$t" -j anon L+64M
	sc "$t" -j anon 'L*1.5'
	sc "$t" -r anon L+64M
	sc "$t" -a anon L+64M
	sc "$t" -j -f anon L-64M
	sc "$t" -j -f anon L+64M
	sc "$t" -j noreserve 'L*0.5'
	sc "$t" -j noreserve 'L*1.5'
	sc "$t" -j dontfork 'L*1.5'
	sc "$t" -j shared 'L*1.5'
	sc "$t" -j relro L-64M
	sc "$t" -j relro L+64M
	sc "$t" -j protnone L+64M
	sc "$t" -j protnone-clean L+64M
	sc "$t" protnone-clean 64M
	sc "$t" brk L-64M
	sc "$t" brk L+64M
	sc "$t" mremap L-64M
	sc "$t" mremap L+64M
	sc "$t" many 'L*1.5'
	sc "$t" many 256M
	sc "$t" arena 'L*0.5'
	sc "$t" arena 'L*1.5'
	sc "$t" tstack 8M
	sc "$t" tstack 'L*0.5'
	sc "$t" retain 'L*0.5'
	sc "$t" retain L+64M
	u "$t" anon 64M
	u "$t" -j anon L-64M
	u "$t" -j anon L+64M
	u "$t" -j noreserve 'L*1.5'
	u "$t" -j dontfork 'L*1.5'
	u "$t" brk L+64M
	u "$t" arena 'L*1.5'
	u "$t" retain L+64M
}

m1_set() {
	t=$1
	sc "$t" anon 64M
	sc "$t" -j anon 'L*2'
	sc "$t" -j noreserve 'L*2'
	sc "$t" brk 'L*1.5'
	sc "$t" retain 'L*2'
	sc "$t" arena 'L*2'
	u "$t" -j anon 'L*2'
}

m2_set() {
	t=$1
	sc "$t" anon 64M
	sc "$t" anon 'L*0.5'
	sc "$t" anon L-64M
	sc "$t" anon L-8M
	sc "$t" anon L+8M
	sc "$t" anon L+64M
	sc "$t" anon 'L*1.5'
	sc "$t" -j anon L-64M
	sc "$t" -j anon L+64M
	sc "$t" noreserve 'L*1.5'
	sc "$t" dontfork 'L*1.5'
	sc "$t" shared 'L*1.5'
	sc "$t" relro L-64M
	sc "$t" relro L+64M
	sc "$t" protnone L+64M
	sc "$t" protnone-clean L+64M
	sc "$t" brk L-64M
	sc "$t" brk L+64M
	sc "$t" mremap L-64M
	sc "$t" mremap L+64M
	sc "$t" many L-64M
	sc "$t" many L+64M
	sc "$t" arena L-64M
	sc "$t" arena L+64M
	sc "$t" tstack L-64M
	sc "$t" tstack L+64M
	sc "$t" retain L-64M
	sc "$t" retain L+64M
	u "$t" anon 64M
	u "$t" anon L-64M
	u "$t" anon L+64M
	u "$t" noreserve 'L*1.5'
	u "$t" arena L+64M
	u "$t" retain L+64M
}

# Built in one mode, forked in another: what a mapping's creation decided
# (MAP_NORESERVE honoured in modes 0/1 only) stays with it.
transitions() {
	trans 1 0 -t 0 -j anon 'L*1.5'
	trans 1 0 -t 0 -j anon L-64M
	trans 0 2 -t 2 noreserve 'L*1.5'
	trans 0 2 -t 2 arena 'L*1.5'
	trans 0 2 -t 2 anon 'L*0.8'
	trans 0 2 -t 2 anon 'L*1.2'
	trans 0 2 -t 2 dontfork 'L*1.5'
	trans 2 0 -t 2 arena 'L*1.5'
	trans 2 0 -t 2 noreserve 'L*1.5'
}

# The seed incident's shape, observed then remediated (see the top).
seed() {
	sc seed retain L+256M
	c=$cli
	cli=
	gmode=remediate
	sc seed-remediate retain L+256M
	gmode=
	cli=$c
}

# transparency - the suite's cases, bare and guarded (see the top), where
# smaps has no VmFlags: there the wrappers record; elsewhere they pass
# through, as in the host's suite.
transparency() {
	if grep -q '^VmFlags:' /proc/self/smaps; then
		echo "@@T - skipped: smaps has VmFlags here (the wrappers pass through, as on the host)"
		return
	fi
	for c in atfork errno signal passthrough closefds child handler-errno maps; do
		"$tprog" "$c" >"$logdir/t.bare" 2>&1
		rb=$?
		LD_PRELOAD=$lib FORKGUARD_REPORT=all FORKGUARD_FORMAT=json \
			FORKGUARD_LOG="$logdir/t.log" "$tprog" "$c" >"$logdir/t.guard" 2>&1
		rg=$?
		if [ "$rb" = "$rg" ] && cmp -s "$logdir/t.bare" "$logdir/t.guard"; then
			echo "@@T $c same bare=$rb guarded=$rg"
		else
			echo "@@T $c DIFFER bare=$rb guarded=$rg"
			diff "$logdir/t.bare" "$logdir/t.guard" | sed 's/^/@@T  /'
		fi
	done
}

rel=$(uname -r)
meminfo
read -r up _ </proc/uptime
echo "@@U $rel memtotal_kb=$mem_total where=vm guard=1 outside=1 uptime=$up"
user=1
"$drv" probe -u anon 4k >"$out" 2>&1
if grep -q 'step=drop' "$out"; then
	user=0
	echo "@@C user skipped: setresuid fails here ($(cat "$out"))"
fi
dmesg -c >/dev/null 2>&1
[ -z "$tprog" ] || transparency
admin0=$(ctl admin_reserve_kbytes)
user0=$(ctl user_reserve_kbytes)
[ "$admin0" != - ] || admin0=0
[ "$user0" != - ] || user0=0
setvm m0 0 50 0 "$admin0" "$user0" && m0_set m0 && seed
setvm m1 1 50 0 "$admin0" "$user0" && m1_set m1
setvm m2r50 2 50 0 "$admin0" "$user0" && m2_set m2r50
setvm m2r80 2 80 0 "$admin0" "$user0" && m2_set m2r80
setvm tr 0 50 0 "$admin0" "$user0" && transitions
setvm end 0 50 0 "$admin0" "$user0"
read -r up _ </proc/uptime
echo "@@END uptime=$up"
