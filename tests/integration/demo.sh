#!/usr/bin/env bash
# make demo: the merged-VMA failure, reproduced on this host's kernel and
# diagnosed by the guard before the kernel refuses the fork.
set -u
B=$(cd "$(dirname "$0")/../.." && pwd)/build
mode=$(cat /proc/sys/vm/overcommit_memory)
total=$(awk '/^(MemTotal|SwapTotal)/ {s += $2} END {print int(s / 1048576)}' /proc/meminfo)
# two mappings, each under RAM+swap, that merge into one VMA over it
gib=$(((total + 2) / 2 + 1))
echo "host: overcommit_memory=$mode, RAM+swap = $total GiB; two adjacent $gib GiB mappings"
[ "$mode" = 0 ] || echo "(this demo shows mode 0; here the kernel runs mode $mode)"
echo
echo "\$ $B/fixtures/merged_vma $gib            # without the guard"
"$B/fixtures/merged_vma" "$gib"
echo
echo "\$ LD_PRELOAD=$B/libforkguard.so $B/fixtures/merged_vma $gib"
LD_PRELOAD=$B/libforkguard.so "$B/fixtures/merged_vma" "$gib"
echo
echo "\$ FORKGUARD_FORMAT=json LD_PRELOAD=... merged_vma $gib"
FORKGUARD_FORMAT=json LD_PRELOAD=$B/libforkguard.so "$B/fixtures/merged_vma" "$gib" 2>&1 >/dev/null
echo
echo "\$ FORKGUARD_MODE=remediate LD_PRELOAD=... merged_vma $gib   # split the VMA, then fork"
FORKGUARD_MODE=remediate LD_PRELOAD=$B/libforkguard.so "$B/fixtures/merged_vma" "$gib"
