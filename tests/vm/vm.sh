#!/bin/sh
# vm.sh - the one VM driver of tests/vm: pack, boot, collect, judge.
#
#   vm.sh [-m MEM] [-a APPEND] [-t SECONDS] [-d SIZE] [-o DIR] [-n]
#         NAME KERNEL INIT [FILE[=DEST]...]
# packs INIT as /init with the files (mkinitramfs.sh) into
# DIR/initramfs.cpio.gz (-n: reuse it when it exists: several kernels, one
# image), boots KERNEL (an image path, or a release under build/vm/kernels)
# under TCG with MEM (3G) and APPEND on the command line (boot.sh), with a
# sparse disk image of SIZE as an NVMe disk when -d is given (serial
# fgNAME, removed afterwards), for at most SECONDS (BOOT_TIMEOUT, 600), and
# keeps the serial log, carriage returns removed, in DIR/run-TAG.log (TAG:
# the release, or the image's name without .bzImage, or for .../REL/vmlinuz
# REL).  DIR defaults to
# build/vm/NAME.  Prints one line:
#   NAME: kernel TAG, initramfs X s, qemu Y s (exit RC); serial log LOG
# and exits with qemu's status (124: timed out).
#
#   vm.sh --verdict PREFIX LOG
# judges a VM that says its own result: prints the log's @@S lines and its
# last "PREFIX: PASS ..." or "PREFIX: FAIL ..." line; exit 0 only on PASS
# (and, when the log has an @@EXIT line, only if that says 0).  A log
# without the line: "PREFIX: FAIL the VM did not finish".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "${1:-}" = --verdict ]; then
	[ $# -eq 3 ] || { echo "usage: $0 --verdict PREFIX LOG" >&2; exit 2; }
	sed -n 's/^@@S //p' "$3" 2>/dev/null || :
	verdict=$(grep -E "^$2: (PASS|FAIL)" "$3" 2>/dev/null | tail -n 1) || :
	vmrc=$(sed -n 's/^@@EXIT //p' "$3" 2>/dev/null | tail -n 1) || :
	if [ -z "$verdict" ]; then
		echo "$2: FAIL the VM did not finish (see $3)"
		exit 1
	fi
	echo "$verdict"
	case $verdict in "$2: PASS"*) [ "${vmrc:-0}" = 0 ] && exit 0 ;; esac
	exit 1
fi

mem=3G append= timeout=${BOOT_TIMEOUT:-600} disk= out= reuse=0
while getopts m:a:t:d:o:n o; do
	case $o in
	m) mem=$OPTARG ;;
	a) append=$OPTARG ;;
	t) timeout=$OPTARG ;;
	d) disk=$OPTARG ;;
	o) out=$OPTARG ;;
	n) reuse=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || { echo "usage: $0 [options] NAME KERNEL INIT [FILE[=DEST]...]" >&2; exit 2; }
name=$1
kernel=$2
init=$3
shift 3
out=${out:-$root/build/vm/$name}
if [ -f "$kernel" ]; then
	tag=$(basename "$kernel" .bzImage)
	[ "$tag" != vmlinuz ] || tag=$(basename "$(dirname "$kernel")")
else
	tag=$kernel
	kernel=$root/build/vm/kernels/$tag/vmlinuz
fi

ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", (b - a) / 1000 }'; }

mkdir -p "$out"
t0=$(ms)
if [ "$reuse" = 0 ] || [ ! -s "$out/initramfs.cpio.gz" ]; then
	"$here/mkinitramfs.sh" "$out/initramfs.cpio.gz" "$init" "$@"
fi
t1=$(ms)
log=$out/run-$tag.log
img=
if [ -n "$disk" ]; then
	img=$out/disk-$tag.img
	rm -f "$img"
	truncate -s "$disk" "$img" # sparse: only what the VM writes is stored
	set -- -drive "file=$img,if=none,id=disk,format=raw" \
		-device "nvme,serial=fg$name,drive=disk"
else
	set --
fi
rc=0
BOOT_TIMEOUT=$timeout BOOT_APPEND=$append \
	"$here/boot.sh" "$kernel" "$out/initramfs.cpio.gz" "$mem" "$@" >"$log" 2>&1 || rc=$?
t2=$(ms)
[ -z "$img" ] || rm -f "$img"
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
echo "$name: kernel $tag, initramfs $(secs "$t0" "$t1"), qemu $(secs "$t1" "$t2") (exit $rc); serial log $log"
exit $rc
