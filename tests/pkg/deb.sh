#!/usr/bin/env bash
# The Debian package on this machine: `make deb` has built it; dpkg -i
# installs it into the real system, the installed command and library
# work (the merged-VMA reproduction gets its diagnosis through
# `forkguard run`), man finds the page, lintian reports no error, and
# dpkg -r removes every file it installed.  Whatever happens, the package
# is purged on exit; a system that already has forkguard (the package, or
# files where the package puts its own) is left alone: SKIP.
source "$(dirname "$0")/../integration/lib.sh"

version=$(sed -n 's/^#define FG_VERSION "\(.*\)"/\1/p' "$TOP/include/forkguard.h")
deb=$(ls "$TOP"/build/forkguard_"$version"-*_"$(dpkg --print-architecture)".deb 2>/dev/null | tail -n1)
if [ -z "$deb" ]; then
	fail deb-built "no build/forkguard_$version-*.deb (run make deb)"
	summary
	exit
fi
pass deb-built "$(basename "$deb")"
if ! command -v lintian >/dev/null; then
	fail lintian "lintian is not installed (apt-get install lintian)"
else
	lintian "$deb" >"$TMP/lintian" 2>&1
	check lintian "lintian: $(grep -c '^E:' "$TMP/lintian") error(s), $(grep -c '^W:' "$TMP/lintian") warning(s)$(grep '^E:' "$TMP/lintian" | head -n3 | sed 's/^/; /')" \
		bash -c "! grep -q '^E:' '$TMP/lintian' && grep -q '^[WI]: forkguard' '$TMP/lintian'"
fi
desc=$(dpkg-deb -f "$deb" Description)
check description "the package's Description names watch and copy-on-write" \
	grep -q 'watch.*copy-on-write\|copy-on-write.*watch' <<<"$(echo $desc)"
depends=$(dpkg-deb -f "$deb" Depends)
check depends "Depends: $depends" grep -Eq '^libc6 \(>= 2\.[0-9]+\)$' <<<"$depends"

# the files the package holds, as installed paths
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort >"$TMP/files"
if dpkg -s forkguard >/dev/null 2>&1; then
	echo "SKIP deb-install: the forkguard package is already installed here; not touched"
	summary
	exit
fi
clash=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done <"$TMP/files")
if [ -n "$clash" ]; then
	echo "SKIP deb-install: files the package would own already exist: $(echo $clash)"
	summary
	exit
fi

# dpkg takes a lock that apt may hold: wait for it, bounded
dpkg_do() {
	local i
	for i in $(seq 60); do
		dpkg "$@" >"$TMP/dpkg.out" 2>&1 && return 0
		grep -q 'lock' "$TMP/dpkg.out" || return 1
		sleep 2
	done
	return 1
}
purge() { dpkg -s forkguard >/dev/null 2>&1 && dpkg_do --purge forkguard; }
trap 'purge; rm -rf "$TMP"' EXIT

if ! dpkg_do -i "$deb"; then
	fail dpkg-install "dpkg -i: $(tail -n3 "$TMP/dpkg.out")"
	summary
	exit
fi
dpkg -L forkguard | sort >"$TMP/listed"
missing=$(while read -r f; do [ -e "$f" ] || echo "$f"; done <"$TMP/files")
unlisted=$(comm -23 "$TMP/files" "$TMP/listed")
check dpkg-install "dpkg -i: $(wc -l <"$TMP/files") files and links in place${missing:+; missing: $missing}${unlisted:+; not in dpkg -L: $unlisted}" \
	test -z "$missing$unlisted" -a -s "$TMP/files"
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
L=/usr/lib/$multi/libforkguard.so.0
check ldconfig "the ldconfig trigger ran: $(ldconfig -p | grep -c 'libforkguard.so.0 ') cache entry" \
	bash -c "ldconfig -p | grep -Eq 'libforkguard.so.0 .*=> (/usr)?/lib/$multi/libforkguard.so.0\$'"
out=$(/usr/bin/forkguard --version)
check version "forkguard --version: $out" test "$out" = "forkguard $version"
out=$(env -u FORKGUARD_LIBRARY /usr/bin/forkguard run -- sh -c 'echo $LD_PRELOAD')
check run-finds-lib "forkguard run preloads $out" test "$out" = "$L"

