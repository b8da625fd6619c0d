#!/bin/sh
# oldk.sh - forkguard's verdicts against the kernels of the pre-5.2 eras.
#
# Boots each prebuilt kernel of OLDK_DIR (default: ../shared/oldk beside
# the repository; README there) under qemu TCG with a busybox initramfs:
# busybox init (an ELF init: 4.10.7 runs no `#!` script) runs
# oldk_init.sh, which runs oldk_scenarios.sh; vm.sh boots and collects.  Debian's glibc loader does
# not start on 2.6.32, so everything in the VM is musl: the driver
# (scenario.c), the musl build of the library preloaded into it (live, in
# the process) and a static musl `forkguard`, which judges a record of
# /proc taken right before each fork (from outside).  analyze.awk pairs
# both verdicts with the kernel's real outcome.  The transparency cases
# (musl-built) run bare and guarded in each VM too.  Prints per kernel the
# summary of analyze.awk and, at the end, one table:
#   | kernel | from outside: agree / disagree / borderline | live: ... |
# A kernel whose image is missing is a SKIP with its reason, not a pass.
# Needs: make musl, and the static musl command (the Makefile's test-oldk
# target builds both).  Environment: OLDK_DIR, OLDK_KERNELS (file names
# without .bzImage; default: the five of the README), ORACLE_OUT (default
# build/vm), OLDK_MEM (default 2G).
# Exit status: 0 when every kernel present ran to the end with no
# disagreement, live or from outside, and the seed case held.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/build/vm}/oldk
dir=${OLDK_DIR:-$root/../shared/oldk}
kernels=${OLDK_KERNELS:-2.6.32-ubuntu 2.6.38 3.16-debian 4.10.7 4.20.13}
musl=$root/build/musl
lib=$musl/libforkguard.so.0
cli=$musl/forkguard

for f in "$lib" "$cli" "$musl/tests/transparency"; do
	[ -e "$f" ] || { echo "oldk: $f missing: run make test-oldk (make musl and the static command)" >&2; exit 2; }
done
if readelf -l "$cli" 2>/dev/null | grep -q 'program interpreter'; then
	echo "oldk: $cli is dynamic; build it with LDFLAGS=-static (make test-oldk does)" >&2
	exit 2
fi
command -v musl-gcc >/dev/null || { echo "oldk: musl-gcc missing (apt-get install musl-tools)" >&2; exit 2; }

mkdir -p "$out"
# -rdynamic: the guard's jemalloc remedy finds the driver's mallctl
musl-gcc -O2 -Wall -Wextra -isystem "$musl/kinc" -rdynamic -o "$out/scenario" \
	"$here/scenario.c" "$here/layout.c" "$here/measure.c" "$here/snap.c"
printf '::sysinit:/bin/sh /oracle/oldk_init.sh\n' >"$out/inittab"
rm -f "$out/initramfs.cpio.gz" # packed by the first boot (vm.sh), then reused
echo "oldk: kernels from $dir"

status=0
table=
row() { table="$table$1
"; }
for k in $kernels; do
	img=$dir/$k.bzImage
	if [ ! -d "$dir" ]; then
		echo "SKIP kernel $k: $dir does not exist (OLDK_DIR)"
		row "| $k | SKIP: $dir does not exist | SKIP |"
		continue
	fi
	if [ ! -r "$img" ]; then
		echo "SKIP kernel $k: $img missing or unreadable"
		row "| $k | SKIP: $img missing | SKIP |"
		continue
	fi
	log=$out/run-$k.log
	# no_timer_check: a slow TCG host fails the IO-APIC timer check (4.10.7
	# panicked so under load: "IO-APIC + timer doesn't work")
	"$here/vm.sh" -n -o "$out" -m "${OLDK_MEM:-2G}" -t "${BOOT_TIMEOUT:-900}" \
		-a no_timer_check oldk "$img" "$(command -v busybox)" \
		"$out/inittab=/etc/inittab" "$here/oldk_init.sh=/oracle/oldk_init.sh" \
		"$here/oldk_scenarios.sh=/oracle/oldk_scenarios.sh" \
		"$here/scen_lib.sh=/oracle/scen_lib.sh" "$here/vm_setup.sh=/oracle/vm_setup.sh" \
		"$out/scenario=/oracle/scenario" \
		"$lib=/oracle/libforkguard.so.0" "$cli=/oracle/forkguard" \
		"$musl/tests/transparency=/oracle/transparency" || :
	if ! grep -q '@@U ' "$log"; then
		echo "kernel oracle $k: did not boot (see $log)"
		row "| $k | did not boot | did not boot |"
		status=1
		continue
	fi
	awk -v model=0 -f "$here/analyze.awk" "$log" >"$out/summary-$k.txt" || status=1
	cat "$out/summary-$k.txt"
	row "$(awk -v k="$k" '
		/^kernel oracle / { rel = $3; sub(/:$/, "", rel); n = $4; live = $6 " / " $8 " / " $10
			b = $10 + 0 }
		/from outside/ { o = $10 " / " $12 " / " $14; on = $8 + 0; ob = $14 + 0 }
		END { printf "| %s (%s) | %s (%.0f %%) | %s (%.0f %%) |", k, rel, o, on ? 100 * ob / on : 0,
			live, n ? 100 * b / n : 0 }' "$out/summary-$k.txt")"
done
echo
echo "| kernel | from outside (check --procfs): agree / disagree / borderline | live (the musl build preloaded): agree / disagree / borderline |"
echo "|---|---|---|"
printf '%s' "$table"
exit $status
