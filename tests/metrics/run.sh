#!/usr/bin/env bash
# Metrics through a real node_exporter: FORKGUARD_METRICS=DIR is its
# textfile directory; guarded programs fork (ok, failed by the kernel in
# observe, refused in enforce, passed after the split remedy in remediate);
# the cow gauges of the last fork, in the host's own cgroup (read only) and
# with a made-up sysfs tree (FORKGUARD_SYSFS, mksys) that makes it risky;
# a scrape over HTTP shows each counter with the right value; promtool
# accepts each file and `forkguard check --all --format prometheus`; the interval holds writes back; a process that
# exits removes its file; the first write of a process removes the stale
# files of dead pids in its own pid namespace, and no other.  node_exporter is stopped by its PID.
source "$(dirname "$0")/../integration/lib.sh"
F=$B/tests/forker
D=$TMP/textfile
mkdir -p "$D"

# FG_METRICS_FILES=1 (or FG_QUICK=1: make check): the files are read as
# written, no node_exporter, promtool or curl; make test-metrics scrapes
# them over HTTP
NE=$(command -v prometheus-node-exporter || command -v node_exporter)
FILES=${FG_METRICS_FILES:-${FG_QUICK:+1}}
if [ -z "$FILES" ] && { [ -z "$NE" ] || ! command -v promtool >/dev/null || ! command -v curl >/dev/null; }; then
	fail tools "needs prometheus-node-exporter, promtool (prometheus) and curl"
	summary
	exit
fi
# a directory the file cannot go to: one line, once, at the start
bad_dir() { # NAME DIR ERRNO [WRAP...]: 3 forks under FORKGUARD_METRICS=DIR
	local name=$1 dir=$2 err=$3
	shift 3
	"$@" env FORKGUARD_METRICS="$dir" LD_PRELOAD="$LIB" bash -c ': & wait; : & wait; : & wait' \
		2>"$TMP/$name.err"
	check "metrics-$name" "FORKGUARD_METRICS=$dir: $(grep -c 'cannot write the metrics file' "$TMP/$name.err") line(s) from 3 forks: $(head -n1 "$TMP/$name.err" | cut -c1-190)" \
		bash -c "[ \$(grep -c 'cannot write the metrics file $dir/forkguard-bash-[0-9]*.prom ($err' '$TMP/$name.err') = 1 ] && [ \$(wc -l <'$TMP/$name.err') = 1 ]"
}
bad_dir missing "$TMP/missing" ENOENT
touch "$TMP/regular"
bad_dir regular "$TMP/regular" ENOTDIR
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$TMP/rootonly" && chmod 755 "$TMP/rootonly" "$TMP"
	bad_dir unwritable "$TMP/rootonly" EACCES setpriv --reuid nobody --regid nogroup --clear-groups
else
	echo "SKIP metrics-unwritable: needs root and setpriv"
