#!/usr/bin/env bash
# The JSON keys, pinned: real reports of each kind (fork from the library,
# check and explain from the CLI, suppressed after the rate limit, warning
# lines in a JSON log) must
# carry exactly the keys of tests/cli/json_keys.txt, each of its type (null
# only where documented); every optional key must be seen in at least one
# report (so that its type is checked too); and README.md's "JSON lines",
# libforkguard(7) and forkguard(1) must list the same keys.  A missing,
# renamed, undocumented or mistyped key fails.
source "$(dirname "$0")/lib.sh"
SPEC=$TOP/tests/cli/json_keys.txt
schema() { python3 "$TOP/tests/cli/json_schema.py" "$SPEC" "$@"; }
# kind NAME KIND FILE: one check over every line of FILE
kind() {
	local out
	out=$(schema lines "$2" "$3" 2>&1)
	check "$1" "$(tail -n1 <<<"$out")$(grep '^FAIL' <<<"$out" | head -n5 | sed 's/^FAIL /; /' | tr '\n' ' ')" \
		test -z "$(grep '^FAIL' <<<"$out")" -a -n "$(grep 'match the spec$' <<<"$out")"
}

if ! command -v python3 >/dev/null; then
	fail json-schema "python3 is needed (apt-get install python3)"
	summary
	exit
fi

out=$(schema docs "$TOP/README.md" "$TOP/man/libforkguard.7" "$TOP/man/forkguard.1")
while read -r st rest; do
	check "${rest%%:*}" "${rest#*: }" test "$st" = PASS
done < <(grep -E '^(PASS|FAIL) ' <<<"$out")
[ -n "$out" ] || fail docs "the docs check printed nothing"

# --- fork: the library's lines ---
G=(FORKGUARD_FORMAT=json FORKGUARD_RATE_LIMIT=0)
F=$B/fixtures
forks=()
# a safe fork, reported because every fork is
env "${G[@]}" FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/ok.json" LD_PRELOAD="$LIB" \
	"$F/merged_vma" 1 >/dev/null
forks+=("$TMP/ok.json")
# EAGAIN (RLIMIT_NPROC 0 as nobody): the limits object
if [ -x "$B/tests/transparency" ]; then
	chmod 711 "$TMP" && mkdir -m 1777 "$TMP/eagain"
	env "${G[@]}" FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/eagain/eagain.json" LD_PRELOAD="$LIB" \
		"$B/tests/transparency" errno >/dev/null 2>&1
	forks+=("$TMP/eagain/eagain.json")
else
	fail fork-eagain "$B/tests/transparency not built (make $B/tests/transparency)"
fi
gib=$(merged_gib)
mode=$(cat /proc/sys/vm/overcommit_memory)
big=no
[ "$mode" = 0 ] && big=yes
if [ "$big" = yes ]; then
	# refused by the kernel: failing_vma, rule, fix
	env "${G[@]}" FORKGUARD_LOG="$TMP/fail.json" LD_PRELOAD="$LIB" "$F/merged_vma" "$gib" >/dev/null
	# remediate: the split; the trim with the RSS it returned; jemalloc's
	# statistics and a remedy that cannot help, with its note
	env "${G[@]}" FORKGUARD_MODE=remediate FORKGUARD_LOG="$TMP/split.json" LD_PRELOAD="$LIB" \
		"$F/merged_vma" "$gib" >/dev/null
	env "${G[@]}" FORKGUARD_MODE=remediate FORKGUARD_LOG="$TMP/trim.json" LD_PRELOAD="$LIB" \
		"$F/heap_retention" $((2 * gib)) 64 >/dev/null
	env "${G[@]}" FORKGUARD_MODE=remediate FORKGUARD_LOG="$TMP/je.json" LD_PRELOAD="$LIB" \
		"$F/jemalloc_retention" 64 nopurge oversize="$gib" >/dev/null
	forks+=("$TMP/fail.json" "$TMP/split.json" "$TMP/trim.json" "$TMP/je.json")
else
	skip fork-risky "the refused, remediated and jemalloc reports need overcommit_memory 0 (mode $mode)"
