#!/bin/sh
# sink_mode2.sh - the sink at the commit limit, in a VM (never the host's
# /proc/sys): mode 2, FORKGUARD_LOG on a tmpfs, the limit taken by
# fill_fork; every fork the guard predicts to fail leaves its line in the
# file or on stderr, and a note says why the file failed
# (sink_mode2_init.sh).  The last line is "sink mode2: PASS ..." or
# "sink mode2: FAIL ..."; exit 0 only on PASS.
# Environment: FORKGUARD_LIB (build/libforkguard.so), SINK_KERNEL (a release
# under build/vm/kernels; default the newest 6.12, else 6.1), BOOT_TIMEOUT.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/vm/sink
kernels=$root/build/vm/kernels
lib=$(realpath "${FORKGUARD_LIB:-$root/build/libforkguard.so}")
die() { echo "sink mode2: FAIL $*"; exit 1; }

[ -e "$lib" ] || die "$lib missing (make)"
rel=${SINK_KERNEL:-$("$here/pick-kernel.sh" "$kernels")}
[ -n "$rel" ] && [ -s "$kernels/$rel/vmlinuz" ] || die "no kernel (tests/vm/fetch-kernels.sh $kernels)"

mkdir -p "$out"
${CC:-cc} -std=gnu11 -Wall -Wextra -O2 -o "$out/fill_fork" "$here/fill_fork.c"
"$here/vm.sh" -a "sm2_forks=${SINK_FORKS:-20}" -t "${BOOT_TIMEOUT:-300}" -o "$out" \
	sink "$rel" "$here/sink_mode2_init.sh" \
	"$lib=/fg/libforkguard.so" "$out/fill_fork=/fg/fill_fork" \
	"$here/vm_setup.sh=/fg/vm_setup.sh" || :
sed -n 's/^@@E /  stderr: /p' "$out/run-$rel.log"
exec "$here/vm.sh" --verdict "sink mode2" "$out/run-$rel.log"
