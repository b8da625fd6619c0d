#!/usr/bin/env bash
# Bad input never changes fork: a malformed variable gives one clear line
# and the default; an unreadable procfs gives one line and the fork goes
# through with its own return value and errno.
source "$(dirname "$0")/lib.sh"

fork8() { # ENV... : run the 2 x 1 GiB layout (forks fine), stderr to $TMP/err
	env "$@" LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" 1 2 2>"$TMP/err" |
		sed -n 's/^fork: //p'
}

for kv in FORKGUARD_MODE=enforcing FORKGUARD_FORMAT=xml FORKGUARD_REPORT=some \
	FORKGUARD_LOG=relative.log FORKGUARD_PROCFS=proc FORKGUARD_KERNEL_RULE=9.9 \
	FORKGUARD_RATE_LIMIT=-1 FORKGUARD_REMEDY=bogus FORKGUARD_RETRIES=x \
	FORKGUARD_RETRY_DELAY_MS=1e9; do
	r=$(fork8 "$kv")
	n=$(grep -cE "^[0-9T:.-]+Z forkguard\[[0-9]+\] [^:]+: ignoring ${kv%%=*}=" "$TMP/err")
	check "bad-${kv%%=*}" "fork $r, $n warning line: $(head -c 120 "$TMP/err")" \
		test "$r" = ok -a "$n" = 1 -a "$(wc -l <"$TMP/err")" = 1
done

# an unreadable procfs root: one line, fork unchanged
r=$(fork8 FORKGUARD_PROCFS=/nonexistent)
check unreadable-procfs "fork $r; $(cat "$TMP/err")" \
	test "$r" = ok -a "$(grep -c 'forks are not checked' "$TMP/err")" = 1

# ENOMEM from the kernel keeps its errno with an unreadable procfs too
r=$(env FORKGUARD_PROCFS=/nonexistent LD_PRELOAD="$LIB" "$B/fixtures/merged_vma" "$BIG_GIB" 2>/dev/null |
	sed -n 's/^fork: //p')
check errno-kept "real ENOMEM passes through unchanged: $r" test "$r" = ENOMEM

# a log path that is a symlink is not followed
ln -s "$TMP/target" "$TMP/link.log"
env FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/link.log" LD_PRELOAD="$LIB" \
	"$B/fixtures/merged_vma" 1 2 >/dev/null 2>"$TMP/err"
check log-nofollow "symlinked log not followed, report fell back to stderr" \
	test ! -e "$TMP/target" -a "$(grep -c 'verdict ok' "$TMP/err")" = 1

# a log file is created 0600 and appended, never truncated
echo "keep me" >"$TMP/app.log"
chmod 600 "$TMP/app.log"
for i in 1 2; do
	env FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/app.log" LD_PRELOAD="$LIB" \
		"$B/fixtures/merged_vma" 1 2 >/dev/null
done
env FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/new-%p.log" LD_PRELOAD="$LIB" \
	"$B/fixtures/merged_vma" 1 2 >/dev/null
newlog=$(ls "$TMP"/new-*.log 2>/dev/null | head -n1)
check log-append "appended: $(grep -cE '^[0-9T:.-]+Z forkguard\[' "$TMP/app.log") reports; new %p file mode $(stat -c %a "$newlog" 2>/dev/null)" \
	test "$(head -n1 "$TMP/app.log")" = "keep me" -a "$(grep -cE '^[0-9T:.-]+Z forkguard\[' "$TMP/app.log")" = 2 \
	-a "$(stat -c %a "$newlog")" = 600
# an allocator remedy asked for by name that the process does not have:
# one line, the fork unchanged; with the default (all) nothing is said
r=$(fork8 FORKGUARD_MODE=remediate FORKGUARD_REMEDY=jemalloc,split)
check missing-allocator "fork $r; $(cat "$TMP/err")" \
	test "$r" = ok -a "$(grep -c 'names jemalloc, but this process has no je_mallctl or mallctl: that remedy is skipped' "$TMP/err")" = 1 \
	-a "$(wc -l <"$TMP/err")" = 1
r=$(fork8 FORKGUARD_MODE=remediate)
check missing-allocator-default "fork $r, $(wc -l <"$TMP/err") lines with FORKGUARD_REMEDY unset" \
	test "$r" = ok -a "$(wc -l <"$TMP/err")" = 0

# a setuid program: FORKGUARD_* ignored, one line.  ld.so does not preload
# a library by path into a setuid program, so this one links it (absolute
# RUNPATH, honoured in secure mode) and runs as nobody.
suid=$B/tests/suid-fork
mkdir -p "$B/tests"
if printf '%s\n' '#include <stdio.h>' '#include <sys/wait.h>' '#include <unistd.h>' \
	'int main(void) { pid_t p = fork(); if (!p) _exit(0);' \
	'waitpid(p, 0, 0); printf("fork: %s\n", p > 0 ? "ok" : "failed"); return 0; }' |
	${CC:-cc} -x c -o "$suid" - -L"$B" -l:libforkguard.so.0 -Wl,-rpath,"$B" &&
	chown root:root "$suid" && chmod 4755 "$suid" &&
	su -s /bin/sh nobody -c "test -x '$suid'" 2>/dev/null; then
	su -s /bin/sh nobody -c "env FORKGUARD_MODE=bogus FORKGUARD_REPORT=all '$suid'" \
		>"$TMP/out" 2>"$TMP/err"
	check setuid-ignored "$(cat "$TMP/out"); $(cat "$TMP/err")" \
		test "$(cat "$TMP/out")" = "fork: ok" \
		-a "$(grep -c 'setuid/setgid program: FORKGUARD_\* variables are ignored' "$TMP/err")" = 1 \
		-a "$(grep -c 'ignoring\|verdict' "$TMP/err")" = 0
else
	fail setuid-ignored "could not build or run a setuid test program as nobody in $B/tests"
fi
rm -f "$suid"
summary
