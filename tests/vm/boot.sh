#!/bin/sh
# boot.sh VMLINUZ INITRD [MEM [QEMU_ARG...]] - boot a kernel, serial on stdout.
#
# qemu-system-x86_64 under TCG (nested KVM does not boot here), 2 vCPUs,
# MEM (default 3G), no disk, no network, console on ttyS0 copied to stdout.
# The initramfs' init powers off at the end; BOOT_TIMEOUT (seconds, default
# 600) kills a VM that hangs.  Exit status: qemu's, or 124 on timeout.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 VMLINUZ INITRD [MEM [QEMU_ARG...]]" >&2; exit 2; }
kernel=$1
initrd=$2
mem=${3:-3G}
if [ $# -ge 3 ]; then shift 3; else shift $#; fi
exec timeout -k 10 "${BOOT_TIMEOUT:-600}" qemu-system-x86_64 \
	-accel tcg -smp "${BOOT_SMP:-2}" -m "$mem" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet ${BOOT_APPEND:-}" \
	-nographic -no-reboot -nic none "$@" </dev/null
