#!/bin/sh
# swap.sh - RAM against RAM + swap, live, in a VM (mode 0, 5.2+ rule).
#
# Swap is host-wide: it is never added on the host.  This boots one Debian
# cloud kernel under TCG (boot.sh; the newest cached 6.12, else 6.1) with a
# sparse 1 GiB image as an NVMe disk, which swap_init.sh (the VM's /init)
# turns into swap after a first fork without it.  Checks, each against the
# kernel's real outcome and the guard's JSON verdict for the same fork:
#   noswap-between  one VMA of RAM + 512 MiB, no swap: refused, guard fail
#   swap-between    the same VMA with 1 GiB of swap: passes, guard ok, and
#                   the guard's limit is MemTotal + SwapTotal
#   swap-above      RAM + swap + 64 MiB: refused, guard fail
# Prints PASS/FAIL/SKIP lines and "vm swap: N passed, N failed, N skipped";
# exit 0 only when nothing failed.  Environment: FORKGUARD_LIB
# (build/libforkguard.so), SWAP_OUT (build/vm/swap), SWAP_KERNEL (a release
# under build/vm/kernels), BOOT_TIMEOUT (300).  Never touches the host's
# /proc/sys or swap.  Booted and collected by vm.sh (the disk: -d 1G,
# sparse: mkswap writes one page of it).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${SWAP_OUT:-$root/build/vm/swap}
kernels=$root/build/vm/kernels
lib=${FORKGUARD_LIB:-$root/build/libforkguard.so}
passed=0
failed=0
skipped=0

pass() { passed=$((passed + 1)); echo "PASS $1: $2"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
summary() {
	echo "vm swap: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

[ -e "$lib" ] || { fail swap "$lib missing (make)"; summary; }
lib=$(realpath "$lib")
mkdir -p "$out"
${CC:-cc} -O2 -Wall -Wextra -o "$out/scenario" "$here/scenario.c" "$here/layout.c" \
	"$here/measure.c" "$here/snap.c" ||
	{ fail swap "cannot build the scenario driver"; summary; }

rel=${SWAP_KERNEL:-$("$here/pick-kernel.sh" "$kernels")}
[ -n "$rel" ] && [ -s "$kernels/$rel/vmlinuz" ] ||
	{ fail swap "no kernel (tests/vm/fetch-kernels.sh $kernels)"; summary; }

rc=0
"$here/vm.sh" -t "${BOOT_TIMEOUT:-300}" -d 1G -o "$out" swap "$rel" \
	"$here/swap_init.sh" "$out/scenario=/fg/scenario" "$lib=/fg/libforkguard.so" \
	"$here/vm_setup.sh=/fg/vm_setup.sh" || rc=$?
log=$out/run-$rel.log
grep '^@@[SX] ' "$log" | sed 's/^@@[SX] /  /'
if ! grep -q '^@@EXIT ' "$log"; then
	fail swap "the VM did not finish (qemu exit $rc; see $log)"
	summary
fi

# f NAME KEY: a field of NAME's @@R line
f() { sed -n "s/^@@R $1 \(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$log" | head -n 1; }
# one NAME REAL VERDICT WHAT: the kernel's outcome, the oracle's own model
# (expect=) and the guard's verdict for one fork
one() {
	local_real=$(f "$1" real) local_exp=$(f "$1" expect) local_v=$(f "$1" verdict)
	local_m=$(f "$1" merged)
	local_want_exp=ok
	[ "$2" = ENOMEM ] && local_want_exp=fail
	detail="$4: VMA of $(f "$1" size_kb) kB (merged=$local_m), MemTotal $(f "$1" mem_total_kb) kB + SwapTotal $(f "$1" swap_total_kb) kB; real fork ${local_real:-?}, model ${local_exp:-?}, guard ${local_v:-?} (limit $(f "$1" limit_kb) kB)"
	if [ "$local_m" = 1 ] && [ "$local_real" = "$2" ] && [ "$local_v" = "$3" ] &&
		[ "$local_exp" = "$local_want_exp" ]; then
		pass "$1" "$detail"
	else
		fail "$1" "$detail; want real $2, guard $3, model $local_want_exp, one VMA"
	fi
}
one noswap-between ENOMEM fail "no swap, RAM + 512 MiB"
one swap-between ok ok "1 GiB of swap, the same VMA"
one swap-above ENOMEM fail "1 GiB of swap, RAM + swap + 64 MiB"
lim=$(f swap-between limit_kb)
swap_kb=$(f swap-between swap_total_kb)
sum=$(($(f swap-between mem_total_kb)+0 + ${swap_kb:-0}))
if [ "$lim" = "$sum" ] && [ "${swap_kb:-0}" -gt 0 ]; then
	pass swap-limit "the guard's mode-0 limit $lim kB = MemTotal + SwapTotal"
else
	fail swap-limit "the guard's mode-0 limit ${lim:-?} kB, MemTotal + SwapTotal $sum kB"
fi
summary