fi
# a copy-on-write risk (cow_fix): this process's memory cgroup, found
# under a made-up sysfs tree (FORKGUARD_SYSFS) with 4 MiB of room
mkdir -p "$TMP/sys"
if line=$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup); then
	d=$TMP/sys/fs/cgroup/memory${line#*:*:}
	mkdir -p "$d" && echo $((8 << 20)) >"$d/memory.limit_in_bytes" &&
		echo $((4 << 20)) >"$d/memory.usage_in_bytes"
else
	d=$TMP/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
	mkdir -p "$d" && echo $((8 << 20)) >"$d/memory.max" &&
		echo $((4 << 20)) >"$d/memory.current"
fi
env "${G[@]}" FORKGUARD_SYSFS="$TMP/sys" FORKGUARD_LOG="$TMP/cow.json" LD_PRELOAD="$LIB" \
	"$F/cow_fork" 16 10 0 >/dev/null
forks+=("$TMP/cow.json")
# FORKGUARD_COW=abort: the child followed and ended (4 MiB of room, below
# the margin: aborted), then one allowed to live (a 1 MiB margin); the
# back-off refuses the fork after the abort (cow_backoff_s)
env "${G[@]}" FORKGUARD_COW=abort FORKGUARD_SYSFS="$TMP/sys" FORKGUARD_LOG="$TMP/abort.json" \
	LD_PRELOAD="$LIB" bash -c "$F/cow_fork 16 1000 0; :" >/dev/null 2>&1
env "${G[@]}" FORKGUARD_COW=abort FORKGUARD_COW_MARGIN=1 FORKGUARD_SYSFS="$TMP/sys" \
	FORKGUARD_LOG="$TMP/abort.json" LD_PRELOAD="$LIB" "$F/cow_fork" 16 100 0 >/dev/null 2>&1
cp -r "$TMP/sys" "$TMP/sys2" # 128 kB of room: a shell's fork is at risk
for f in memory.usage_in_bytes memory.current; do
	[ -e "${d/$TMP\/sys/$TMP/sys2}/$f" ] && echo $(((8 << 20) - (128 << 10))) >"${d/$TMP\/sys/$TMP/sys2}/$f"
done
env "${G[@]}" FORKGUARD_COW=abort FORKGUARD_SYSFS="$TMP/sys2" FORKGUARD_LOG="$TMP/abort.json" \
	LD_PRELOAD="$LIB" bash -c '(sleep 1); (:)' >/dev/null 2>&1
# FOLLOW=all: the shell's second fork states the copy its first child
# caused (cow_expected_kb an int)
env "${G[@]}" FORKGUARD_COW=abort FORKGUARD_COW_FOLLOW=all FORKGUARD_REPORT=all \
	FORKGUARD_COW_MARGIN=0 FORKGUARD_SYSFS="$TMP/sys" FORKGUARD_LOG="$TMP/abort.json" \
	LD_PRELOAD="$LIB" bash -c '(:); sleep 0.5; (:)' >/dev/null 2>&1
grep '"event":"child_end"' "$TMP/abort.json" >"$TMP/child_end.json"
grep '"event":"fork"' "$TMP/abort.json" >"$TMP/abort-forks.json"
kind child_end child_end "$TMP/child_end.json"
check child-end-causes "abort and exit seen: $(grep -o '"child_end":"[a-z_]*"' "$TMP/child_end.json" | sort | uniq -c | tr '\n' ' ')" \
	test "$(grep -c '"child_end":"abort"' "$TMP/child_end.json")" -ge 1 -a \
	"$(grep -c '"aborted":false' "$TMP/child_end.json")" -ge 1
check fork-backoff "a fork refused in the back-off carries cow_backoff_s: $(grep -o '"cow_backoff_s":[0-9][0-9]*' "$TMP/abort-forks.json" | head -n 1)" \
	grep -q '"cow_backoff_s":[0-9]' "$TMP/abort-forks.json"
forks+=("$TMP/abort-forks.json")
# two forks of one process under a recorded cgroup (oom_kills_since_last_fork
# is counted from the second on)
env "${G[@]}" FORKGUARD_REPORT=all FORKGUARD_PROCFS="$TOP/fixtures/cgroup/v2-oomgroup/proc" \
	FORKGUARD_SYSFS="$TOP/fixtures/cgroup/v2-oomgroup/sys" FORKGUARD_LOG="$TMP/twice.json" \
	LD_PRELOAD="$LIB" bash -c '/bin/true; /bin/true; :'
forks+=("$TMP/twice.json")
for f in "${forks[@]}"; do kind "fork-$(basename "$f" .json)" fork "$f"; done

# --- every recorded tree (fixtures/snapshots, fixtures/cgroup with its
# sysfs): check --json on its process, explain --json, and the library's
# fork line (a guarded fork reading the tree), and the EAGAIN fork's limits
# from each cgroup tree ---
mkdir -m 1777 "$TMP/fx"
: >"$TMP/fx-check.json"
: >"$TMP/fx-explain.json"
: >"$TMP/fx/fork.json"
for d in "$TOP"/fixtures/snapshots/*/ "$TOP"/fixtures/cgroup/*/; do
	d=${d%/} p=${d%/} s=()
	[ -d "$d/proc" ] && p=$d/proc s=(--sysfs "$d/sys")
	[ -d "$d/self" ] || [ -d "$d/proc/self" ] || continue
	# a cgroup tree records no maps: its process is not checkable
	[ -e "$p/self/maps" ] && "$FG" check --json -p "$p" "${s[@]}" self >>"$TMP/fx-check.json" 2>/dev/null
	"$FG" explain --json --procfs "$p" "${s[@]}" >>"$TMP/fx-explain.json"
	e=(FORKGUARD_PROCFS="$p")
	[ ${#s[@]} = 2 ] && e+=(FORKGUARD_SYSFS="${s[1]}")
	env "${G[@]}" FORKGUARD_REPORT=all "${e[@]}" FORKGUARD_LOG="$TMP/fx/one.json" \
		LD_PRELOAD="$LIB" "$F/merged_vma" 1 >/dev/null 2>&1
	[ ${#s[@]} = 2 ] && [ -x "$B/tests/transparency" ] &&
		env "${G[@]}" FORKGUARD_REPORT=all "${e[@]}" FORKGUARD_LOG="$TMP/fx/one.json" \
			LD_PRELOAD="$LIB" "$B/tests/transparency" errno >/dev/null 2>&1
	grep -v '"event":"warning"' "$TMP/fx/one.json" >>"$TMP/fx/fork.json"
	rm -f "$TMP/fx/one.json"
done
kind fixtures-check check "$TMP/fx-check.json"
kind fixtures-explain explain "$TMP/fx-explain.json"
kind fixtures-fork fork "$TMP/fx/fork.json"

# --- suppressed: bash forks /bin/true four times in one second, at one
# report a second, then once more after the second is over ---
env FORKGUARD_FORMAT=json FORKGUARD_REPORT=all FORKGUARD_RATE_LIMIT=1 \
	FORKGUARD_LOG="$TMP/rate.json" LD_PRELOAD="$LIB" \
	bash -c '/bin/true; /bin/true; /bin/true; /bin/true; sleep 1.2; /bin/true; :'
grep '"event":"suppressed"' "$TMP/rate.json" >"$TMP/suppressed.json"
grep -v '"event":"suppressed"' "$TMP/rate.json" >"$TMP/rate-forks.json"
kind suppressed suppressed "$TMP/suppressed.json"
kind fork-rate fork "$TMP/rate-forks.json"

# --- warning: in JSON format a warning is a JSON line too, and the log
# holds nothing but JSON: a bad value, an unreadable procfs, a remedy
# named but absent ---
: >"$TMP/warn-all.json"
for v in FORKGUARD_MODE=enforcing FORKGUARD_PROCFS=/nonexistent \
	"FORKGUARD_MODE=remediate FORKGUARD_REMEDY=jemalloc,trim"; do
	# shellcheck disable=SC2086 # one or two assignments
	env FORKGUARD_FORMAT=json FORKGUARD_REPORT=all FORKGUARD_LOG="$TMP/warn.json" $v \
		LD_PRELOAD="$LIB" "$F/merged_vma" 1 >/dev/null
	cat "$TMP/warn.json" >>"$TMP/warn-all.json" && rm -f "$TMP/warn.json"
done
grep '"event":"warning"' "$TMP/warn-all.json" >"$TMP/warnings.json"
grep -v '"event":"warning"' "$TMP/warn-all.json" >"$TMP/warn-forks.json"
kind warning warning "$TMP/warnings.json"
check warning-count "one warning line per case: $(lines "$TMP/warnings.json") of 3" \
	test "$(lines "$TMP/warnings.json")" = 3
kind warning-forks fork "$TMP/warn-forks.json"

# --- check: forkguard check --json on a small process and a failing one ---
build_helper || { fail helper "cannot compile tests/cli/hold_fork.c"; summary; exit; }
"$FG" check --json $$ >"$TMP/check.json"
if [ "$big" = yes ]; then
	if hold_start held "$gib"; then
		"$FG" check --json "$HOLD_PID" >>"$TMP/check.json"
		hold_release held >/dev/null
	else
		fail check-held "the helper did not start: $(cat "$TMP/held.out")"
	fi
	check check-fail "the failing process is among the checked: $(grep -c '"verdict":"fail"' "$TMP/check.json") fail line(s)" \
		grep -q '"verdict":"fail".*"failing_vma":{' "$TMP/check.json"
fi
# a recorded kernel without VmFlags: uncertain, with the settle advice
"$FG" check --json -p "$TOP/fixtures/snapshots/noflags-3.1-3.9-m2-relro" self >>"$TMP/check.json"
kind check check "$TMP/check.json"
# every optional key of a fork line, in a fork line or a check line
if [ "$big" = yes ]; then
	seen=$(schema seen fork "${forks[@]}" "$TMP/check.json")
	check fork-optional "$seen" grep -q 'seen: \([0-9]*\) of \1$' <<<"$seen"
fi

# every key that may be null seen not null (as int where it may be an
# int) in the fork and check lines of this test, in its explain lines
typed() {
	local out
	out=$(schema typed "$@")
	check "typed-$1" "$out" test "$(grep -c 'never seen' <<<"$out")" = 0 -a -n "$out"
}
typed fork "${forks[@]}" "$TMP/rate-forks.json" "$TMP/check.json" "$TMP/fx-check.json" "$TMP/fx/fork.json"

# --- explain ---
"$FG" explain --json >"$TMP/explain.json"
kind explain explain "$TMP/explain.json"
typed explain "$TMP/explain.json" "$TMP/fx-explain.json"
summary
