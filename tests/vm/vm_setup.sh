# vm_setup.sh - sourced first by the /init scripts of swap.sh,
# sink_mode2.sh, redis_mode2.sh and cow.sh (packed as /fg/vm_setup.sh)
# and of oldk.sh (/oracle/vm_setup.sh): a
# PATH, proc, sys and devtmpfs, the serial console as stdio, a ramfs on
# /run (tmpfs pages are charged like memory, and fail at the mode-2 limit;
# RUN_FS=tmpfs asks for tmpfs), kernel messages off the console (read them
# with dmesg).
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mkdir -p /run
mount -t "${RUN_FS:-ramfs}" -o mode=1777 run /run
dmesg -n 1
