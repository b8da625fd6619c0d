#!/usr/bin/env bash
# seed.sh - (re)build the seed corpora under tests/fuzz/corpus/TARGET from
# this machine's /proc (small files only) and the recorded snapshots in
# fixtures/snapshots.  Files are named by where they came from; identical
# contents are kept once.  Not run by make: the seeds are committed.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
c=$top/tests/fuzz/corpus
snap=$top/fixtures/snapshots
mkdir -p "$c"/{meminfo,status,maps,zoneinfo,numbers,config,report}

# put TARGET NAME [FILE]: the file (or stdin) as a seed, unless a seed
# with the same bytes is there already
put() {
	local dir=$c/$1 name=$2 tmp
	tmp=$(mktemp)
	if [ $# -ge 3 ]; then cat "$3" >"$tmp" 2>/dev/null || true; else cat >"$tmp"; fi
	if [ -s "$tmp" ] && ! cmp -s "$tmp" /dev/null; then
		for f in "$dir"/*; do
			[ -e "$f" ] && cmp -s "$f" "$tmp" && { rm -f "$tmp"; return; }
		done
		mv "$tmp" "$dir/$name"
	else
		rm -f "$tmp"
	fi
}

# this host
put meminfo proc-meminfo /proc/meminfo
put status proc-self-status /proc/self/status
put status proc-self-statm /proc/self/statm
put maps proc-self-maps /proc/self/maps
# a real smaps, cut at a VMA header before 12 kB (max_len is 16 kB)
awk 'BEGIN { n = 0 } /^[0-9a-f]+-[0-9a-f]+ / { if (n > 12000) exit } { n += length($0) + 1; print }' \
	/proc/self/smaps | put maps proc-self-smaps-head
put zoneinfo proc-zoneinfo /proc/zoneinfo
for f in overcommit_memory overcommit_ratio overcommit_kbytes \
	admin_reserve_kbytes user_reserve_kbytes; do
	put numbers "proc-sys-vm-$f" "/proc/sys/vm/$f"
done
put numbers proc-osrelease /proc/sys/kernel/osrelease
put numbers sys-cpu-present /sys/devices/system/cpu/present
put numbers sys-cpu-online /sys/devices/system/cpu/online

# the recorded snapshots
for d in "$snap"/*/; do
	s=$(basename "$d")
	put meminfo "snap-$s" "$d/meminfo"
	put status "snap-$s-status" "$d/self/status"
	put status "snap-$s-statm" "$d/self/statm"
	put maps "snap-$s-maps" "$d/self/maps"
	put maps "snap-$s-smaps" "$d/self/smaps"
	put zoneinfo "snap-$s" "$d/zoneinfo"
	put numbers "snap-$s-cpus" "$d/cpus"
	put numbers "snap-$s-osrelease" "$d/sys/kernel/osrelease"
	for f in "$d"/sys/vm/*; do
		[ -e "$f" ] && put numbers "snap-$s-$(basename "$f")" "$f"
	done
done

# hand-written: rule names, odd cpu lists, paths
for v in '<=3.0' '3.1-3.9' '3.10-4.16' '4.17-5.1' '5.2+' 2.6 4.17 \
	'0-3,8-11' '0,2,4-7
' ' 0 - 3 , 5' '2.6.32-754.el6.x86_64' /proc; do
	printf '%s' "$v" | put numbers "hand-$(printf '%s' "$v" | md5sum | cut -c1-8)"
done

# FORKGUARD_* environments: every valid value, then the bad ones
printf '%s\n' FORKGUARD_MODE=remediate FORKGUARD_FORMAT=json \
	FORKGUARD_REPORT=all FORKGUARD_LOG=/tmp/fg-%p.log FORKGUARD_PROCFS=/proc \
	FORKGUARD_KERNEL_RULE=3.10-4.16 FORKGUARD_RATE_LIMIT=0 \
	FORKGUARD_REMEDY=jemalloc,trim FORKGUARD_RETRIES=100 \
	FORKGUARD_RETRY_DELAY_MS=60000 | put config valid-all
printf '%s\n' FORKGUARD_MODE=enforce FORKGUARD_LOG=syslog \
	FORKGUARD_KERNEL_RULE=5.2 FORKGUARD_REMEDY=none | put config valid-some
printf '%s\n' FORKGUARD_MODE=enforcing FORKGUARD_FORMAT=xml \
	FORKGUARD_REPORT=some FORKGUARD_LOG=relative.log FORKGUARD_PROCFS=proc \
	FORKGUARD_KERNEL_RULE=9.9 FORKGUARD_RATE_LIMIT=-1 FORKGUARD_REMEDY=bogus \
	FORKGUARD_RETRIES=x FORKGUARD_RETRY_DELAY_MS=1e9 | put config bad-all
printf 'FORKGUARD_MODE=off\001\033[2J\nFORKGUARD_REMEDY=trim,,split\n' | put config bad-controls

# reports: structured bytes, from a fixed random stream
for i in 1 2 3 4 5 6; do
	head -c $((i * 150)) <(openssl enc -aes-128-ctr -nosalt -pass "pass:fg$i" \
		-in /dev/zero 2>/dev/null) | put report "random-$i"
done