fi
# the file exists from the start: a guarded process that has not forked
mkdir -p "$TMP/early"
env FORKGUARD_METRICS="$TMP/early" LD_PRELOAD="$LIB" sleep 3 &
sp=$!
for _ in $(seq 40); do [ -e "$TMP/early/forkguard-sleep-$sp.prom" ] && break; sleep 0.05; done
ls "$TMP/early" >"$TMP/early.out"
cat "$TMP/early"/*.prom >>"$TMP/early.out" 2>/dev/null
kill "$sp"
check file-before-fork "sleep, which never forks: $(head -n1 "$TMP/early.out"), $(grep -c '^forkguard_' "$TMP/early.out") samples" \
	bash -c "grep -qx 'forkguard-sleep-$sp.prom' '$TMP/early.out' && grep -q '^forkguard_process_start_time_seconds' '$TMP/early.out'"

# the failing forks: a merged VMA over RAM + swap, its halves each under
# it (sizes from this host's RAM + swap), refused by mode 0's rule
big=$(awk '/^MemTotal:|^SwapTotal:/ { kb += $2 } END { printf "%d\n", kb / 2 / 1048576 + 1 }' /proc/meminfo)
if [ "$HOST_MODE" != 0 ] || ! rule_5_2; then
	skip metrics "the failing forks need overcommit_memory 0 on kernel 5.2+ (mode $HOST_MODE, $(uname -r))"
	summary
	exit
fi
# nproc0 turns a forker into nobody: the directories must let it write
chmod 711 "$TMP" && chmod 1777 "$D"

# start NAME [VAR=VALUE...] -- ACTIONS: a guarded forker, held until stop
# (returns once it is done, or waiting at an `until`); under START_AS
# (a command prefix, such as setpriv) when set
declare -A PID
START_AS=()
start() {
	local name=$1 i
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	"${START_AS[@]}" env FORKGUARD_METRICS="$D" "${envs[@]}" LD_PRELOAD="$LIB" \
		"$F" "$TMP/$name.stop" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	PID[$name]=$!
	HELD+=($!)
	for i in $(seq 200); do
		grep -q '^done\|^waiting' "$TMP/$name.out" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
stop() { # it exits through exit(3): destructors run
	local i
	touch "$TMP/$1.stop"
	for i in $(seq 100); do kill -0 "${PID[$1]}" 2>/dev/null || return 0; sleep 0.05; done
}

start obs FORKGUARD_METRICS_INTERVAL=0 -- ok ok ok big $big
start enf FORKGUARD_METRICS_INTERVAL=0 FORKGUARD_MODE=enforce -- ok ok big $big
start slow FORKGUARD_METRICS_INTERVAL=3600 -- ok ok ok ok
start rem FORKGUARD_METRICS_INTERVAL=0 FORKGUARD_MODE=remediate -- big $big
start trim FORKGUARD_METRICS_INTERVAL=0 FORKGUARD_MODE=remediate -- heap $((2 * big))
# nobody from the start: the file is written when the library loads, and a
# process that drops root later cannot replace root's file in a sticky
# directory (README, Metrics)
START_AS=()
[ "$(id -u)" = 0 ] && START_AS=(setpriv --reuid nobody --regid nogroup --clear-groups)
start eag FORKGUARD_METRICS_INTERVAL=0 -- nproc0 badclone
START_AS=()
mksys 16 # 16 KiB of room in this shell's cgroup of a made-up tree: a cow risk
start cow FORKGUARD_METRICS_INTERVAL=0 FORKGUARD_SYSFS="$TMP/sys" -- ok ok
start lab FORKGUARD_METRICS_INTERVAL=0 FORKGUARD_METRICS_LABELS=instance=cache-a,role=cache -- ok
# the interval (2 s: counted in whole seconds) holds the second fork's
# write back; a fork after it has passed writes all three
start int2 FORKGUARD_METRICS_INTERVAL=2 -- ok ok until "$TMP/int2.go" ok
int2_held=$(sed -n 's/^forkguard_forks_total{.*call="fork",.*outcome="ok".* \([0-9]*\)$/\1/p' "$D/forkguard-forker-${PID[int2]}.prom" 2>/dev/null | head -n1)
sleep 2.1
touch "$TMP/int2.go"
for i in $(seq 200); do grep -q '^done' "$TMP/int2.out" 2>/dev/null && break; sleep 0.05; done
# OOM kills between two forks: 4 before the first, 7 before the second
start oom FORKGUARD_METRICS_INTERVAL=0 FORKGUARD_SYSFS="$TMP/sys" -- ok until "$TMP/oom.go" ok
sed -i 's/oom_kill 4/oom_kill 7/' "$(find "$TMP/sys" -name memory.events -o -name memory.oom_control | head -n1)"
touch "$TMP/oom.go"
for i in $(seq 200); do grep -q '^done' "$TMP/oom.out" 2>/dev/null && break; sleep 0.05; done
check forks-real "observe: $(grep -c 'fork: ok' "$TMP/obs.out") ok + $(grep -c 'fork: ENOMEM' "$TMP/obs.out") ENOMEM; enforce: $(grep -c 'fork: ok' "$TMP/enf.out") ok + $(grep -c 'fork: ENOMEM' "$TMP/enf.out") ENOMEM" \
	test "$(grep -c 'fork: ok' "$TMP/obs.out") $(grep -c ENOMEM "$TMP/obs.out") $(grep -c 'fork: ok' "$TMP/enf.out") $(grep -c ENOMEM "$TMP/enf.out")" = "3 1 2 1"

ls "$D" >"$TMP/files"
NAMES=(obs enf slow rem trim eag cow oom lab int2)
want_files=$(for n in "${NAMES[@]}"; do echo "forkguard-forker-${PID[$n]}.prom"; done | sort)
check files "one file per process: $(tr '\n' ' ' <"$TMP/files")" \
	test "$(sort "$TMP/files")" = "$want_files"
[ -n "$FILES" ] || for f in "$D"/*.prom; do
	promtool check metrics <"$f" >"$TMP/lint" 2>&1
	check "promtool-$(basename "$f" .prom)" "promtool check metrics: $(wc -l <"$TMP/lint") complaint(s)$(head -n2 "$TMP/lint" | sed 's/^/; /')" \
		test ! -s "$TMP/lint"
done

if [ -n "$FILES" ]; then
	cat "$D"/*.prom >"$TMP/scrape"
else
port=$(free_port)
"$NE" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$D" >"$TMP/ne.log" 2>&1 &
NEPID=$!
HELD+=("$NEPID")
for i in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/metrics" >"$TMP/scrape" 2>/dev/null && break
	sleep 0.1
done
check scrape "node_exporter (pid $NEPID) on 127.0.0.1:$port: $(grep -c '^forkguard_' "$TMP/scrape") forkguard samples, textfile scrape error $(sed -n 's/^node_textfile_scrape_error //p' "$TMP/scrape")" \
	bash -c "grep -q '^forkguard_' '$TMP/scrape' && grep -qx 'node_textfile_scrape_error 0' '$TMP/scrape'"
fi

# val METRIC PID LABELS: the scraped value of METRIC{comm="forker",pid=PID,
# LABELS} as an integer (node_exporter sorts the labels, prints floats)
val() {
	awk -v name="$1" -v labels="comm=\"forker\",pid=\"$2\"${3:+,$3}" '
		BEGIN { n = split(labels, want, ",") }
		index($0, name "{") == 1 {
			ok = 1
			for (i = 1; i <= n; i++) if (index($0, want[i]) == 0) ok = 0
			# no label beyond those asked (comm, pid and LABELS)
			if (gsub(/="/, "&") != n) ok = 0
			if (ok) { printf "%.0f\n", $NF; exit }
		}' "$TMP/scrape"
}
export -f val
export TMP
want() { # want NAME PID LABELS EXPECTED
	local got
	got=$(val "forkguard_$1" "$2" "$3")
	check "$1{$3}" "pid $2: ${got:-absent} (expected $4)" test "$got" = "$4"
}
o=${PID[obs]} e=${PID[enf]} s=${PID[slow]}
# the operator's labels (FORKGUARD_METRICS_LABELS) on its samples, scraped
l=${PID[lab]}
check operator-labels "instance=cache-a,role=cache: $(grep -c 'instance="cache-a",.*role="cache"' "$TMP/scrape") samples of pid $l carry them, of $(grep -c "pid=\"$l\"" "$TMP/scrape")" \
	bash -c "[ \"\$(val forkguard_forks_total $l 'instance=\"cache-a\",role=\"cache\",call=\"fork\",verdict=\"ok\",outcome=\"ok\"')\" = 1 ] &&
		[ \$(grep -c 'pid=\"$l\"' '$TMP/scrape') = \$(grep -c 'instance=\"cache-a\",.*role=\"cache\"' '$TMP/scrape') ]"
want forks_total "$o" 'call="fork",verdict="ok",outcome="ok"' 3
want forks_total "$o" 'call="fork",verdict="fail",outcome="failed"' 1
want forks_total "$o" 'call="fork",verdict="fail",outcome="ok"' 0
want fork_failures_total "$o" 'errno="ENOMEM"' 1
want refused_total "$o" "" 0
want check_seconds_count "$o" "" 4
want forks_total "$e" 'call="fork",verdict="ok",outcome="ok"' 2
want forks_total "$e" 'call="fork",verdict="fail",outcome="refused"' 1
want fork_failures_total "$e" 'errno="ENOMEM"' 0
want refused_total "$e" "" 1
want check_seconds_count "$e" "" 3
# remediate: the split remedy cut the merged VMA, the fork passed
r=${PID[rem]}
want forks_total "$r" 'call="fork",verdict="ok",outcome="ok"' 1
want remedies_total "$r" 'remedy="split",result="pass"' 1
check remedy-fork "remediate: the real fork $(sed -n 's/^fork: //p' "$TMP/rem.out")" grep -qx 'fork: ok' "$TMP/rem.out"
# remediate, the brk heap over RAM + swap: malloc_trim gave it back, the
# fork passed; the RSS it returned is counted
t=${PID[trim]}
want forks_total "$t" 'call="fork",verdict="ok",outcome="ok"' 1
want remedies_total "$t" 'remedy="trim",result="pass"' 1
rb=$(val forkguard_remedy_released_bytes_total "$t" 'remedy="trim"')
check remedy-released "trim: $rb bytes released (the freed blocks' touched pages), real fork $(sed -n 's/^fork: //p' "$TMP/trim.out")" \
	test "${rb:-0}" -gt 0 -a "$(sed -n 's/^fork: //p' "$TMP/trim.out")" = ok
# the kernel's other refusals: EAGAIN (RLIMIT_NPROC), and EINVAL ("other")
a=${PID[eag]}
check eagain-real "as nobody at RLIMIT_NPROC 0: $(sed -n 's/^fork: //p' "$TMP/eag.out" | tr '\n' ' ')" \
	test "$(sed -n 's/^fork: //p' "$TMP/eag.out" | tr '\n' ' ')" = "EAGAIN EINVAL "
want fork_failures_total "$a" 'errno="EAGAIN"' 1
want fork_failures_total "$a" 'errno="other"' 1
want fork_failures_total "$a" 'errno="ENOMEM"' 0
want forks_total "$a" 'call="fork",verdict="ok",outcome="failed"' 1
want forks_total "$a" 'call="clone",verdict="ok",outcome="failed"' 1
want refused_total "$a" "" 0
# OOM kills in the cgroup between two forks: 4 -> 7
want cow_oom_kills_total "${PID[oom]}" "" 3
want forks_total "${PID[int2]}" 'call="fork",verdict="ok",outcome="ok"' 3
check interval-held "interval 2 s: after two forks at once the file counted ${int2_held:-none} (want 1), after 2.1 s the third wrote all 3" \
	test "${int2_held:-0}" = 1
# written at the first fork, then held back by the interval (3600 s)
want forks_total "$s" 'call="fork",verdict="ok",outcome="ok"' 1
m=$(val forkguard_fork_margin_bytes "$o")
check margin "observe, after the failing fork: margin $m bytes (the merged VMA is over RAM+swap)" \
	test -n "$m" -a "${m:0:1}" = -
m=$(val forkguard_fork_margin_bytes "$s")
check margin-ok "a small process: margin $m bytes" test -n "$m" -a "${m:0:1}" != -
# cow: the host's own cgroup (observe: mode 0, host room) and the made-up one
w=$(val forkguard_cow_worst_bytes "$s") h=$(val forkguard_cow_headroom_bytes "$s")
check cow-host "this host, memcg $CGPATH: risk $(val forkguard_cow_risk "$s"), worst $w, headroom $h bytes, oom kills $(val forkguard_cow_oom_kills_total "$s")" \
	test "$(val forkguard_cow_risk "$s")" = 0 -a -n "$w" -a -n "$h" -a "${w:-0}" -gt 0 -a "${h:-0}" -gt "${w:-0}" -a "$(val forkguard_cow_oom_kills_total "$s")" = 0
c=${PID[cow]} w=$(val forkguard_cow_worst_bytes "${PID[cow]}")
check cow-risk "16 KiB of room (made up): risk $(val forkguard_cow_risk "$c"), worst $w, headroom $(val forkguard_cow_headroom_bytes "$c") bytes" \
	test "$(val forkguard_cow_risk "$c")" = 1 -a "$(val forkguard_cow_headroom_bytes "$c")" = 16384 -a "${w:-0}" -gt 16384
want cow_oom_kills_total "$c" "" 0
want forks_total "$c" 'call="fork",verdict="ok",outcome="ok"' 2
now=$(date +%s)
t=$(val forkguard_last_fork_timestamp_seconds "$o")
ns=$(readlink /proc/self/ns/pid | tr -dc 0-9) # the pid namespace's inode
st=$(val forkguard_process_start_time_seconds "$o" "pidns=\"$ns\"")
pst=$(($(date +%s) - $(awk '{print int($1)}' /proc/uptime) + $(awk '{print $22}' "/proc/$o/stat") / $(getconf CLK_TCK)))
check timestamps "last fork $t, start $st (from /proc: $pst), now $now" \
	test -n "$t" -a "$t" -le "$now" -a "$t" -ge "$((now - 120))" -a "$((st - pst))" -le 2 -a "$((pst - st))" -le 2

# the host-wide view, for a cron job or a sidecar writing the same directory
if [ -z "$FILES" ]; then
"$B/forkguard" check --all --format prometheus >"$TMP/all.prom" 2>"$TMP/all.err"
promtool check metrics <"$TMP/all.prom" >"$TMP/lint" 2>&1
check check-all-promtool "check --all --format prometheus: $(grep -c '^forkguard_' "$TMP/all.prom") samples, promtool: $(wc -l <"$TMP/lint") complaint(s)" \
	bash -c "[ ! -s '$TMP/lint' ] && grep -q '^forkguard_check_margin_bytes{comm=\"forker\",pid=\"$o\"} -' '$TMP/all.prom' && grep -q '^forkguard_check_margin_bytes{comm=\"forker\",pid=\"$s\"} [0-9]' '$TMP/all.prom' &&
		grep -q '^forkguard_check_verdict{comm=\"forker\",pid=\"$o\"} 2\$' '$TMP/all.prom' && grep -q '^forkguard_check_verdict{comm=\"forker\",pid=\"$s\"} 0\$' '$TMP/all.prom' &&
		grep -q '^forkguard_check_cow_risk{comm=\"forker\",pid=\"$s\"} 0\$' '$TMP/all.prom' && grep -q '^forkguard_check_cow_worst_bytes{comm=\"forker\",pid=\"$s\"} [1-9]' '$TMP/all.prom' &&
		! grep -q 'verdict=' '$TMP/all.prom'"
cp "$TMP/all.prom" "$D/forkguard-host.prom"
curl -sf "http://127.0.0.1:$port/metrics" >"$TMP/scrape2"
check check-all-scrape "the host view beside the process files: scrape error $(sed -n 's/^node_textfile_scrape_error //p' "$TMP/scrape2")" \
	bash -c "grep -qx 'node_textfile_scrape_error 0' '$TMP/scrape2' && grep -q '^forkguard_check_margin_bytes{comm=\"forker\",pid=\"$o\"' '$TMP/scrape2'"

fi

for n in "${NAMES[@]}"; do stop "$n"; done
left=$(ls "$D" | grep -v '^forkguard-host.prom$')
check exit-removes "after the ${#NAMES[@]} exit: ${left:-no process file left}" test -z "$left"
# stale files: `forkguard metrics --prune` removes the files of dead pids
# that name its pid namespace, and nothing else; a guarded process removes
# none (a directory of its own)
P=$TMP/prune
mkdir -p "$P"
dead() { sh -c 'exit 0' & local p=$!; wait $p; echo $p; }
fake() { # FILE PID LABELS
	printf '# TYPE forkguard_process_start_time_seconds gauge\nforkguard_process_start_time_seconds{comm="x",pid="%s"%s} 1\n' "$2" "$3" >"$P/$1"
}
d1=$(dead) d2=$(dead) d3=$(dead)
fake "forkguard-ghost-$d1.prom" "$d1" ",pidns=\"$ns\""
fake "forkguard-ghost-$d1.prom.tmp" "$d1" ",pidns=\"$ns\""
fake "forkguard-other-$d2.prom" "$d2" ',pidns="1"'
fake "forkguard-old-$d3.prom" "$d3" ""
fake "forkguard-live-$$.prom" "$$" ",pidns=\"$ns\""
# bash forks (dash vforks, which the guard does not see); it execs the
# last command, so its own file stays
env FORKGUARD_METRICS="$P" FORKGUARD_METRICS_INTERVAL=0 LD_PRELOAD="$LIB" bash -c '/bin/true; /bin/true'
check guest-prunes-nothing "a guarded process left the stale files: $(ls "$P" | tr '\n' ' ')" \
	test -e "$P/forkguard-ghost-$d1.prom" -a -e "$P/forkguard-ghost-$d1.prom.tmp"
# bash exec'd its last command: its file is stale too, and names our pidns
mine=$(grep -l "pidns=\"$ns\"" "$P"/forkguard-bash-*.prom 2>/dev/null | wc -l)
said=$("$B/forkguard" metrics --prune "$P" 2>&1)
left=$(ls "$P" | tr '\n' ' ')
check prune "forkguard metrics --prune: $said; dead pids $d1 (our pidns $ns), $d2 (pidns 1), $d3 (no pidns), live $$: left $left; the new file names pidns: $mine" \
	bash -c "[ '$said' = '3 stale file(s) removed from $P' ] && [ -z \"\$(ls '$P'/forkguard-bash-* 2>/dev/null)\" ] && [ ! -e '$P/forkguard-ghost-$d1.prom' ] && [ ! -e '$P/forkguard-ghost-$d1.prom.tmp' ] &&
		[ -e '$P/forkguard-other-$d2.prom' ] && [ -e '$P/forkguard-old-$d3.prom' ] &&
		[ -e '$P/forkguard-live-$$.prom' ] && [ '$mine' = 1 ]"

[ -n "$FILES" ] && { summary; exit; }
kill "$NEPID"
wait "$NEPID" 2>/dev/null
check node-exporter-stopped "node_exporter pid $NEPID stopped" bash -c "! kill -0 $NEPID 2>/dev/null"
summary
