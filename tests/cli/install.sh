#!/usr/bin/env bash
# `make install` / `make uninstall` with DESTDIR and PREFIX: exactly the
# listed files, a library with its soname, an installed forkguard that
# finds the installed library, man pages that render, a drop-in that
# points at the installed library, and nothing left after uninstall.
source "$(dirname "$0")/lib.sh"

S=$TMP/stage
if ! make --no-print-directory -C "$TOP" install DESTDIR="$S" PREFIX=/usr >"$TMP/install.log" 2>&1; then
	fail install "make install failed: $(tail -n3 "$TMP/install.log")"
	summary
	exit
fi
expected="/usr/bin/forkguard
/usr/include/forkguard.h
/usr/lib/libforkguard.so
/usr/lib/libforkguard.so.0
/usr/share/doc/forkguard/examples/redis-server.service.d/forkguard.conf
/usr/share/man/man1/forkguard.1
/usr/share/man/man7/libforkguard.7"
got=$(cd "$S" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
check install-files "make install DESTDIR=... PREFIX=/usr: $(echo "$got" | wc -l) files$([ "$got" = "$expected" ] || printf '; got:\n%s' "$got")" \
	test "$got" = "$expected"
check install-link "libforkguard.so -> $(readlink "$S/usr/lib/libforkguard.so")" \
	test "$(readlink "$S/usr/lib/libforkguard.so")" = libforkguard.so.0
soname=$(readelf -d "$S/usr/lib/libforkguard.so.0" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
check install-soname "soname $soname" test "$soname" = libforkguard.so.0
modes=$(cd "$S/usr" && stat -c '%a %n' bin/forkguard lib/libforkguard.so.0 include/forkguard.h share/man/man1/forkguard.1 \
	share/doc/forkguard/examples/redis-server.service.d/forkguard.conf | tr '\n' ' ')
check install-modes "$modes" test "$modes" = "755 bin/forkguard 755 lib/libforkguard.so.0 644 include/forkguard.h 644 share/man/man1/forkguard.1 644 share/doc/forkguard/examples/redis-server.service.d/forkguard.conf "

# the installed binary finds the installed library (../lib from its dir)
out=$(env -u FORKGUARD_LIBRARY "$S/usr/bin/forkguard" run -- sh -c 'echo $LD_PRELOAD')
check installed-run "installed forkguard run: LD_PRELOAD=$out" test "$out" = "$S/usr/lib/libforkguard.so.0"
env -u FORKGUARD_LIBRARY "$S/usr/bin/forkguard" run --json --report all --log "$TMP/inst.log" \
	-- sh -c '/bin/true & wait' >/dev/null 2>&1
check installed-guard "the installed library guards the command's fork: $(cut -c1-80 "$TMP/inst.log" 2>/dev/null)..." \
	grep -q '"event":"fork".*"call":"fork"' "$TMP/inst.log"
check installed-version "installed forkguard --version: $("$S/usr/bin/forkguard" --version)" \
	bash -c "'$S/usr/bin/forkguard' --version | grep -qx 'forkguard [0-9.]*'"

D=$S/usr/share/doc/forkguard/examples/redis-server.service.d/forkguard.conf
check dropin "the drop-in preloads the installed library: $(grep '^Environment=LD_PRELOAD' "$D")" \
	bash -c "grep -qx 'Environment=LD_PRELOAD=/usr/lib/libforkguard.so.0' '$D' && grep -qx 'ExecPaths=/usr/lib/libforkguard.so.0' '$D' && ! grep -q '@[A-Z]*@' '$D' && grep -qx '\[Service\]' '$D'"

# systemd parses the drop-in over Debian's unit without a complaint
U=/lib/systemd/system/redis-server.service
if command -v systemd-analyze >/dev/null && [ -f "$U" ]; then
	mkdir -p "$TMP/units/redis-server.service.d"
	cp "$U" "$TMP/units/"
	cp "$D" "$TMP/units/redis-server.service.d/"
	SYSTEMD_UNIT_PATH="$TMP/units:" systemd-analyze verify "$TMP/units/redis-server.service" >"$TMP/verify" 2>&1
	check dropin-systemd "systemd-analyze verify: $(grep -c forkguard.conf "$TMP/verify") complaint(s) about the drop-in$(grep forkguard.conf "$TMP/verify" | head -n2 | sed 's/^/; /')" \
		bash -c "! grep -q forkguard.conf '$TMP/verify'"
else
	skip dropin-systemd "systemd-analyze or Debian's redis-server.service not present"
fi

# the man pages render, without groff warnings, and man finds them by name
if command -v man >/dev/null; then
	for page in man1/forkguard.1 man7/libforkguard.7; do
		f=$S/usr/share/man/$page
		MANWIDTH=80 man -l "$f" >"$TMP/page" 2>/dev/null
		MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null | grep -v '^$' >"$TMP/warn"
		case $page in
		man1/*) want='EXIT STATUS|ENVIRONMENT|EXAMPLES|forkguard check|FORKGUARD_LIBRARY|127' ;;
		*) want='ENVIRONMENT|JSON KEYS|EXAMPLES|FORKGUARD_MODE|FORKGUARD_LOG|FORKGUARD_FORMAT|FORKGUARD_REPORT|charge_kb|failing_vma|EXIT STATUS' ;;
		esac
		missing=""
		IFS='|' read -ra words <<<"$want"
		for w in "${words[@]}"; do grep -q -- "$w" "$TMP/page" || missing="$missing '$w'"; done
		check "man-$(basename "$page")" "man -l renders $(lines "$TMP/page") lines, $(lines "$TMP/warn") warnings${missing:+; missing:$missing}" \
			test -z "$missing" -a ! -s "$TMP/warn" -a "$(lines "$TMP/page")" -gt 100
	done
	w=$(man -M "$S/usr/share/man" -w forkguard 2>/dev/null)
	check man-path "man -M finds forkguard(1) at $w" test "$w" = "$S/usr/share/man/man1/forkguard.1"
else
	fail man "man is not installed (apt-get install man-db)"
fi

make --no-print-directory -C "$TOP" uninstall DESTDIR="$S" PREFIX=/usr >"$TMP/uninstall.log" 2>&1
left=$(cd "$S" && find . \( -type f -o -type l \) | sed 's|^\.||')
check uninstall "make uninstall leaves no file${left:+: left $left}; doc dir $([ -d "$S/usr/share/doc/forkguard" ] && echo kept || echo removed)" \
	test -z "$left" -a ! -d "$S/usr/share/doc/forkguard"

# the default PREFIX is /usr/local, and the drop-in follows LIBDIR
S2=$TMP/stage2
make --no-print-directory -C "$TOP" install DESTDIR="$S2" >"$TMP/install2.log" 2>&1
out=$(env -u FORKGUARD_LIBRARY "$S2/usr/local/bin/forkguard" run -- sh -c 'echo $LD_PRELOAD')
check install-default "default PREFIX: LD_PRELOAD=$out, drop-in $(grep '^Environment=LD_PRELOAD' "$S2/usr/local/share/doc/forkguard/examples/redis-server.service.d/forkguard.conf" 2>/dev/null)" \
	bash -c "[ '$out' = '$S2/usr/local/lib/libforkguard.so.0' ] && grep -qx 'Environment=LD_PRELOAD=/usr/local/lib/libforkguard.so.0' '$S2/usr/local/share/doc/forkguard/examples/redis-server.service.d/forkguard.conf'"
summary
