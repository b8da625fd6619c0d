#!/bin/sh
# scenarios.sh --vm|--host DRIVER [LIB] - the oracle's scenario set.
#
# Runs every scenario of the set once, each a fresh `scenario` process (the
# driver, scenario.c) under LD_PRELOAD=LIB with the guard logging JSON, and
# prints one record stream on stdout for analyze.awk:
#   @@U <uname -r> memtotal_kb=N where=vm|host   at the start
#   @@C <tag> <settings and /proc numbers>        at each sysctl setting
#   scenario NAME real=... expect=... ...         the driver's own line
#   @@J NAME <json>                               the guard's log line(s)
#   @@K NAME <kernel log line>                    __vm_enough_memory lines
#   @@E NAME uptime=S                             end of that scenario
#   @@END                                         the set ran to the end
# --vm (inside the oracle's VM, as init's child): walks overcommit_memory
# 0/1/2 and several ratio/kbytes/reserve settings, and mode transitions.
# --host: only reads; runs the mode-0 subset when the host is in mode 0.
#
# Busybox ash and dash compatible.  While a scenario may hold committed
# memory at or above the mode-2 limit, only builtins run (echo, read, kill,
# wait): a fork would fail there, the shell's first.
set -u

case ${1:-} in
--vm | --host) where=${1#--} ;;
*) echo "usage: $0 --vm|--host DRIVER [LIB]" >&2; exit 2 ;;
esac
drv=$2
lib=${3:-}
vm=/proc/sys/vm
logdir=${TMPDIR:-/tmp}/fg-oracle.$$
umask 000	# the guard writes its log after the driver dropped root
mkdir -m 1777 "$logdir" || exit 1
out=$logdir/driver.out
name=
kstart=0

. "$(dirname "$0")/scen_lib.sh"

# Mode 0 (5.2+: a VMA fails when larger than MemTotal + SwapTotal).  Only
# merged or grown VMAs can exceed that: a single mmap that large fails.
# -j/-r/-a: two halves mapped ascending, descending, or where mmap(NULL)
# puts them; -f: each half written as soon as mapped (gets an anon_vma).
m0_set() {
	t=$1
	sc "$t" anon 64M
	sc "$t" anon L
	sc "$t" anon L-1p
	sc "$t" -j anon L-1p
	sc "$t" -j anon L
	sc "$t" -j anon L+1p
	sc "$t" -j anon L+64M
	sc "$t" -j anon 'L*1.5'
	sc "$t" -j anon 'L*2'
	sc "$t" -r anon L+1p
	sc "$t" -a anon L-64M
	sc "$t" -a anon L+1p
	sc "$t" -j -f anon L+1p
	sc "$t" -r -f anon L+1p
	sc "$t" -a -f anon L+1p
	sc "$t" -r relro L+1p
	sc "$t" -a relro L+1p
	sc "$t" -r protnone-clean L+1p
	sc "$t" -a protnone-clean L+1p
	sc "$t" -j noreserve 'L*1.5'
	sc "$t" -j dontfork 'L*1.5'
	sc "$t" -j wipeonfork L
	sc "$t" -j wipeonfork L+1p
	sc "$t" shared L
	sc "$t" -j shared 'L*1.5'
	sc "$t" relro 16M
	sc "$t" -j relro L
	sc "$t" -j relro L+1p
	sc "$t" -j protnone L
	sc "$t" -j protnone L+1p
	sc "$t" -j protnone-clean L+1p
	sc "$t" protnone-clean 64M
	sc "$t" brk L
	sc "$t" brk L+1p
	sc "$t" brk 'L*1.2'
	sc "$t" mremap L
	sc "$t" mremap L+1p
	sc "$t" many 'L*1.5'
	sc "$t" many 256M
	sc "$t" -n 512 many 'L*0.5'
	sc "$t" -u anon 64M
	sc "$t" -u -j anon L
	sc "$t" -u -j anon L+1p
	sc "$t" -u brk L+1p
	sc "$t" -c -j anon L
	sc "$t" -c -j anon L+1p
	sc "$t" -c -j wipeonfork L+1p
	sc "$t" -u -j dontfork 'L*1.5'
}

# Mode 1: never refuses, whatever the size.
m1_set() {
	t=$1
	sc "$t" anon 64M
	sc "$t" anon 'L*2'
	sc "$t" -j anon 'L*2'
	sc "$t" anon 'L*4'
	sc "$t" -u anon 'L*2'
	sc "$t" -c -j anon 'L*2'
	sc "$t" wipeonfork 'L*2'
	sc "$t" relro 'L*2'
	sc "$t" protnone 'L*2'
	sc "$t" brk 'L*2'
	sc "$t" mremap 'L*2'
	sc "$t" many 'L*2'
	sc "$t" shared 'L*1.5'
	sc "$t" noreserve 'L*2'
	sc "$t" dontfork 'L*2'
}

