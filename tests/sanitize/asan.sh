#!/usr/bin/env bash
# asan.sh UNIT... - run the ASan+UBSan build that `make test-asan` made in
# build/asan: the unit tests (leaks checked too), then the integration and
# transparency scripts on the instrumented programs with the instrumented
# library preloaded, libasan first (LD_PRELOAD must start with it).
#
# ASan reports go to files (log_path), one per process, so a report from
# a forked child, a daemon or a redis-server is not lost in a script's
# output: any such file fails the run and is printed.  UBSan reports go to
# the process's stderr (gcc's combined runtime ignores log_path for them);
# -fno-sanitize-recover=all makes that process exit 1, which the scripts'
# own checks see (a guarded program that does not exit 0 fails them).
#
# What cannot hold under ASan is skipped by name (FG_SKIP, see
# tests/lib.sh): the zero-allocation check (noalloc replaces
# malloc itself, which ASan does not survive), the storm's RSS verdict
# (ASan's allocator adds about 100 kB between its two readings even with
# no fork and no guard; the storm itself still runs, under ASan) and the
# two remedy scripts that measure glibc's and jemalloc's own heaps, and the
# setuid check (a setuid program that links the instrumented library), and
# honest_fields' statm-largest (ASan's shadow, terabytes of NORESERVE
# address space, makes total_vm fail the statm bound, so no fork of an
# instrumented process is decided at the statm tier), and the fork path's
# syscall count (ASan's runtime reads /proc/self/maps around each fork),
# and the spared renewal (the same shadow: no instrumented process is far
# below its limits, so each of its forks renews after it).
source "$(dirname "$0")/../lib.sh"
top=$TOP
A=$top/build/asan
logs=$(mktemp -d /tmp/fg-asan.XXXXXX)
chmod 1777 "$logs" # the errno case drops to nobody before it forks
trap 'cleanup; rm -rf "$logs"' EXIT
failed=()
libasan=$("${ASAN_CC:-gcc}" -print-file-name=libasan.so)
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan:log_exe_name=1"

bins=()
for t in "$@"; do bins+=("$A/tests/$t"); done
ASAN_OPTIONS="log_path=$logs/asan:log_exe_name=1" FG_FIXTURES=$top/fixtures \
	run_suite unit-asan "${bins[@]}" || failed+=(unit)

export FG_BUILD=$A FG_LIB="$libasan $A/libforkguard.so"
export FG_SKIP="zero-alloc storm remedy_heap remedy_jemalloc setuid-ignored statm-largest fork-syscalls spared-renewal"
export FG_SKIP_WHY="not meaningful under ASan (the header of tests/sanitize/asan.sh says why)"
export FG_STORM_FORKS=${FG_STORM_FORKS:-5000}
# leaks of the host programs (redis-server...) are not ours to report
export ASAN_OPTIONS="detect_leaks=0:log_path=$logs/asan:log_exe_name=1"
bash "$top/tests/integration/run.sh" || failed+=(integration)
echo "== transparency (asan)"
bash "$top/tests/transparency/run.sh" || failed+=(transparency)

n=0
for f in "$logs"/asan.* "$logs"/ubsan.*; do
	[ -e "$f" ] || continue
	case $(basename "$f") in asan.noalloc.*) continue ;; esac # skipped above
	n=$((n + 1))
	echo "FAIL sanitizer report $(basename "$f"):"
	head -n 40 "$f"
done
[ "$n" -eq 0 ] || failed+=("$n sanitizer reports")
echo "asan: ${#failed[@]} failed${failed[*]:+: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
