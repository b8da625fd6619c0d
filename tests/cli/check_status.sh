#!/usr/bin/env bash
# Every exit status of `forkguard check`: 0 pass, 1 fail, 2 borderline,
# 3 could not evaluate (no such process, permission, unreadable policy),
# the worst of several, --all (order, JSON) against a fake procfs made
# here, and the 24 recorded snapshots of fixtures/snapshots/.
source "$(dirname "$0")/lib.sh"

# st CMD...: run CMD, keep stdout/stderr in $TMP/o and $TMP/e, print status
st() {
	"$@" >"$TMP/o" 2>"$TMP/e"
	echo $?
}

# --- the recorded snapshots: the CLI gives each one its expected verdict
n=0 bad=""
for d in "$TOP"/fixtures/snapshots/*/; do
	[ -f "$d/expect" ] || continue
	while read -r rule verdict; do
		args=(--procfs "$d")
		[ "$rule" = auto ] || args+=(--kernel-rule "$rule")
		case $verdict in ok) want=0 ;; fail) want=1 ;; borderline) want=2 ;; *) want=3 ;; esac
		got=$(st "$FG" check "${args[@]}" self)
		n=$((n + 1))
		[ "$got" = "$want" ] || bad="$bad $(basename "$d")[$rule]=$got(want $want)"
	done <"$d/expect"
done
check snapshots "$n recorded snapshots: exit status = expected verdict${bad:+; wrong:$bad}" test -z "$bad" -a "$n" -ge 24
got=$(st "$FG" check --procfs "$TOP/fixtures/snapshots/mode2-borderline" self)
check snapshot-borderline "mode2-borderline: exit $got, $(head -n1 "$TMP/o" | sed 's/.*check verdict \([a-z]*\).*/verdict \1/')" \
	test "$got" = 2

# --- the seed (2.6.32, no VmFlags): borderline; fail once the operator
# states that its anonymous mappings are charged
seed=$TOP/fixtures/snapshots/seed-2.6.32
got=$(st "$FG" check --procfs "$seed" self)
got2=$(st "$FG" check --anon-charged --json --procfs "$seed" self)
check anon-charged "seed: exit $got, with --anon-charged exit $got2: $(cut -c1-160 "$TMP/o")" \
	test "$got" = 2 -a "$got2" = 1 -a "$(grep -c '"anon_charged":true,.*"failing_vma":{' "$TMP/o")" = 1

# --- a fake procfs: mode 2, 1 GiB RAM, ratio 50, one CPU (band 4 MiB)
P=$TMP/proc
mkdir -p "$P/sys/vm" "$P/sys/kernel"
echo 2 >"$P/sys/vm/overcommit_memory"
echo 50 >"$P/sys/vm/overcommit_ratio"
echo 0 >"$P/sys/vm/overcommit_kbytes"
echo 8192 >"$P/sys/vm/admin_reserve_kbytes"
echo 131072 >"$P/sys/vm/user_reserve_kbytes"
echo 6.1.0-27-cloud-amd64 >"$P/sys/kernel/osrelease"
echo 0 >"$P/cpus"
cat >"$P/meminfo" <<MEM
MemTotal:        1048576 kB
MemFree:          524288 kB
Buffers:               0 kB
Cached:                0 kB
SwapCached:            0 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Shmem:                 0 kB
SReclaimable:          0 kB
KReclaimable:          0 kB
CommitLimit:      524288 kB
Committed_AS:     410496 kB
Hugetlb:               0 kB
MEM
# fake_pid PID COMM ANON_KB: a 1 MiB text mapping (not accountable) and
# one accountable anonymous mapping of ANON_KB
fake_pid() {
	local d=$P/$1 vsz=$((1024 + $3)) t0=$((0x400000)) a0=$((0x10000000))
	mkdir -p "$d"
	printf 'Name:\t%s\nVmSize:\t%d kB\nVmRSS:\t1024 kB\nCapEff:\t0000000000000000\n' "$2" "$vsz" >"$d/status"
	echo "$((vsz / 4)) 256 0 0 0 0 0" >"$d/statm"
	printf '%08x-%08x r-xp 00000000 fd:01 42 /usr/bin/%s\n%08x-%08x rw-p 00000000 00:00 0 \n' \
		$t0 $((t0 + 1024 * 1024)) "$2" $a0 $((a0 + $3 * 1024)) >"$d/maps"
	printf '%08x-%08x r-xp 00000000 fd:01 42 /usr/bin/%s\nSize: 1024 kB\nVmFlags: rd ex mr mw me \n%08x-%08x rw-p 00000000 00:00 0 \nSize: %d kB\nVmFlags: rd wr mr mw me ac \n' \
		$t0 $((t0 + 1024 * 1024)) "$2" $a0 $((a0 + $3 * 1024)) "$3" >"$d/smaps"
}
# committed 102624 pages; allowed = 131072 - 2048 - min(VSZ/32, user_reserve)
fake_pid 100 small 9216   # 104928 pages vs 128944: ok (already at the statm bound)
fake_pid 200 near 101376  # 127968 vs 128224: 256 pages away, inside the 1024-page band
fake_pid 300 big 203776   # 153568 vs 127424: fail
fc() { st "$FG" check --procfs "$P" "$@"; }
# json_lines FILE N: FILE is N lines, each a valid JSON object
json_lines() { [ "$(lines "$1")" = "$2" ] && json_valid "$1"; }
# table rows of `check --all`: "PID:VERDICT ..."
rows() { awk '$1 ~ /^[0-9]+$/ && $3 ~ /^(fail|borderline)$/ { printf "%s:%s ", $1, $3 }' "$TMP/o"; }