# Mode 2: cumulative, committed + charge >= allowed fails.  L is the
# largest region (charged at creation and again at fork) that still forks;
# the percpu counter blurs +-16M of it, +-64M is clear.
m2_set() {
	t=$1
	sc "$t" anon 64M
	sc "$t" anon 'L*0.5'
	sc "$t" anon 'L*0.9'
	sc "$t" anon L-64M
	sc "$t" anon L-16M
	sc "$t" anon L-1p
	sc "$t" anon L
	sc "$t" anon L+1p
	sc "$t" anon L+16M
	sc "$t" anon L+64M
	sc "$t" anon 'L*1.1'
	sc "$t" anon 'L*1.5'
	sc "$t" -j anon L-64M
	sc "$t" -j anon L+64M
	sc "$t" noreserve 'L*1.5'
	sc "$t" dontfork 'L*1.5'
	sc "$t" wipeonfork L-64M
	sc "$t" wipeonfork L+64M
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
	sc "$t" -u anon L-64M
	sc "$t" -u anon L+64M
	sc "$t" -u anon Lr-1M
	sc "$t" anon Lu+1M
	sc "$t" -c anon L-64M
	sc "$t" -c anon L+64M
	hold "$t" 'Lr*0.6' anon L-64M
	hold "$t" 'Lr*0.6' anon L+64M
}

# Built in one mode, forked in another (KERNEL.md §3, §6 pitfalls).
transitions() {
	trans 1 0 -t 0 anon 'L*2'
	trans 1 0 -t 0 anon L
	trans 1 0 -t 0 anon L+1p
	trans 0 2 -t 2 noreserve 'L*1.5'
	trans 0 2 -t 2 noreserve 'L*3'
	trans 0 2 -t 2 anon 'L*1.2'
	trans 0 2 -t 2 anon 'L*0.8'
	trans 0 2 -t 2 dontfork 'L*1.5'
	trans 0 2 -t 2 dontfork 'L*2.5'
	trans 0 2 -t 2 shared 'L*1.5'
	trans 0 2 -t 2 shared 'L*2.5'
	trans 1 2 -t 2 wipeonfork L+64M
	trans 0 2 -u -t 2 anon 'L*0.8'
	trans 2 0 -t 2 anon 'L*0.9'
}

rel=$(uname -r)
kmaj=${rel%%.*}
kmin=${rel#*.}
kmin=${kmin%%[!0-9]*}
kbytes=0
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -ge 9 ]; }; then
	kbytes=1
fi
meminfo
read -r up _ </proc/uptime
echo "@@U $rel memtotal_kb=$mem_total where=$where guard=${lib:+1} uptime=$up"
# Not `read`: ash reads byte by byte and a sysctl read at offset > 0 is EOF.
mode0=$(cat $vm/overcommit_memory)

if [ "$where" = host ]; then
	read -r kstart _ </proc/uptime
	if [ "$mode0" != 0 ]; then
		echo "@@C host skipped: overcommit_memory is $mode0, not 0"
	else
		echo "@@C host mode=0 (host settings, unchanged) mem_total_kb=$mem_total"
		m0_set host-m0
	fi
	echo "@@END"
	rm -rf "$logdir"
	exit 0
fi

dmesg -c >/dev/null 2>&1
admin0=$(cat $vm/admin_reserve_kbytes)
user0=$(cat $vm/user_reserve_kbytes)
setvm m0 0 50 0 "$admin0" "$user0" && m0_set m0
setvm m0res 0 50 0 1048576 1048576 && m0_set m0res
setvm m1 1 50 0 "$admin0" "$user0" && m1_set m1
setvm m2r50 2 50 0 "$admin0" "$user0" && m2_set m2r50
setvm m2r100 2 100 0 "$admin0" "$user0" && m2_set m2r100
setvm m2r30 2 30 0 "$admin0" "$user0" && m2_set m2r30
setvm m2r200 2 200 0 "$admin0" "$user0" && m2_set m2r200
setvm m2k1G 2 0 1048576 "$admin0" "$user0" && m2_set m2k1G
setvm m2k2500M 2 0 2560000 "$admin0" "$user0" && m2_set m2k2500M
setvm m2r80a256Mu0 2 80 0 262144 0 && m2_set m2r80a256Mu0
setvm m2r80a0u512M 2 80 0 0 524288 && m2_set m2r80a0u512M
# A hugetlb pool: vm_commit_limit() takes it off MemTotal before the ratio.
echo 64 >$vm/nr_hugepages
setvm m2r50h 2 50 0 "$admin0" "$user0" && m2_set m2r50h
echo 0 >$vm/overcommit_memory
echo 0 >$vm/nr_hugepages
setvm tr 0 50 0 "$admin0" "$user0" && transitions
setvm end 0 50 0 "$admin0" "$user0"
read -r up _ </proc/uptime
echo "@@END uptime=$up"
