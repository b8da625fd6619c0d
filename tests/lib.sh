# tests/lib.sh - what every shell test shares (sourced by the suites'
# lib.sh and run.sh): where the build is, the PASS/FAIL/SKIP lines and
# their counts, a temporary directory removed on exit (with the processes
# a test started, stopped by pid), JSON and port helpers, and run_suite,
# the one runner that counts a suite's results.
#
# Each check prints "PASS name: detail", "FAIL name: detail" or "SKIP name:
# reason"; summary() prints "N passed, N failed, N skipped" and sets the
# exit status.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# FG_BUILD: another build tree (build/asan, build/musl); FG_LIB: what
# LD_PRELOAD gets, e.g. "libasan.so build/asan/libforkguard.so"
B=${FG_BUILD:-$TOP/build}
LIB=${FG_LIB:-$B/libforkguard.so}
FG=$B/forkguard
PASSED=0
FAILED=0
SKIPPED=0
HELD=() # pids a test started; stopped (by pid) on exit
TMP=$(mktemp -d "/tmp/fg-$(basename "$(cd "$(dirname "$0")" && pwd)").XXXXXX")

cleanup() {
	local p
	for p in "${HELD[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "PASS $1: $2"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $1: $2"; }
# FG_SKIP: checks or whole scripts (by name) that cannot hold in this
# build, reported as SKIP with FG_SKIP_WHY and not run
skipped() {
	case " ${FG_SKIP:-} " in
	*" $1 "*) skip "$1" "${FG_SKIP_WHY:-not run in this build}" ;;
	*) return 1 ;;
	esac
}
check() { # check NAME DETAIL COMMAND...
	local name=$1 detail=$2
	shift 2
	skipped "$name" && return
	if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; fi
}
summary() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
}

source "$TOP/tests/json.sh" # json_get FILE KEY
# json_valid FILE: FILE has at least one line, and every line is one whole
# JSON object (an empty or missing file is not valid)
json_valid() {
	[ -s "$1" ] || return 1
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)
    n += 1
assert n' "$1" 2>/dev/null
	elif command -v jq >/dev/null; then
		jq -e 'type == "object"' "$1" >/dev/null 2>&1
	else
		! grep -qv '^{.*}$' "$1"
	fi
}
# lines FILE: the number of lines in FILE
lines() { wc -l <"$1" | tr -d ' '; }

# free_port: a free TCP port on 127.0.0.1, from PORT_BASE up (each suite
# its own hundred, so that suites run side by side do not collide)
free_port() {
	local p base=${PORT_BASE:-20000}
	for p in $(seq "$base" $((base + 100)) | shuf); do
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
	done
	echo 0
}

# run_suite NAME TEST...: run each test to its end (a shell script with
# bash, a program as it is; at most FG_TIMEOUT s, 600 by default), print
# its lines, and count them: its PASS, FAIL and SKIP lines, or a cmocka
# program's summary.  A test that exits non-zero without a failure of its
# own, or reports nothing, counts as one failure.  Prints "NAME: N passed,
# N failed, N skipped" and returns 1 if anything failed.
run_suite() {
	local name=$1 t out rc p f s passed=0 failed=0 skipped=0 bad=()
	shift
	for t in "$@"; do
		echo "== $name/$(basename "$t")"
		case $t in
		*.sh) out=$(timeout "${FG_TIMEOUT:-600}" bash "$t" 2>&1) ;;
		*) out=$(timeout "${FG_TIMEOUT:-600}" "$t" 2>&1) ;;
		esac
		rc=$?
		printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed, [0-9]* skipped$'
		if grep -q '^\[==========\] ' <<<"$out"; then
			# cmocka: "[  PASSED  ] N test(s)." and, when there are
			# some, "[  FAILED  ] N test(s), listed below:" (SKIPPED)
			p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' <<<"$out")
			s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:$/\1/p' <<<"$out")
			f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' <<<"$out")
			p=${p:-0} s=${s:-0} f=${f:-0}
		else
			p=$(grep -c '^PASS ' <<<"$out")
			f=$(grep -c '^FAIL ' <<<"$out")
			s=$(grep -c '^SKIP ' <<<"$out")
		fi
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "FAIL $(basename "$t"): exit $rc without a failure of its own (crashed? timed out?)"
			f=1
		elif [ $((p + f + s)) -eq 0 ]; then
			echo "FAIL $(basename "$t"): no PASS, FAIL or SKIP"
			f=1
		fi
		[ "$f" -gt 0 ] && bad+=("$(basename "$t")")
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	done
	[ $# -gt 0 ] || { echo "FAIL $name: no test given"; failed=1; }
	echo "$name: $passed passed, $failed failed, $skipped skipped${bad[*]:+ (failed in: ${bad[*]})}"
	[ "$failed" -eq 0 ]
}

# suite_tests DIR [NAME...]: the test scripts of DIR, but lib.sh, run.sh
# and the NAMEs (file names)
suite_tests() {
	local d=$1 t
	shift
	for t in "$d"/*.sh; do
		case " lib.sh run.sh $* " in *" $(basename "$t") "*) continue ;; esac
		echo "$t"
	done
}
