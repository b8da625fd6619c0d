#!/bin/sh
# swap_init.sh - /init of the initramfs swap.sh boots: RAM against
# RAM + swap, live, in mode 0 (5.2+: a fork is refused by one VMA larger
# than MemTotal + SwapTotal).  The host cannot have swap added (it is
# host-wide), this VM can: swap.sh gives it a sparse image as an NVMe disk
# (the cloud kernels have NVMe built in), which becomes swap here.
#   1. without swap: a VMA of RAM + half the disk is refused;
#   2. swap on: the same size passes, RAM + swap + 64 MiB is refused.
# Each is one `scenario` process (the oracle's driver: two adjacent halves
# the kernel merges into one VMA, then one fork) under the guard, logging
# JSON.  Prints "@@R NAME real=... expect=... merged=... verdict=...
# limit_kb=... mem_total_kb=... swap_total_kb=..." per scenario, then
# "@@EXIT rc".  Always powers off.
. /fg/vm_setup.sh
DRV=/fg/scenario
LIB=/fg/libforkguard.so
status=0

mi() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# json KEY FILE: a scalar member of the first JSON line
json() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$2" | head -n 1; }

# sc NAME SIZE_KB: one scenario, one @@R line
sc() {
	: >"/run/$1.json"
	LD_PRELOAD=$LIB FORKGUARD_REPORT=all FORKGUARD_FORMAT=json \
		FORKGUARD_LOG="/run/$1.json" "$DRV" "$1" -j anon "${2}k" >"/run/$1.out" 2>&1
	l=$(grep "^scenario $1 " "/run/$1.out")
	get() { printf '%s\n' "$l" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
	echo "@@R $1 real=$(get real) expect=$(get expect) merged=$(get merged)" \
		"verdict=$(json verdict "/run/$1.json") limit_kb=$(json limit_kb "/run/$1.json")" \
		"mem_total_kb=$(mi MemTotal) swap_total_kb=$(mi SwapTotal) size_kb=$2"
	[ -n "$l" ] || { echo "@@X $1: no scenario line:"; cat "/run/$1.out"; }
}

echo "@@U $(uname -r) mode=$(cat /proc/sys/vm/overcommit_memory)"
echo 0 >/proc/sys/vm/overcommit_memory
dev=
i=0
while [ $i -lt 50 ]; do
	for d in /dev/nvme0n1 /dev/vda /dev/sda; do
		[ -b "$d" ] && dev=$d && break 2
	done
	sleep 0.2
	i=$((i + 1))
done
if [ -z "$dev" ]; then
	echo "@@X no swap disk appeared (no /dev/nvme0n1)"
	status=1
else
	disk_kb=$(($(cat "/sys/class/block/${dev#/dev/}/size") / 2))
	ram=$(mi MemTotal)
	between=$((ram + disk_kb / 2))
	[ "$(mi SwapTotal)" = 0 ] || echo "@@X swap already on before the test"
	sc noswap-between "$between"
	if mkswap "$dev" >/dev/null 2>&1 && swapon "$dev"; then
		swap=$(mi SwapTotal)
		echo "@@S swap on $dev: SwapTotal $swap kB, MemTotal $ram kB"
		sc swap-between "$between"
		sc swap-above $((ram + swap + 65536))
		swapoff "$dev"
	else
		echo "@@X mkswap/swapon $dev failed"
		status=1
	fi
fi
echo "@@EXIT $status"
sync
poweroff -f
