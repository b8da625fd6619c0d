#!/bin/sh
# oracle.sh [--host] [--no-guard] - forkguard's verdicts against real kernels.
#
# Builds the scenario driver, fetches Debian's newest 6.1 and 6.12 cloud
# kernels (fetch-kernels.sh, cached), boots each under TCG with an
# initramfs (busybox, the driver, the library, scenarios.sh and scen_lib.sh
# as the work of init.sh) through vm.sh, and lets analyze.awk pair every
# fork's real outcome with the guard's JSON verdict.  Prints one summary
# line per kernel:
#   kernel oracle <uname -r>: N scenarios, A agree, D disagree, B borderline
# --host: the mode-0 subset on the running kernel, changing nothing.
# --no-guard: no LD_PRELOAD; checks only the oracle's own model.
# Environment: FORKGUARD_LIB (default build/libforkguard.so), ORACLE_OUT
# (default build/vm), ORACLE_KERNELS (releases to boot; default: fetched).
# Exit status: 0 when every kernel ran to the end with no disagreement.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/build/vm}
lib=${FORKGUARD_LIB:-$root/build/libforkguard.so}
host=0
guard=1
for a in "$@"; do
	case $a in
	--host) host=1 ;;
	--no-guard) guard=0 ;;
	*) echo "usage: $0 [--host] [--no-guard]" >&2; exit 2 ;;
	esac
done
if [ "$guard" = 1 ]; then
	[ -e "$lib" ] || { echo "oracle: $lib missing: run make first, or --no-guard" >&2; exit 2; }
	lib=$(realpath "$lib")
else
	lib=
fi

ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", (b - a) / 1000 }'; }

mkdir -p "$out"
${CC:-cc} -O2 -Wall -Wextra -o "$out/scenario" "$here/scenario.c" "$here/layout.c" \
	"$here/measure.c" "$here/snap.c"

if [ "$host" = 1 ]; then
	t0=$(ms)
	TMPDIR=$out timeout 900 sh "$here/scenarios.sh" --host "$out/scenario" ${lib:+"$lib"} \
		>"$out/host.log" 2>&1 || true
	echo "oracle: host run $(secs "$t0" "$(ms)"), records in $out/host.log"
	exec awk -v guard="$guard" -f "$here/analyze.awk" "$out/host.log"
fi

t0=$(ms)
if [ -n "${ORACLE_KERNELS:-}" ]; then
	rels=$ORACLE_KERNELS
else
	rels=$("$here/fetch-kernels.sh" "$out/kernels")
fi
t1=$(ms)
echo "oracle: kernels $(secs "$t0" "$t1")"

# packed by the first boot (vm.sh), reused by the others
rm -f "$out/initramfs.cpio.gz"
status=0
for rel in $rels; do
	log=$out/run-$rel.log
	rc=0
	"$here/vm.sh" -n -o "$out" oracle "$out/kernels/$rel/vmlinuz" "$here/init.sh" \
		"$out/scenario=/oracle/scenario" "$here/scenarios.sh=/oracle/scenarios.sh" \
		"$here/scen_lib.sh=/oracle/scen_lib.sh" \
		${lib:+"$lib=/oracle/libforkguard.so"} || rc=$?
	first=$(awk '/@@U /{ sub(/.*uptime=/, ""); print; exit }' "$log")
	last=$(awk '/^@@END/{ sub(/.*uptime=/, ""); print; exit }' "$log")
	echo "oracle: $rel: boot to first scenario ${first:-?} s, scenario set" \
		"$(awk -v a="${first:-0}" -v b="${last:-0}" 'BEGIN { printf "%.1f", b - a }')" \
		"s guest time"
	if ! grep -q '@@U ' "$log"; then
		echo "kernel oracle $rel: did not boot (see $log)"
		status=1
		continue
	fi
	awk -v guard="$guard" -f "$here/analyze.awk" "$log" || status=1
done
exit $status
