#!/usr/bin/env bash
# Transparency: every case gives the same output with and without the
# guard; only fork-like calls that copy the mm are reported; no heap
# allocation on the fork path; a fork storm leaks nothing and the log stays
# bounded; the exported symbols are exactly the allow-list; the library
# holds none of the command's code.
source "$(dirname "$0")/../integration/lib.sh"
T=$B/tests

# the errno case's last fork is a child's, turned nobody: at the default
# level nothing was logged before it, so it opens the log itself
chmod 711 "$TMP" && mkdir -m 1777 "$TMP/fast"
# Each case bare, then guarded twice: reporting every fork (each call goes
# the whole way), and at the default level (a quiet fork takes the fast
# path: the real fork is tail-called).
for c in atfork errno signal passthrough closefds stdio child handler-errno \
	clonefail maps; do
	"$T/transparency" "$c" >"$TMP/bare.$c" 2>&1
	rb=$?
	FORKGUARD_REPORT=all FORKGUARD_FORMAT=json FORKGUARD_RATE_LIMIT=0 \
		FORKGUARD_LOG="$TMP/log.$c" LD_PRELOAD="$LIB" \
		"$T/transparency" "$c" >"$TMP/guard.$c" 2>&1
	rg=$?
	check "same-$c" "bare exit $rb, guarded exit $rg, outputs $(cmp -s "$TMP/bare.$c" "$TMP/guard.$c" && echo identical || echo DIFFER)" \
		test "$rb" = 0 -a "$rg" = 0 -a -z "$(diff "$TMP/bare.$c" "$TMP/guard.$c")"
	FORKGUARD_FORMAT=json FORKGUARD_LOG="$TMP/fast/$c" LD_PRELOAD="$LIB" \
		"$T/transparency" "$c" >"$TMP/fastout.$c" 2>&1
	rf=$?
	check "fast-$c" "bare exit $rb, fast path exit $rf, outputs $(cmp -s "$TMP/bare.$c" "$TMP/fastout.$c" && echo identical || echo DIFFER)" \
		test "$rb" = 0 -a "$rf" = 0 -a -z "$(diff "$TMP/bare.$c" "$TMP/fastout.$c")"
done
calls() { grep -o '"call":"[a-zA-Z_]*"' "$TMP/log.$1" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=","}'; }
check reported-passthrough "only clone() without CLONE_VM is reported: $(calls passthrough)" \
	test "$(calls passthrough)" = '1 "call":"clone"'
check reported-errno "fork, the EAGAIN fork and _Fork are reported: $(calls errno)" \
	test "$(calls errno)" = '1 "call":"_Fork",3 "call":"fork"'
check eagain-postmortem "the EAGAIN fork is reported with its outcome and RLIMIT_NPROC 0" \
	grep -q '"outcome":"EAGAIN".*"limits":{"nproc_limit":0,' "$TMP/log.errno"
# the fast path passed the EAGAIN fork (errno was 0): the atfork handler
# explains it, with the figures read after the fork
check fast-eagain "default level: $(wc -l <"$TMP/fast/errno") line(s), $(grep -o '"call":"[a-zA-Z_]*"' "$TMP/fast/errno" | head -1), $(grep -o '"outcome":"[A-Z]*","mismatch":[a-z]*,"read_after":[a-z]*' "$TMP/fast/errno")" \
	grep -q '"call":"fork".*"outcome":"EAGAIN","mismatch":false,"read_after":true.*"limits":{"nproc_limit":0,' "$TMP/fast/errno"
check fast-handler-errno "forks whose handlers leave EAGAIN behind are not failures: $(cat "$TMP/fast/handler-errno" 2>/dev/null | wc -l) report line(s) at the default level" \
	test ! -s "$TMP/fast/handler-errno"
check reported-daemon "daemon is reported: $(calls child)" \
	grep -q '"call":"daemon"' "$TMP/log.child"
