#!/bin/sh
# mkdeb.sh - build build/forkguard_<version>_<arch>.deb from this tree with
# dpkg-deb (`make deb`).  No debian/ source package: the binary package is
# a staged `make install` (PREFIX=/usr, the multiarch libdir) plus what
# Debian policy wants around it: stripped objects, a 0644 library, gzipped
# man pages and docs, changelog.Debian.gz, a machine-readable copyright,
# Depends from dpkg-shlibdeps, a shlibs file and the ldconfig trigger.
# The version is FG_VERSION in include/forkguard.h; nothing else holds it.
# The package's is that plus the Debian revision (DEB_REVISION, default 1):
# a packaging of an upstream version, with changelog.Debian.gz.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
version=$(sed -n 's/^#define FG_VERSION "\(.*\)"/\1/p' include/forkguard.h)
[ -n "$version" ] || { echo "mkdeb: no FG_VERSION in include/forkguard.h" >&2; exit 1; }
debver=$version-${DEB_REVISION:-1}
arch=$(dpkg --print-architecture)
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
B=build/deb
root=$top/$B/root
deb=build/forkguard_${debver}_$arch.deb
maint="forkguard maintainers <maintainers@users.noreply.r-seed-97181e61.example>"

rm -rf "$root"
mkdir -p "$root/DEBIAN"
# its own build tree: the objects know the libdir (forkguard run looks there)
if ! make --no-print-directory B="$B" PREFIX=/usr LIBDIR="/usr/lib/$multi" \
	DESTDIR="$root" install >"$B/make.log" 2>&1; then
	tail -n 20 "$B/make.log" >&2
	echo "mkdeb: make install failed (log: $B/make.log)" >&2
	exit 1
fi
lib=$root/usr/lib/$multi/libforkguard.so.0
doc=$root/usr/share/doc/forkguard
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$root/usr/bin/forkguard" "$lib"
chmod 0644 "$lib"
gzip -9n "$root"/usr/share/man/man*/*
install -m 0644 pkg/copyright "$doc/copyright"
gzip -9n <README.md >"$doc/README.md.gz"
for d in docs/*.md; do
	[ -f "$d" ] && gzip -9n <"$d" >"$doc/$(basename "$d").gz"
done
chmod 0644 "$doc"/*.gz

# one entry per version, dated by the last commit (reproducible)
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
printf '%s\n' "forkguard ($debver) unstable; urgency=medium" "" \
	"  * Release $version, built from the source tree (see README.md)." "" \
	" -- $maint  $when" | gzip -9n >"$doc/changelog.Debian.gz"

# Depends: what the objects need, by dpkg-shlibdeps (it wants a control file)
w=$top/$B/shlibdeps
rm -rf "$w" && mkdir -p "$w/debian"
printf 'Source: forkguard\n\nPackage: forkguard\nArchitecture: any\n' >"$w/debian/control"
depends=$(cd "$w" && dpkg-shlibdeps -O -e"$root/usr/bin/forkguard" -e"$lib" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps gave no Depends" >&2; exit 1; }

echo "libforkguard 0 forkguard (>= $version)" >"$root/DEBIAN/shlibs"
echo "activate-noawait ldconfig" >"$root/DEBIAN/triggers"
cat >"$root/DEBIAN/control" <<EOF
Package: forkguard
Version: $debver
Architecture: $arch
Maintainer: $maint
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: admin
Priority: optional
Description: predict and explain fork failures and copy-on-write OOM risk
 forkguard checks, before a process forks, whether the kernel's overcommit
 accounting will refuse the fork (the ENOMEM behind Redis's "Can't save in
 background"), says which rule and which mapping, and can remediate or
 refuse the fork.  For a fork that succeeds it weighs the copy-on-write
 the child may cause against the memory cgroup's and the host's headroom,
 and can make the child the OOM killer's first victim.
 .
 This package holds the preload library libforkguard.so.0, the forkguard
 command (check, run, explain, watch: a fork's real copy-on-write
 measured from outside), the C header, the manual pages and a systemd
 drop-in example for redis-server.
EOF
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root"/DEBIAN/*
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
