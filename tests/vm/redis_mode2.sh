#!/bin/sh
# redis_mode2.sh - fixtures reproduction 4: mode-2 commit exhaustion with
# a real redis-server (Debian's 7.0, system libjemalloc 5.3) in a VM.
#
# Packs an initramfs (mkinitramfs.sh: busybox, redis-server, redis-cli, the
# library, the forkguard command, fixtures' heap_retention when built, their
# libraries) with redis_mode2_init.sh as /init, boots one Debian cloud
# kernel under TCG (boot.sh; 6.12 preferred) and prints what the VM
# measured: the observe case (BGSAVE refused, the guard predicted it) and
# the remediate case (the jemalloc purge gives the charge back, BGSAVE
# passes).  The last line is "redis mode2: PASS ..." or "redis mode2:
# FAIL ..."; the exit status is 0 only on PASS.  Never touches the host's
# /proc/sys.  Booted, collected and judged by vm.sh.
# Environment: FORKGUARD_LIB (build/libforkguard.so), REDIS_OUT
# (build/vm/redis), REDIS_KERNEL (a release under build/vm/kernels; default
# the newest 6.12, else 6.1, fetched with fetch-kernels.sh if none is
# cached), REDIS_LIVE_MB (32), REDIS_JUNK_MB (512), REDIS_EXTRA (1: also
# measure trim/split and glibc heap_retention in mode 2; informational),
# BOOT_TIMEOUT (420).  About 40 s on a busy 2-core host.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${REDIS_OUT:-$root/build/vm/redis}
kernels=$root/build/vm/kernels
lib=${FORKGUARD_LIB:-$root/build/libforkguard.so}
cli=$root/build/forkguard
hr=$root/build/fixtures/heap_retention

die() { echo "redis mode2: FAIL $*"; exit 1; }

for f in "$lib" "$cli" /usr/bin/redis-server /usr/bin/redis-cli; do
	[ -e "$f" ] || die "$f missing (make; apt-get install redis-server)"
done
lib=$(realpath "$lib")

rel=${REDIS_KERNEL:-$("$here/pick-kernel.sh" "$kernels")}
[ -n "$rel" ] && [ -s "$kernels/$rel/vmlinuz" ] || die "no kernel (tests/vm/fetch-kernels.sh $kernels)"

extra=
[ -x "$hr" ] && extra="$hr=/fg/heap_retention"
# redis-server is a link to redis-check-rdb and picks its role from argv[0]:
# keep the name.
rc=0
"$here/vm.sh" -t "${BOOT_TIMEOUT:-420}" -o "$out" \
	-a "rm2_live_mb=${REDIS_LIVE_MB:-32} rm2_junk_mb=${REDIS_JUNK_MB:-512} rm2_extra=${REDIS_EXTRA:-1}" \
	redis "$rel" "$here/redis_mode2_init.sh" \
	/usr/bin/redis-server=/usr/bin/redis-server \
	/usr/bin/redis-cli=/usr/bin/redis-cli \
	"$lib=/fg/libforkguard.so" "$cli=/fg/forkguard" \
	"$here/vm_setup.sh=/fg/vm_setup.sh" $extra || rc=$?
[ "$rc" != 124 ] || die "$rel: the VM timed out after ${BOOT_TIMEOUT:-420} s (see $out/run-$rel.log)"
exec "$here/vm.sh" --verdict "redis mode2" "$out/run-$rel.log"
