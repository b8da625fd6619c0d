#!/bin/sh
# pick-kernel.sh KERNELS - print the release to boot from KERNELS (a
# fetch-kernels.sh cache): the newest 6.12, else the newest 6.1; when none
# is cached, fetch-kernels.sh is run first.  Prints nothing when there is
# still none.
here=$(cd "$(dirname "$0")" && pwd)
kernels=$1
pick() {
	r=$(ls -1 "$kernels" 2>/dev/null | grep -E '^6\.12\.' | sort -V -r | head -n 1)
	[ -n "$r" ] || r=$(ls -1 "$kernels" 2>/dev/null | grep -E '^6\.1\.' | sort -V -r | head -n 1)
	echo "$r"
}
rel=$(pick)
if [ -z "$rel" ]; then
	"$here/fetch-kernels.sh" "$kernels" >/dev/null || :
	rel=$(pick)
fi
echo "$rel"
