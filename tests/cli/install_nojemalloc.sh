#!/usr/bin/env bash
# `make` and `make install` need only a C compiler and libc's headers: in a
# private mount namespace where /usr/include/jemalloc is an empty tmpfs
# (as on a machine without libjemalloc-dev), a fresh copy of the sources
# builds and installs; the fixtures that link jemalloc build only for the
# test targets.  `make demo` builds the one fixture it runs (its recipe,
# make -n, names no jemalloc; that fixture builds there).
source "$(dirname "$0")/lib.sh"

if ! unshare -m true 2>/dev/null; then
	skip install-nojemalloc "unshare -m is not permitted here"
	summary
	exit
fi
src=$TMP/src
mkdir -p "$src"
(cd "$TOP" && cp -r Makefile shim include man docs fixtures "$src/")
unshare -m bash -c '
	set -u
	mkdir -p /usr/include/jemalloc 2>/dev/null
	mount -t tmpfs -o size=16k,mode=755 nojemalloc /usr/include/jemalloc || exit 90
	if echo "#include <jemalloc/jemalloc.h>" | cc -E -x c - >/dev/null 2>&1; then
		exit 91
	fi
	make -C "$1" -j2 install DESTDIR="$2" PREFIX=/usr >"$3" 2>&1' \
	x "$src" "$TMP/stage" "$TMP/build.log"
rc=$?
case $rc in
90) fail install-nojemalloc "cannot mask /usr/include/jemalloc" ;;
91) fail install-nojemalloc "jemalloc.h still visible after masking" ;;
*)
	check install-nojemalloc "make install with jemalloc.h hidden: exit $rc$([ $rc = 0 ] || echo ": $(tail -n3 "$TMP/build.log")")" \
		bash -c "[ $rc = 0 ] && [ -x '$TMP/stage/usr/bin/forkguard' ] && [ -f '$TMP/stage/usr/lib/libforkguard.so.0' ]"
	check install-no-fixtures "make install built no fixture and named no jemalloc" \
		bash -c "[ ! -e '$src/build/fixtures' ] && ! grep -q jemalloc '$TMP/build.log'"
	unshare -m bash -c '
		mount -t tmpfs -o size=16k,mode=755 nojemalloc /usr/include/jemalloc || exit 90
		make -C "$1" -n demo >"$2" 2>&1 && make -C "$1" build/fixtures/merged_vma >>"$2" 2>&1' \
		x "$src" "$TMP/demo.log"
	rc=$?
	check demo-nojemalloc "make demo's build with jemalloc.h hidden: exit $rc, $(grep -c 'fixtures/' "$TMP/demo.log") fixture line(s), jemalloc named $(grep -c jemalloc "$TMP/demo.log") time(s)" \
		bash -c "[ $rc = 0 ] && [ -x '$src/build/fixtures/merged_vma' ] && ! grep -q jemalloc '$TMP/demo.log'"
	;;
esac
summary
