#!/usr/bin/env bash
# `forkguard check` exit codes monitoring can trust: --all as an
# unprivileged user while a root-owned process would fail exits non-zero
# (its maps are unreadable: "could not evaluate" counts); a zombie and a
# kernel thread are "not applicable" (exit 3), never "ok, charge 0 kB";
# --all --json always ends with one summary object.
source "$(dirname "$0")/lib.sh"
build_helper || { fail build "cannot build $HELPER"; summary; exit; }

st() { "$@" >"$TMP/o" 2>"$TMP/e"; echo $?; }

# a root-owned process whose fork would fail (the merged VMA over RAM+swap)
if hold_start big "$(merged_gib)"; then
	got=$(st "$FG" check "$HOLD_PID")
	check root-sees-fail "as root: check $HOLD_PID exits $got (want 1)" test "$got" = 1
	if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
		got=$(st setpriv --reuid=nobody --regid=nogroup --clear-groups "$FG" check --all)
		check nobody-all "as nobody: check --all exits $got (want non-zero), stderr: $(head -c 160 "$TMP/e")" \
			bash -c "[ $got -ne 0 ] && grep -q 'could not be evaluated' '$TMP/e' && grep -q '$HOLD_PID (hold_fork)' '$TMP/e'"
		got=$(st setpriv --reuid=nobody --regid=nogroup --clear-groups "$FG" check --all --json)
		last=$(tail -n1 "$TMP/o")
		check nobody-json-summary "as nobody: --all --json exits $got, last line: $last" \
			bash -c "[ $got -ne 0 ] && grep -Eq '^\{\"event\":\"summary\",\"checked\":[1-9][0-9]*,.*\"not_evaluated\":[1-9][0-9]*,.*\"exit\":$got\}$' <<<'$last'"
	else
		skip nobody-all "no user nobody or no setpriv"
	fi
	hold_release big >/dev/null
else
	fail root-sees-fail "hold_fork did not start: $(cat "$TMP/big.out")"
fi

# --all --json when nothing is risky still prints the summary, valid JSON
got=$(st "$FG" check --all --json)
tail -n1 "$TMP/o" >"$TMP/sum"
check all-json-summary "--all --json exit $got: summary $(cat "$TMP/sum")" \
	bash -c "grep -q '\"event\":\"summary\"' '$TMP/sum' && $(declare -f json_valid); json_valid '$TMP/sum'"

# an ok line states the limit and the headroom (mode 0 here, mode 2 from a
# recorded snapshot)
got=$(st "$FG" check $$)
check ok-headroom "ok, this host: $(grep -o 'limit per VMA.*' "$TMP/o")" \
	bash -c "[ $got = 0 ] && grep -Eq 'verdict ok; .*; limit per VMA [0-9.]+ [kMGT]i?B, margin (at least )?[0-9.]+ [kMGT]i?B$' '$TMP/o'"
got=$(st "$FG" check --procfs "$TOP/fixtures/snapshots/mode2-3.10-4.16-pass" self)
check ok-headroom-mode2 "ok, mode 2 snapshot: $(grep -o 'allowed.*' "$TMP/o" | head -n1)" \
	bash -c "[ $got = 0 ] && grep -Eq 'verdict ok; .*; allowed [0-9.]+ [kMGT]i?B, margin (at least )?[0-9.]+ [kMGT]i?B$' '$TMP/o'"

# a zombie: its parent never reaps it
bash -c 'sleep 0.05 & echo $! >"$1"; exec sleep 10' x "$TMP/zpid" &
HELD+=("$!")
for _ in $(seq 50); do
	[ -s "$TMP/zpid" ] && grep -q '^State:.*Z' "/proc/$(cat "$TMP/zpid")/status" 2>/dev/null && break
	sleep 0.05
done
z=$(cat "$TMP/zpid")
got=$(st "$FG" check "$z")
check zombie "zombie $z ($(sed -n 's/^State:\t//p' /proc/$z/status)): exit $got, $(cat "$TMP/e")" \
	bash -c "[ $got = 3 ] && grep -q 'not applicable' '$TMP/e' && [ ! -s '$TMP/o' ]"

# a kernel thread: kthreadd is pid 2 (in the initial pid namespace)
if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	got=$(st "$FG" check 2)
	check kthread "kthreadd: exit $got, $(cat "$TMP/e")" \
		bash -c "[ $got = 3 ] && grep -q 'not applicable: a kernel thread' '$TMP/e'"
else
	skip kthread "pid 2 is not kthreadd here (a pid namespace)"
fi
summary