# a clone the kernel refuses: the same return and errno as bare (same-
# clonefail above compares them, and the case checks them itself); the
# report's outcome names the errno, the refused clone is no mismatch (the
# reports sorted: the nobody child's and its parent's may come in any order)
clones() {
	python3 -c 'import json, sys
print(" ".join(sorted("{}:{}:{}".format(d.get("call"), d.get("outcome"), d.get("mismatch"))
	for d in map(json.loads, open(sys.argv[1])) if d.get("event") == "fork")))' "$1" 2>&1
}
check clone-einval "clone(CLONE_SIGHAND) without CLONE_VM, then clone() at RLIMIT_NPROC 0 as nobody: $(grep -h '^clone' "$TMP/guard.clonefail" | tr '\n' ';') reports: $(clones "$TMP/log.clonefail")" \
	test "$(clones "$TMP/log.clonefail")" = "clone:EAGAIN:False clone:EINVAL:False fork:ok:False" \
	-a "$(grep -c '^clone(CLONE_SIGHAND): -1 errno EINVAL$\|^clone() at nproc 0: -1 errno EAGAIN$' "$TMP/guard.clonefail")" = 2
check clone-fast "default level: the refused clones reported all the same: $(clones "$TMP/fast/clonefail")" \
	test "$(clones "$TMP/fast/clonefail")" = "clone:EAGAIN:False clone:EINVAL:False"

if ! skipped zero-alloc; then
	na=$("$T/noalloc" 500)
	ng=$(LD_PRELOAD="$LIB" "$T/noalloc" 500)
	nr=$(FORKGUARD_REPORT=all FORKGUARD_RATE_LIMIT=0 FORKGUARD_LOG="$TMP/na.log" LD_PRELOAD="$LIB" "$T/noalloc" 500)
	check zero-alloc "bare: $na; guarded: $ng; guarded, reporting every fork: $nr" \
		test "${na##*: }" = 0 -a "${ng##*: }" = 0 -a "${nr##*: }" = 0
	# nor since it started: the allocator discovery asks dlsym only for a
	# name some object defines (dynsym.c), so a process that allocates
	# nothing gets no heap, that each fork would copy, from the guard
	nrm=$(FORKGUARD_MODE=remediate LD_PRELOAD="$LIB" "$T/noalloc" 50)
	check no-heap "bare: ${na%%, during*}; guarded: ${ng%%, during*}; reporting every fork: ${nr%%, during*}; remediate: ${nrm%%, during*}" \
		test "${na%%, during*}" = "heap none, allocations since start 0" \
		-a "${ng%%, during*}" = "${na%%, during*}" -a "${nr%%, during*}" = "${na%%, during*}" \
		-a "${nrm%%, during*}" = "${na%%, during*}"
	# the metrics file is written after every fork (interval 0): read while
	# the process is held after its last fork, it counts all 500; it is
	# removed when the process exits
	mkdir -p "$TMP/metrics"
	coproc NA { FORKGUARD_METRICS="$TMP/metrics" FORKGUARD_METRICS_INTERVAL=0 LD_PRELOAD="$LIB" "$T/noalloc" 500 hold; }
	napid=$NA_PID
	read -r -t 30 nm <&"${NA[0]}"
	f=$(ls "$TMP"/metrics/forkguard-noalloc-*.prom 2>/dev/null)
	forks=$(sed -n 's/^forkguard_forks_total{.*verdict="ok",outcome="ok"} \([0-9]*\)$/\1/p' "$f" 2>/dev/null)
	exec {NA[1]}>&-
	wait "$napid" 2>/dev/null
	check zero-alloc-metrics "metrics written after every fork: $nm; the file while it lived: ${f:-absent}, ok forks counted: ${forks:-none} (want 500); removed at exit: $(ls "$TMP/metrics" | wc -l) left" \
		test "${nm##*: }" = 0 -a -n "$f" -a "${forks:-0}" = 500 -a -z "$(ls "$TMP/metrics")"
fi

# a host that exports the library's API names of its own (-rdynamic, as
# Redis is built) gets the same verdict as one that does not: the library
# calls itself directly, never through its PLT
for h in hostexports hostexports-rdynamic; do
	FORKGUARD_REPORT=all FORKGUARD_FORMAT=json FORKGUARD_LOG="$TMP/$h.log" \
		LD_PRELOAD="$LIB" "$T/$h" >"$TMP/$h.out" 2>&1
done
fields() { grep -o '"\(verdict\|tier\|kernel_rule\|overcommit_mode\)":[^,]*' "$TMP/$1.log" | tr '\n' ' '; }
nexp=$(nm -D --defined-only "$T/hostexports-rdynamic" | grep -c ' T fg_')
check host-exports "the host exports $nexp fg_* functions; its own called: $(sed -n 's/^host functions called: //p' "$TMP/hostexports-rdynamic.out"); verdicts: plain [$(fields hostexports)], -rdynamic [$(fields hostexports-rdynamic)]" \
	test "$nexp" -ge 16 -a -n "$(fields hostexports)" \
	-a "$(fields hostexports)" = "$(fields hostexports-rdynamic)" \
	-a "$(grep -c '^fork: ok$\|^host functions called: 0$' "$TMP/hostexports-rdynamic.out")" = 2
