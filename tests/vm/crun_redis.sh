#!/bin/sh
# crun_redis.sh - Redis in a real OCI container (Debian's crun) with a
# memory limit and, as the kubelet sets it on cgroup v2, memory.oom.group=1,
# the library bind-mounted and preloaded as docs/containers.md says; in a
# VM (cgroup v2 there; no cgroup of the host is created or changed).
#
# Through vm.sh: an initramfs (busybox, crun, redis-cli, the library at
# /fg/glibc/libforkguard.so.0, and the bundle's rootfs under
# /bundle/rootfs: redis-server and the libraries ldd names for it) with
# crun_redis_init.sh as /init, one Debian cloud kernel under TCG (6.12
# preferred).  The init writes each container's
# config.json, copies the bundle to a tmpfs and starts it with
# `crun run --no-pivot` (pivot_root fails on an initramfs).  A BGSAVE
# under a write load (every 4 kB page of every value rewritten) runs:
#   roomy    memory.limit 3 times the data: the save completes, no OOM kill,
#            nothing aborted.  Its memory.current and RssAnon after the
#            fill size the tight limit: current + RssAnon / 2.
#   none     tight, no guard: the OOM killer ends the whole container
#            (memory.events oom_kill, oom_group_kill).
#   protect  tight, FORKGUARD_COW=protect: the child is made the first
#            victim, and oom.group takes the whole container anyway.
#   abort    tight, FORKGUARD_COW=abort with its defaults (SIGUSR1, back-off
#            30 s): CRUN_DEFAULT_SAVES (4) BGSAVEs under the load (each save
#            after an abort waits for the back-off), then Redis's own
#            save rule retrying for CRUN_RATE_S (60) s under a sustained
#            load: Redis alive, DBSIZE unchanged, no OOM kill, a write
#            accepted after the abort, forks bounded by the back-off.
#   abort0   the same with FORKGUARD_COW_BACKOFF=0: CRUN_SAVES (20) saves, every one aborted,
#            writes accepted; the retries' fork rate (CRUN_RATE0_S, 30 s).
#   abortnostop  the defaults with Redis's stop-writes-on-bgsave-error no:
#            every write accepted, forks at risk bounded by the back-off.
#   abortkill  FORKGUARD_COW_SIGNAL=SIGKILL: the aborted save counts as
#            failed, and a write gets MISCONF (crun_abort.sh).
# The abort cases need a library that knows FORKGUARD_COW=abort: without
# it they fail (said so), they do not pass.
# The last line is "crun redis vm: PASS ..." or "crun redis vm: FAIL ...";
# exit status 0 only on PASS.  Environment: CRUN_KERNEL (a release under
# build/vm/kernels), CRUN_MB (64: MiB of values), CRUN_SAVES (20),
# CRUN_RATE_S (60), CRUN_RATE0_S (30), CRUN_DEAD_RUNS (3: runs each of none and protect),
# FORKGUARD_LIB (build/libforkguard.so), BOOT_TIMEOUT (900).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/vm/crun
kernels=$root/build/vm/kernels
lib=${FORKGUARD_LIB:-$root/build/libforkguard.so}
cli=$root/build/forkguard

die() { echo "crun redis vm: FAIL $*"; exit 1; }
for f in "$lib" "$cli" /usr/bin/crun /usr/bin/redis-server /usr/bin/redis-cli; do
	[ -e "$f" ] || die "$f missing (make; apt-get install crun redis-server)"
done
lib=$(realpath "$lib")
rel=${CRUN_KERNEL:-$("$here/pick-kernel.sh" "$kernels")}
[ -n "$rel" ] && [ -s "$kernels/$rel/vmlinuz" ] || die "no kernel (tests/vm/fetch-kernels.sh $kernels)"

# Does this library know FORKGUARD_COW=abort?  A value it does not know
# is named in a one-line warning at the first fork ("ignoring
# FORKGUARD_COW=...").  The VM checks the containers' logs again.
probe=$(FORKGUARD_COW=abort FORKGUARD_LOG=stderr LD_PRELOAD=$lib sh -c '/bin/true & wait' 2>&1 || :)
abort=1
case $probe in *FORKGUARD_COW*) abort=0 ;; esac

# the rootfs: redis-server (it picks its role from argv[0]: keep the
# name) and every library ldd names for it, at the same paths
files="/usr/bin/redis-server=/bundle/rootfs/usr/bin/redis-server"
for l in $(ldd /usr/bin/redis-server |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
	files="$files $l=/bundle/rootfs$l"
done

# packed, booted and judged by vm.sh
append="crun_mb=${CRUN_MB:-64} crun_saves=${CRUN_SAVES:-20} crun_default_saves=${CRUN_DEFAULT_SAVES:-4} crun_rate_s=${CRUN_RATE_S:-60} crun_rate0_s=${CRUN_RATE0_S:-30} crun_dead=${CRUN_DEAD_RUNS:-3} crun_abort=$abort crun_debug=${CRUN_DEBUG:-0}"
log=$out/run-$rel.log
# boot [-n]: one VM (-n: the image packed before); rc its exit status
boot() {
	rc=0
	# shellcheck disable=SC2086 # $files: FILE=DEST words without blanks
	"$here/vm.sh" -t "${BOOT_TIMEOUT:-900}" -o "$out" -a "$append" "$@" crun "$rel" \
		"$here/crun_redis_init.sh" /usr/bin/crun=/usr/bin/crun /usr/bin/redis-cli=/usr/bin/redis-cli \
		"$lib=/fg/glibc/libforkguard.so.0" "$cli=/fg/forkguard" \
		"$here/vm_setup.sh=/fg/vm_setup.sh" "$here/crun_abort.sh=/fg/crun_abort.sh" $files || rc=$?
}
boot
# under TCG the kernel has been seen to panic while it boots, before /init
# (enqueue_timer, in inet_init): then once more, and said so
if ! grep -q '^@@BEGIN' "$log" && grep -q 'Kernel panic' "$log"; then
	echo "crun_redis.sh: the kernel panicked before /init ($(grep -m 1 'RIP:' "$log")); booting again"
	boot -n
fi
echo "crun_redis.sh: crun $(crun --version | sed -n 's/^crun version //p') (qemu exit $rc)"
[ $abort = 1 ] || echo "crun_redis.sh: this library does not know FORKGUARD_COW=abort: $probe"
exec "$here/vm.sh" --verdict "crun redis vm" "$log"
