#!/bin/sh
# oldk_init.sh - the work of the old-kernel oracle's VM (oldk.sh).
#
# busybox init runs it (/etc/inittab: ::sysinit), not the kernel: 4.10.7's
# tinyconfig runs no `#!` script as init, only an ELF binary.  It sets up
# as vm_setup.sh does (a ramfs on /run for the records: tmpfs would be
# charged at the mode-2 limit), runs oldk_scenarios.sh and reboots: qemu
# runs with -no-reboot, and some of these kernels halt instead of powering
# off (4.10.7 has no ACPI), so a reboot is what ends qemu everywhere.
. /oracle/vm_setup.sh
cd /run || :
TMPDIR=/run sh /oracle/oldk_scenarios.sh /oracle/scenario \
	/oracle/libforkguard.so.0 /oracle/forkguard /oracle/transparency
echo "@@EXIT $?"
sync
reboot -f
