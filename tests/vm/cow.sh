#!/bin/sh
# cow.sh - copy-on-write after a fork that succeeds, against a real memory
# cgroup and the kernel's OOM killer, in a VM (cgroup v2 is mounted there;
# no cgroup of the host is created or changed).
#
# Through vm.sh: an initramfs (busybox, the library, the forkguard command,
# fixtures' cow_fork, redis-server and redis-cli with their libraries)
# with cow_init.sh as /init, one Debian cloud kernel under TCG (6.12
# preferred); prints what the VM measured:
#   1. cow_fork N MiB in a group with memory.max = 1.5 N: the guard says
#      cow risk; the parent rewrites its pages while the child sleeps; the
#      OOM killer fires (memory.events).  COW_BARE runs under warn (who is
#      killed without protection), COW_RUNS (>= 10) under protect: the
#      parent must survive and the child be killed in every run.  Then
#      memory.max = 3 N: cow ok, no OOM kill.
#   2. redis-server (3 times, COW_REDIS_RUNS) filled with data, memory.max set so that a BGSAVE under
#      a write load copies past it: cow risk before the fork; under protect
#      Redis survives, logs the failed save, serves, DBSIZE unchanged;
#      forkguard watch reports the save's peak copy.
#   THP is madvise for these (what Redis asks for).  With THP always the
#   child is still the first victim (asserted), but the parent may be
#   killed too a moment later (counted, not asserted): COW_ALWAYS_RUNS.
#   1b. FORKGUARD_COW=abort: cow_fork COW_ABORT_MB (128) at 150 % with memory.oom.group
#      1 and 0, THP madvise and always, COW_ABORT_RUNS (20) each: the child
#      ended by SIGUSR1, no OOM kill, the parent alive every run; at 3 N
#      (300 %, followed: FORKGUARD_COW_FOLLOW=all) COW_ROOMY_RUNS (20) each with no
#      abort; the watcher's CPU per second of child life and the room at
#      each abort against its margin.
#   3. page cache: 2 N MiB written to an ext2 disk (a sparse image on NVMe)
#      and synced from inside a group with memory.max 3.5 N, then cow_fork
#      N MiB: the clean cache counts as room (cow ok, where the free room
#      alone would not fit), and the parent's rewrite reclaims it without
#      an OOM kill.
# The last line is "cow vm: PASS ..." or "cow vm: FAIL ..."; exit status 0
# only on PASS.  Environment: COW_KERNEL (a release under build/vm/kernels),
# COW_MB (64), COW_RUNS (10), COW_BARE (3), COW_REDIS_MB (96),
# COW_ALWAYS_RUNS (10), COW_THP (madvise: THP for the asserted cases),
# COW_REDIS_RUNS (3), COW_REDIS_DIR (/run), COW_ABORT_RUNS (20),
# COW_ROOMY_RUNS (20), COW_ABORT_MB (128), COW_ONLY (abort: only section 1b), BOOT_TIMEOUT
# (1500).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/vm/cow
kernels=$root/build/vm/kernels
lib=$root/build/libforkguard.so
cli=$root/build/forkguard
cf=$root/build/fixtures/cow_fork

die() { echo "cow vm: FAIL $*"; exit 1; }
for f in "$lib" "$cli" "$cf" /usr/bin/redis-server /usr/bin/redis-cli; do
	[ -e "$f" ] || die "$f missing (make; apt-get install redis-server)"
done
rel=${COW_KERNEL:-$("$here/pick-kernel.sh" "$kernels")}
[ -n "$rel" ] && [ -s "$kernels/$rel/vmlinuz" ] || die "no kernel (tests/vm/fetch-kernels.sh $kernels)"

# packed, booted and judged by vm.sh (the disk: -d 512M, the page cache
# case's ext2, serial fgcow)
rc=0
"$here/vm.sh" -t "${BOOT_TIMEOUT:-1500}" -d 512M -o "$out" \
	-a "cow_mb=${COW_MB:-64} cow_runs=${COW_RUNS:-10} cow_bare=${COW_BARE:-3} cow_redis_mb=${COW_REDIS_MB:-96} cow_always_runs=${COW_ALWAYS_RUNS:-10} cow_thp=${COW_THP:-} cow_redis_runs=${COW_REDIS_RUNS:-3} cow_redis_dir=${COW_REDIS_DIR:-} cow_abort_runs=${COW_ABORT_RUNS:-20} cow_roomy_runs=${COW_ROOMY_RUNS:-20} cow_abort_mb=${COW_ABORT_MB:-128} cow_only=${COW_ONLY:-}" \
	cow "$rel" "$here/cow_init.sh" \
	/usr/bin/redis-server=/usr/bin/redis-server \
	/usr/bin/redis-cli=/usr/bin/redis-cli \
	"$(realpath "$lib")=/fg/libforkguard.so" "$cli=/fg/forkguard" \
	"$cf=/fg/cow_fork" "$here/vm_setup.sh=/fg/vm_setup.sh" || rc=$?
[ "$rc" = 0 ] || echo "cow.sh: qemu exit $rc"
exec "$here/vm.sh" --verdict "cow vm" "$out/run-$rel.log"
