#!/bin/sh
# fetch-kernels.sh OUTDIR - fetch the Debian cloud kernels the VM oracle boots.
#
# For each kernel line (6.1 and 6.12+deb12, cloud flavour) take the newest
# release apt knows, `apt-get download` its image package (signed, else
# unsigned), unpack it with dpkg -x and keep only OUTDIR/<release>/vmlinuz.
# Nothing is installed.  A release already present is not fetched again.
# Prints one release per line on stdout (progress goes to stderr).
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Releases of one line, newest first: "6.1.0-56-cloud-amd64", ...
releases() {
	apt-cache search --names-only "^linux-image-$1-cloud-amd64(-unsigned)?\$" |
		awk '{ print $1 }' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' |
		sort -u -V -r
}

list() {
	r=$(releases "$1")
	if [ -z "$r" ]; then
		echo "fetch-kernels: apt-cache knows no $1 cloud kernel; apt-get update" >&2
		timeout 300 apt-get update -qq >&2
		r=$(releases "$1")
	fi
	echo "$r"
}

# fetch RELEASE: 0 when OUTDIR/RELEASE/vmlinuz exists afterwards.
fetch() {
	rel=$1
	[ -s "$out/$rel/vmlinuz" ] && return 0
	tmp=$(mktemp -d "$out/.fetch.XXXXXX")
	for pkg in "linux-image-$rel" "linux-image-$rel-unsigned"; do
		echo "fetch-kernels: apt-get download $pkg" >&2
		if (cd "$tmp" && timeout 600 apt-get download -q "$pkg" >&2); then
			set -- "$tmp"/*.deb
			deb=$1
			[ -e "$deb" ] || continue
			mkdir -p "$tmp/x"
			dpkg -x "$deb" "$tmp/x"
			if [ -s "$tmp/x/boot/vmlinuz-$rel" ]; then
				mkdir -p "$out/$rel"
				cp "$tmp/x/boot/vmlinuz-$rel" "$out/$rel/vmlinuz.tmp"
				mv "$out/$rel/vmlinuz.tmp" "$out/$rel/vmlinuz"
				# config tells what is built in (virtio, serial...).
				cp "$tmp/x/boot/config-$rel" "$out/$rel/config" 2>/dev/null || :
				rm -rf "$tmp"
				return 0
			fi
		fi
		rm -rf "${tmp:?}"/*
	done
	rm -rf "$tmp"
	return 1
}

status=0
for line in '6\.1\.0-[0-9]+' '6\.12\.[0-9]+\+deb12'; do
	got=
	for rel in $(list "$line"); do
		if fetch "$rel"; then
			got=$rel
			break
		fi
	done
	if [ -n "$got" ]; then
		echo "$got"
	else
		echo "fetch-kernels: no $line cloud kernel could be fetched" >&2
		status=1
	fi
done
exit $status
