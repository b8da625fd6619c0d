#!/bin/sh
# init.sh - /init of the VM oracle's initramfs.
#
# Mounts proc, sys, devtmpfs and a tmpfs, silences the console (the records
# go to the serial console, kernel messages are read with dmesg), runs the
# scenario set (scenarios.sh --vm) and powers the VM off.  Whatever happens,
# it powers off: boot.sh's timeout is only the last resort.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t tmpfs -o mode=1777 tmp /tmp
# The records are written to ramfs: a tmpfs write is charged to the commit
# counter and fails while a scenario holds it at the mode-2 limit.
mkdir -p /run
mount -t ramfs -o mode=1777 run /run
dmesg -n 1
lib=
[ -e /oracle/libforkguard.so ] && lib=/oracle/libforkguard.so
cd /tmp || :
TMPDIR=/run sh /oracle/scenarios.sh --vm /oracle/scenario $lib
echo "@@EXIT $?"
sync
poweroff -f
