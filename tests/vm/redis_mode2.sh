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
# /proc/sys.
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

ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", (b - a) / 1000 }'; }
die() { echo "redis mode2: FAIL $*"; exit 1; }

for f in "$lib" "$cli" /usr/bin/redis-server /usr/bin/redis-cli; do
	[ -e "$f" ] || die "$f missing (make; apt-get install redis-server)"
done
lib=$(realpath "$lib")

t0=$(ms)
rel=${REDIS_KERNEL:-$("$here/pick-kernel.sh" "$kernels")}
[ -n "$rel" ] && [ -s "$kernels/$rel/vmlinuz" ] || die "no kernel (tests/vm/fetch-kernels.sh $kernels)"

mkdir -p "$out"
extra=
[ -x "$hr" ] && extra="$hr=/fg/heap_retention"
# redis-server is a link to redis-check-rdb and picks its role from argv[0]:
# keep the name.
"$here/mkinitramfs.sh" "$out/initramfs.cpio.gz" "$here/redis_mode2_init.sh" \
	/usr/bin/redis-server=/usr/bin/redis-server \
	/usr/bin/redis-cli=/usr/bin/redis-cli \
	"$lib=/fg/libforkguard.so" "$cli=/fg/forkguard" \
	"$here/vm_setup.sh=/fg/vm_setup.sh" $extra
t1=$(ms)

log=$out/run-$rel.log
rc=0
BOOT_TIMEOUT=${BOOT_TIMEOUT:-420} \
BOOT_APPEND="rm2_live_mb=${REDIS_LIVE_MB:-32} rm2_junk_mb=${REDIS_JUNK_MB:-512} rm2_extra=${REDIS_EXTRA:-1}" \
	"$here/boot.sh" "$kernels/$rel/vmlinuz" "$out/initramfs.cpio.gz" 3G \
	>"$log" 2>&1 || rc=$?
t2=$(ms)
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

echo "redis_mode2.sh: kernel $rel; initramfs $(secs "$t0" "$t1"), qemu $(secs "$t1" "$t2") (exit $rc); serial log $log"
sed -n 's/^@@S //p' "$log"
verdict=$(grep -E '^redis mode2: (PASS|FAIL)' "$log" | tail -n 1)
vmrc=$(sed -n 's/^@@EXIT //p' "$log" | tail -n 1)
if [ -z "$verdict" ] || [ -z "$vmrc" ]; then
	[ "$rc" = 124 ] && die "$rel: the VM timed out after ${BOOT_TIMEOUT:-420} s (see $log)"
	die "$rel: the VM did not finish (qemu exit $rc; see $log)"
fi
echo "$verdict"
[ "$vmrc" = 0 ] && case $verdict in "redis mode2: PASS"*) exit 0 ;; esac
exit 1
