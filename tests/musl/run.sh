#!/usr/bin/env bash
# The musl build (make musl): the transparency cases and the merged-VMA
# reproduction, built with musl-gcc, give the same results under it as
# without it and the real ENOMEM is predicted (the same scripts as for
# glibc, on build/musl); `forkguard run` gives a musl program the musl
# build, the glibc programs it execs the glibc one, and refuses a static
# program with the reason.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
M=$top/build/musl
failed=0
if ! command -v musl-gcc >/dev/null || [ ! -e "$M/libforkguard.so.0" ]; then
	echo "FAIL musl: musl-gcc or build/musl missing (apt-get install musl-tools; make musl)"
	exit 1
fi
# one LD_PRELOAD for both libcs (see the Makefile's musl target)
# the storm at a tenth of its glibc size: the leak and log bounds are per fork
export FG_STORM_FORKS=${FG_STORM_FORKS:-10000}
export FG_BUILD=$M FG_LIB="$M/\$LIB/libforkguard.so.0"
# noalloc counts glibc's __libc_malloc: musl has no such symbol
export FG_SKIP=zero-alloc FG_SKIP_WHY="tests/transparency/noalloc.c wraps glibc's __libc_malloc; not built for musl"
source "$top/tests/lib.sh"
run_suite musl "$top/tests/transparency/run.sh" \
	"$top/tests/integration/merged_vma.sh" || failed=1

echo "== musl: forkguard run"
unset FG_SKIP
cat >"$TMP/which.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "libforkguard")) {
			fputs(strchr(line, '/'), stdout);
			break;
		}
	fflush(stdout);
	return system("grep -m1 libforkguard /proc/$$/maps | sed 's|^[^/]*||'");
}
EOF
musl-gcc -o "$TMP/which" "$TMP/which.c"
interp=$(readelf -l "$TMP/which" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
"$top/build/forkguard" run -- "$TMP/which" >"$TMP/maps" 2>"$TMP/err"
rc=$?
mapped=$(sed -n 1p "$TMP/maps")
child=$(sed -n 2p "$TMP/maps")
check run-musl "a musl program ($interp) maps $mapped (exit $rc)" \
	test "$rc" = 0 -a "$mapped" = "$(realpath "$M/libforkguard.so.0")"
check run-musl-child "the glibc shell it execs maps $child" \
	test "$child" = "$(realpath "$top/build/libforkguard.so.0")"
bb=$(command -v busybox)
if [ -n "$bb" ] && [ -z "$(readelf -l "$bb" | grep INTERP)" ]; then
	"$top/build/forkguard" run -- "$bb" true 2>"$TMP/err"
	rc=$?
	check run-static "a static program: exit $rc, $(cat "$TMP/err")" \
		bash -c "[ $rc = 126 ] && grep -q 'statically linked' '$TMP/err'"
else
	skip run-static "no static busybox (apt-get install busybox-static)"
fi
# without the musl build beside it: the reason, 127
mkdir -p "$TMP/lone"
cp "$top/build/forkguard" "$top/build/libforkguard.so.0" "$TMP/lone/"
ln -s libforkguard.so.0 "$TMP/lone/libforkguard.so"
"$TMP/lone/forkguard" run -- "$TMP/which" >/dev/null 2>"$TMP/err"
rc=$?
check run-musl-missing "no musl build: exit $rc, $(cat "$TMP/err")" \
	bash -c "[ $rc = 127 ] && grep -q 'runs on musl' '$TMP/err' && grep -q 'make musl' '$TMP/err'"
summary || failed=1
exit $failed