got=$(fc 100); check exit-0 "ok process (fake procfs): exit $got, $(head -c 60 "$TMP/o")..." test "$got" = 0
got=$(fc 300); check exit-1 "failing process (fake procfs): exit $got" test "$got" = 1
check exit-1-text "its diagnosis names the rule and the failing VMA" \
	bash -c "grep -q 'rule: mode 2 (never)' '$TMP/o' && grep -q 'failing VMA: 0x10000000-' '$TMP/o'"
got=$(fc 200); check exit-2 "borderline process (fake procfs): exit $got, $(head -n1 "$TMP/o" | grep -o 'verdict [a-z]*')" test "$got" = 2
got=$(fc 424242)
check exit-3 "no such process: exit $got, stderr: $(cat "$TMP/e")" \
	bash -c "[ $got = 3 ] && [ \$(wc -l <'$TMP/e') = 1 ] && grep -q 'no such process' '$TMP/e' && [ ! -s '$TMP/o' ]"
got=$(st "$FG" check 2147483646)
check exit-3-proc "nonexistent pid on /proc: exit $got, stderr: $(cat "$TMP/e")" \
	bash -c "[ $got = 3 ] && grep -q '2147483646: no such process' '$TMP/e'"
got=$(st "$FG" check --procfs "$TMP/nowhere" 1)
check exit-3-policy "unreadable policy: exit $got, stderr: $(cat "$TMP/e")" \
	bash -c "[ $got = 3 ] && [ \$(wc -l <'$TMP/e') = 1 ]"

got=$(fc 100 200 300); check worst-fail "pids ok+borderline+fail: exit $got (want 1), 3 reports" \
	bash -c "[ $got = 1 ] && [ \$(grep -c '^forkguard\[' '$TMP/o') = 3 ]"
got=$(fc 100 200); check worst-borderline "ok+borderline: exit $got (want 2)" test "$got" = 2
got=$(fc 100 424242); check worst-unknown "ok+missing: exit $got (want 3), the ok one still reported" \
	bash -c "[ $got = 3 ] && grep -q 'verdict ok' '$TMP/o'"
got=$(fc 424242 300); check worst-over-unknown "missing+fail: exit $got (want 1)" test "$got" = 1
got=$(fc --json 100 200 300)
check json-lines "--json: 3 valid JSON lines, verdicts $(sed -n 's/.*"verdict":"\([a-z]*\)".*/\1/p' "$TMP/o" | tr '\n' ' ')" \
	json_lines "$TMP/o" 3

# --all: risky ones only, largest first
got=$(fc --all)
rows=$(rows)
check all-fake "--all on the fake procfs: exit $got, rows $rows" \
	test "$got" = 1 -a "$rows" = "300:fail 200:borderline "
got=$(fc --all --json)
order=$(sed -n 's/.*"pid":\([0-9]*\).*"verdict":"\([a-z]*\)".*/\1:\2/p' "$TMP/o" | tr '\n' ' ')
cp "$TMP/o" "$TMP/all.json"
check all-fake-json "--all --json: $order" \
	bash -c "[ '$order' = '300:fail 200:borderline ' ]"
check all-fake-json-valid "--all --json lines are valid JSON" json_valid "$TMP/all.json"
got=$(fc --all --kernel-rule 5.2+ --exact)
check all-options "--all --exact --kernel-rule 5.2+: exit $got, rows $(rows)" \
	test "$got" = 1 -a "$(rows)" = "300:fail 200:borderline " 

# --- usage errors: status 64, one line on stderr, nothing on stdout
u_bad=""
usage_case() {
	local got
	got=$(st "$FG" "$@")
	if [ "$got" != 64 ] || [ "$(lines "$TMP/e")" != 1 ] || [ -s "$TMP/o" ]; then
		u_bad="$u_bad [$*]=$got"
	fi
}
usage_case
usage_case bogus
usage_case --bogus
usage_case check
usage_case check abc
usage_case check 0
usage_case check -5
usage_case check --bogus 1
usage_case check --procfs
usage_case check --kernel-rule 9.9 1
usage_case check --all 1
usage_case run
usage_case run --mode paranoid -- true
usage_case run --report some -- true
usage_case run --bogus -- true
usage_case explain extra
usage_case explain --kernel-rule x
check usage-errors "17 bad command lines: exit 64, one stderr line, empty stdout${u_bad:+; wrong:$u_bad}" test -z "$u_bad"

# --- --help and --version
h_bad=""
for c in "" check run explain; do
	got=$(st "$FG" $c --help)
	[ "$got" = 0 ] && grep -q "^usage: forkguard ${c:+$c }" "$TMP/o" || h_bad="$h_bad ${c:-top}=$got"
done
check help "--help on every command: exit 0, a usage text${h_bad:+; wrong:$h_bad}" test -z "$h_bad"
got=$(st "$FG" --version)
check version "--version: $(cat "$TMP/o")" bash -c "[ $got = 0 ] && grep -qx 'forkguard [0-9][0-9.]*' '$TMP/o'"
summary