plt=$(objdump -d "$B/libforkguard.so" | grep -c 'fg_.*@plt')
check no-self-plt "calls of the library's own fg_* functions through its PLT: $plt" test "$plt" = 0

n=${FG_STORM_FORKS:-${FG_QUICK:+5000}}
n=${n:-100000}
start=$(date +%s)
out=$(FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/storm.log" LD_PRELOAD="$LIB" "$T/storm" "$n")
secs=$(($(date +%s) - start + 1))
# a report's own lines (its cow: line) are indented: count reports and notes
lines=$(grep -vc "^  " "$TMP/storm.log")
read -r _ _ _ fds _ rss <<<"$out"
check storm "$out; $lines log lines in ${secs}s (limit 10/s)" \
	test "${fds%%->*}" = "${fds##*->}" -a "$((${rss##*->} - ${rss%%->*}))" -le 64 \
	-a "$lines" -le "$((secs * 20 + 20))"

# The fork path's syscalls, counted by strace in the parent around each
# fork from the fourth on (storm: a first fork, then 6), before it (from
# the sleep to the fork) and after it (from the fork to the wait).  Forks
# 70 ms or 1.1 s apart: none at all (the size the first fork read decides,
# far below, the forks of the next 10 windows; the base, overcommit_memory
# included, as long); under FORKGUARD_MODE=remediate, 70 ms apart: statm's
# fstat and pread before each fork (none goes by an earlier read).  No
# getpid (the pid is kept on a page each child finds zeroed), never an
# open, a cgroup walk or meminfo (the process is far below its limits).
# musl forks with the fork syscall after a gettid, sleeps with nanosleep
# and stats with fstat; glibc with clone, clock_nanosleep and newfstatat
if ! skipped fork-syscalls; then
	for gap in 70:0:0:observe 1100:0:0:observe 70:1:0:remediate; do
		IFS=: read -r ms before after mode <<<"$gap"
		strace -f -qq -o "$TMP/strace.$ms" -E LD_PRELOAD="$LIB" \
			-E FORKGUARD_MODE="$mode" "$T/storm" 6 "$ms" >/dev/null 2>&1
		got=$(awk -v b="$before" -v a="$after" '
			NR == 1 { parent = $1 }
			$1 != parent || /^[0-9]+ +(---|\+\+\+|<\.\.\.)/ { next }
			{ sub(/^[0-9]+ +/, ""); sub(/[(<].*/, "") }
			/^(clone|clone3|fork)$/ {
				if (++forks > 3) {
					nseg++
					bad += n["b", "p"] != b || n["b", "f"] != b ||
					       n["a", "p"] != a || n["a", "f"] != a
					o = o seg
				}
				split("", n); seg = ""; phase = "a"; next
			}
			/^wait4$/ { phase = "w"; next }
			/nanosleep$/ { phase = "b"; next }
			/^pread64$/ { n[phase == "a" ? "a" : "b", "p"]++; next }
			/^(new)?fstat(at)?$/ { n[phase == "a" ? "a" : "b", "f"]++; next }
			!/^(gettid|rt_sigprocmask)$/ { seg = seg " " $0 }
			END { printf "%d forks, %d not with %d pread and fstat before, %d after; other syscalls:%s\n", nseg, bad, b, a, o ? o : " none" }' "$TMP/strace.$ms")
		check "fork-syscalls-$ms${mode#observe}" "forks ${ms} ms apart, FORKGUARD_MODE=$mode: $got" \
			test "$got" = "4 forks, 0 not with $before pread and fstat before, $after after; other syscalls: none"
	done
fi

# The cgroup walk (a process's first fork, then a renewal every 10 s after
# a fork) reads each of its files (the THP setting, /proc/self/cgroup,
# each level's limits) with one read: one show makes the whole text, so a
# short read is the end (fg_read_attr); a second read to see 0 was a
# quarter of its syscalls.  Counted by strace: reads per open of each file
# under /sys or /proc/*/cgroup, in a guarded process's first fork.
if ! skipped attr-reads; then
	strace -f -qq -e trace=open,openat,read,close -o "$TMP/strace.attr" \
		-E LD_PRELOAD="$LIB" "$T/storm" 1 0 >/dev/null 2>&1
	got=$(awk '
		{ pid = $1; line = $0; sub(/^[0-9]+ +/, "", line) }
		line ~ /^open(at)?\(/ && match(line, /"[^"]*"/) {
			path = substr(line, RSTART + 1, RLENGTH - 2)
			if ((path ~ /^\/sys\// || path ~ /^\/proc\/[^\/]+\/cgroup$/) &&
			    match(line, /= [0-9]+$/)) {
				fd = substr(line, RSTART + 2); at[pid, fd] = path
				reads[pid, fd] = 0; files++
			}
			next
		}
		line ~ /^read\([0-9]+,/ {
			fd = line; sub(/^read\(/, "", fd); sub(/,.*/, "", fd)
			if ((pid, fd) in at) reads[pid, fd]++
			next
		}
		line ~ /^close\([0-9]+\)/ {
			fd = line; sub(/^close\(/, "", fd); sub(/\).*/, "", fd)
			if ((pid, fd) in at) {
				if (reads[pid, fd] != 1) bad = bad " " at[pid, fd] "(" reads[pid, fd] ")"
				delete at[pid, fd]
			}
		}
		END { printf "%d files, read more than once:%s\n", files, bad ? bad : " none" }' "$TMP/strace.attr")
	check attr-reads "the cgroup walk of a first fork: $got" \
		test "${got%% files*}" -ge 3 -a "${got#*: }" = none
fi

# A process whose forks come more than a quarter of FG_FAST_FAR windows
# (2.5 s) apart would pay a renewal every 10 s at every fourth fork or more
# often, for less than it spares the forks between: far below its limits
# it spares it, 9 times in 10.  Counted by strace: reads in the parent
# after each fork (the renewal: the base's preads, the cgroup's opens) of
# forks 10.5 s apart: after the second (the first that finds the base old:
# the cadence is not known yet), then none.
if ! skipped spared-renewal; then
	strace -f -qq -e trace=open,openat,pread64,clone,clone3,fork,wait4 \
		-o "$TMP/strace.seldom" -E LD_PRELOAD="$LIB" "$T/storm" 3 10500 \
		>/dev/null 2>&1
	got=$(awk '
		NR == 1 { parent = $1 }
		$1 != parent || /^[0-9]+ +(---|\+\+\+|<\.\.\.)/ { next }
		{ sub(/^[0-9]+ +/, ""); sub(/[(<].*/, "") }
		/^(clone|clone3|fork)$/ { forks++; after = 1; n[forks] = 0; next }
		/^wait4$/ { after = 0; next }
		after && /^(open(at)?|pread64)$/ { n[forks]++ }
		END { for (i = 2; i <= forks; i++) o = o " " n[i]; print "reads after forks 2-" forks ":" o }' \
		"$TMP/strace.seldom")
	read -r second rest <<<"${got#*: }"
	check spared-renewal "forks 10.5 s apart, far below: $got" \
		test "${got%%:*}" = "reads after forks 2-4" -a "${second:-0}" -gt 0 \
		-a "$rest" = "0 0"
fi

# _init/_fini: musl's crti.o defines them global (the musl build)
exports=$(nm -D --defined-only "$B/libforkguard.so" | awk '$3 != "_init" && $3 != "_fini" && $3 !~ /^__odr_asan[.]/ {print $3}' | sort | tr '\n' ' ')
allowed=$(sort "$(dirname "$0")/exports.txt" | tr '\n' ' ')
check exports "exported: $exports" test "$exports" = "$allowed"

# the library holds only what runs in a guarded process: no function of
# the command (shim/cli/), nor the render code only the command calls
# (a build of the library alone, make musl, takes the regular build's)
cli_obj=$B/obj/cli
[ -d "$cli_obj" ] || cli_obj=$TOP/build/obj/cli
cli_fns=$( (nm --defined-only "$cli_obj"/*.o | awk '$2 == "T" {print $3}';
	cat "$(dirname "$0")/cli_only.txt") | sort -u)
in_lib=$(nm "$B/libforkguard.so" | awk '{print $NF}' | sort -u | comm -12 - <(echo "$cli_fns") | tr '\n' ' ')
check no-cli-code "command functions in the library: ${in_lib:-none} (of $(echo "$cli_fns" | wc -l) checked)" \
	test -z "$in_lib" -a "$(echo "$cli_fns" | wc -l)" -gt 10
summary
