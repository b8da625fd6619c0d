#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz INIT_SCRIPT FILE[=DEST]... - a busybox initramfs.
#
# Packs busybox-static (with a link per applet in /bin), INIT_SCRIPT as
# /init, each FILE at DEST (default: its own absolute path) and, for each
# dynamic ELF among them, every shared library ldd names plus the dynamic
# loader, at the paths ldd prints.  No cpio binary is needed: busybox cpio
# -o -H newc packs it.  /dev/console is created when mknod is allowed;
# init.sh reopens it from devtmpfs anyway.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OUT.cpio.gz INIT_SCRIPT FILE[=DEST]..." >&2; exit 2; }
out=$1
init=$2
shift 2
bb=$(command -v busybox) || { echo "mkinitramfs: busybox not found" >&2; exit 1; }
if ldd "$bb" >/dev/null 2>&1; then
	echo "mkinitramfs: $bb is dynamic; install busybox-static" >&2
	exit 1
fi

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"	# the image's /: mktemp made it 0700, closed to uid 65534
mkdir -p "$stage/bin" "$stage/sbin" "$stage/dev" "$stage/proc" "$stage/sys" \
	"$stage/tmp" "$stage/etc" "$stage/root"
chmod 1777 "$stage/tmp"
cp "$bb" "$stage/bin/busybox"
for a in $("$bb" --list); do
	[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done
cp "$init" "$stage/init"
chmod 755 "$stage/init"
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null ||
	echo "mkinitramfs: no mknod; /dev/console comes from devtmpfs" >&2
echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"

# put SRC DEST - copy SRC (dereferenced) to DEST inside the image.
put() {
	mkdir -p "$stage$(dirname "$2")"
	cp -L "$1" "$stage$2"
}

# musl_loader FILE - /lib/ld-musl-<arch>.so.1 when FILE is a musl ELF
# (its PT_INTERP, or the musl libc.so in its DT_NEEDED for a library).
musl_loader() {
	readelf -lsd "$1" 2>/dev/null | grep -q 'ld-musl\|libc\.musl\|x86_64-linux-musl' || return 0
	ls /lib/ld-musl-*.so.1 2>/dev/null | head -n 1
}

for f in "$@"; do
	src=${f%%=*}
	dest=${f#*=}
	[ "$dest" != "$f" ] || dest=$(realpath "$src")
	[ -e "$src" ] || { echo "mkinitramfs: $src: no such file" >&2; exit 1; }
	put "$src" "$dest"
	# "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and
	# "/lib64/ld-linux-x86-64.so.2 (0x...)"; static or non-ELF: nothing.
	# A musl ELF ("FILE: error while loading ..." from glibc's ldd): its
	# loader, musl's libc.so, which is all it links.
	for lib in $(ldd "$src" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// && $1 !~ /:$/ { print $1 }') $(musl_loader "$src"); do
		[ -e "$stage$lib" ] || put "$lib" "$lib"
	done
done

(cd "$stage" && find . | LC_ALL=C sort | "$bb" cpio -o -H newc 2>/dev/null) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) kB)" >&2