# the merged-VMA reproduction under the installed command and library
mode=$(cat /proc/sys/vm/overcommit_memory)
# two mappings each under RAM + swap, merged over it (this host's sizes)
big=$(awk '/^MemTotal:|^SwapTotal:/ {kb += $2} END {printf "%d\n", kb / 2 / 1048576 + 1}' /proc/meminfo)
if [ "$mode" != 0 ]; then
	echo "SKIP installed-diagnosis: needs overcommit_memory 0 (mode $mode)"
else
	env -u FORKGUARD_LIBRARY /usr/bin/forkguard run -- "$B/fixtures/merged_vma" "$big" \
		>"$TMP/mv.out" 2>"$TMP/mv.err"
	check installed-diagnosis "merged_vma $big: fork $(sed -n 's/^fork: //p' "$TMP/mv.out"); $(grep -m1 -o 'refuses a single VMA larger than RAM + swap' "$TMP/mv.err" || echo 'no diagnosis')" \
		bash -c "grep -qx 'fork: ENOMEM' '$TMP/mv.out' && grep -q 'refuses a single VMA larger than RAM + swap' '$TMP/mv.err' && grep -q 'failing VMA: .* $((2 * big)).0 GiB' '$TMP/mv.err'"
fi

if command -v man >/dev/null; then
	w=$(man -w forkguard 2>/dev/null)
	MANWIDTH=80 man forkguard 2>/dev/null >"$TMP/man"
	check man "man forkguard: $w, $(wc -l <"$TMP/man") lines" \
		bash -c "[ '$w' = /usr/share/man/man1/forkguard.1.gz ] && grep -q 'forkguard check' '$TMP/man' && [ \$(wc -l <'$TMP/man') -gt 100 ]"
	w=$(man -w 7 libforkguard 2>/dev/null)
	check man7 "man 7 libforkguard: $w" test "$w" = /usr/share/man/man7/libforkguard.7.gz
	MANWIDTH=80 man 7 libforkguard 2>/dev/null >"$TMP/man7"
	tr -s ' \n' '  ' <"$TMP/man7" | grep -o 'tag forkguard[^ ]*' | head -n1 >"$TMP/tag"
	check man7-render "man 7 libforkguard renders the syslog tag: $(cat "$TMP/tag")" \
		grep -qx 'tag forkguard\[pid\];' "$TMP/tag"
	# what the page tells an operator to run, run as written
	pre=$(sed -n 's/^ *\$ \(LD_PRELOAD=[^ ]*\) .*/\1/p' "$TMP/man7" | head -n1)
	n=0
	[ -n "$pre" ] && n=$(env "$pre" sh -c 'grep -c libforkguard /proc/$$/maps' 2>/dev/null)
	check man7-preload "the page's example ${pre:-(none found)}: libforkguard mapped (${n:-0} VMAs)" \
		test "${n:-0}" -gt 0
	run=$(sed -n 's/^ *\$ \(\/lib.*ld-linux.* \/usr\/lib\/.*libforkguard.so.0\)$/\1/p' "$TMP/man7" | head -n1)
	[ -n "$run" ] && $run >"$TMP/libversion" 2>&1
	check man7-version "the page's way to see the version, ${run:-(none found)}: $(head -c 60 "$TMP/libversion" 2>/dev/null)" \
		grep -q "^libforkguard $version:" "$TMP/libversion"
else
	fail man "man is not installed (apt-get install man-db)"
fi

if ! dpkg_do -r forkguard; then
	fail dpkg-remove "dpkg -r: $(tail -n3 "$TMP/dpkg.out")"
else
	left=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done <"$TMP/files")
	check dpkg-remove "dpkg -r: $(wc -l <"$TMP/files") files and links gone${left:+; left: $left}; ldconfig cache $(ldconfig -p | grep -c libforkguard) entries" \
		bash -c "[ -z '$left' ] && ! ldconfig -p | grep -q libforkguard && [ ! -d /usr/share/doc/forkguard ]"
fi
purge
st=$(dpkg-query -W -f '${db:Status-Status}' forkguard 2>/dev/null)
check dpkg-purge "after purge: ${st:-no record}" test "${st:-not-installed}" = not-installed
summary
