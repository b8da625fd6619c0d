# scen_lib.sh - the helpers of the oracle's scenario sets, sourced by
# scenarios.sh (5.2+ kernels) and oldk_scenarios.sh (kernels 2.6.32-5.1).
# It expects $where (vm|host), $drv, $lib, $vm, $logdir, $out and $kbytes
# from the script that sources it.  One scenario runs the driver once,
# under LD_PRELOAD=$lib with the guard logging JSON; with $cli set, the
# driver also records /proc right before its fork (-s) and
# `$cli check --procfs` judges that record from outside afterwards (@@O).
# Busybox ash and dash compatible; see scenarios.sh for the records and
# why only builtins run around a fork that may sit at the mode-2 limit.

# mkname TAG ARGS... - sets $name, e.g. "m2r50-u-anon-Lx1.5".
mkname() {
	name=$1
	shift
	for a in "$@"; do
		a=${a#-}
		case $a in *\**) a="${a%%\**}x${a#*\*}" ;; esac
		name=$name-$a
	done
}

# Reads CommitLimit, Committed_AS, MemTotal (kB) with builtins only.
meminfo() {
	while read -r k v _; do
		case $k in
		CommitLimit:) commit_limit=$v ;;
		Committed_AS:) committed=$v ;;
		MemTotal:) mem_total=$v ;;
		esac
	done </proc/meminfo
}

# kernel_log PID - the kernel's refusal lines for PID since the set began.
kernel_log() {
	if [ "$where" = vm ]; then
		dmesg -c 2>/dev/null
	else
		dmesg 2>/dev/null | awk -v s="$kstart" -v p="pid: $1," \
			'index($0, p) { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t);
			 if (t + 0 >= s) print }'
	fi | while IFS= read -r l; do
		case $l in
		*__vm_enough_memory*) printf '@@K %s %s\n' "$name" "$l" ;;
		esac
	done
}

# finish - print the driver's line, the guard's log and the kernel's.
finish() {
	real=
	pid=
	while IFS= read -r l; do
		printf '%s\n' "$l"
		case $l in
		"scenario $name "*)
			real=${l#* real=}; real=${real%% *}
			pid=${l#* pid=}; pid=${pid%% *}
			;;
		esac
	done <"$out"
	[ -n "$real" ] || printf 'scenario %s real=none\n' "$name"
	while IFS= read -r l; do
		printf '@@J %s %s\n' "$name" "$l"
	done <"$log"
	if [ -n "${cli:-}" ] && [ -e "$snap/self/smaps" ]; then
		"$cli" check --procfs "$snap" --json self 2>&1 | while IFS= read -r l; do
			printf '@@O %s %s\n' "$name" "$l"
		done
		rm -rf "$snap"
	fi
	case $real in
	ok | "") ;;
	*)
		kernel_log "$pid"
		klog_throttle
		;;
	esac
	read -r up _ </proc/uptime
	printf '@@E %s uptime=%s\n' "$name" "$up"
}

# klog_throttle - after a refusal, keep under the kernel's ratelimit of
# __vm_enough_memory's message (10 per 5 s, per call site) so that every
# refused fork's line, with its bytes:, can be read.  Kernels before 6.9
# print no bytes: there it would only cost time.
kwin=-1000	# start of the current 5 s window, centiseconds of uptime
kcount=0
klog_throttle() {
	[ "$kbytes" = 1 ] || return 0
	read -r up _ </proc/uptime
	up=${up%.*}${up#*.}	# centiseconds
	if [ $((up - kwin)) -ge 510 ]; then
		kwin=$up
		kcount=0
	fi
	kcount=$((kcount + 1))
	if [ "$kcount" -ge 10 ]; then
		left=$((kwin + 520 - up))
		[ "$left" -le 0 ] || sleep "$(printf '%d.%02d' $((left / 100)) $((left % 100)))"
		kcount=0
		kwin=-1000
	fi
}

# start TAG ARGS... - run the driver for one scenario, in the background
# (the guard in FORKGUARD_MODE=$gmode, default observe).
start() {
	mkname "$@"
	shift
	log=$logdir/$name.json
	: >"$log"
	snap=$logdir/snap-$name
	LD_PRELOAD=$lib FORKGUARD_REPORT=all FORKGUARD_FORMAT=json \
		FORKGUARD_MODE=${gmode:-observe} FORKGUARD_LOG=$log \
		"$drv" "$name" ${cli:+-s "$snap"} "$@" >"$out" 2>&1 &
	dpid=$!
}

# sc TAG ARGS... - one scenario in the current settings.
sc() {
	start "$@"
	wait "$dpid"
	finish
}

# stopped PID - wait until PID stopped itself (SIGSTOP) or ended.
stopped() {
	while [ -r "/proc/$1/stat" ]; do
		read -r st <"/proc/$1/stat" || break
		st=${st##*) }
		case ${st%% *} in T | t | Z | X) return 0 ;; esac
		sleep 0.02
	done
}

# hold TAG HOLDSIZE ARGS... - a scenario while another process holds
# HOLDSIZE charged.
hold() {
	t=$1
	h=$2
	shift 2
	"$drv" --hold "$h" >"$logdir/hold.out" 2>&1 &
	hpid=$!
	stopped "$hpid"
	sc "$t-hold" "$@"
	kill -KILL "$hpid" 2>/dev/null
	wait "$hpid" 2>/dev/null
}

# trans FROM TO ARGS... - layout built in mode FROM, forked in mode TO.
trans() {
	from=$1
	to=$2
	shift 2
	echo "$from" >$vm/overcommit_memory
	start "tr$from$to" -w "$@"
	stopped "$dpid"
	echo "$to" >$vm/overcommit_memory
	kill -CONT "$dpid"
	wait "$dpid"
	echo 0 >$vm/overcommit_memory
	finish
}

# ctl NAME - a /proc/sys/vm value, or "-" where the kernel has none
# (overcommit_kbytes before 3.14, the reserves before 3.10).
ctl() {
	if [ -e "$vm/$1" ]; then cat "$vm/$1"; else echo -; fi
}

# setvm TAG MODE RATIO KBYTES ADMIN_KB USER_KB - 1 when skipped as unsafe.
# A sysctl the kernel does not have is left alone (pass 0 for it).
setvm() {
	echo 0 >$vm/overcommit_memory
	# kbytes=0 before the ratio: each one zeroes the other.
	if [ "$4" = 0 ]; then
		[ ! -e $vm/overcommit_kbytes ] || echo 0 >$vm/overcommit_kbytes
		echo "$3" >$vm/overcommit_ratio
	else
		echo "$4" >$vm/overcommit_kbytes
	fi
	[ ! -e $vm/admin_reserve_kbytes ] || echo "$5" >$vm/admin_reserve_kbytes
	[ ! -e $vm/user_reserve_kbytes ] || echo "$6" >$vm/user_reserve_kbytes
	meminfo
	if [ "$2" = 2 ] && [ $((commit_limit - $5 - $6 - committed)) -lt 262144 ]; then
		echo "@@C $1 skipped: CommitLimit $commit_limit kB too close to Committed_AS $committed kB"
		return 1
	fi
	echo "$2" >$vm/overcommit_memory
	echo "@@C $1 mode=$2 ratio=$(ctl overcommit_ratio)" \
		"kbytes=$(ctl overcommit_kbytes) admin_reserve_kb=$(ctl admin_reserve_kbytes)" \
		"user_reserve_kb=$(ctl user_reserve_kbytes) nr_hugepages=$(ctl nr_hugepages)" \
		"commit_limit_kb=$commit_limit" \
		"committed_kb=$committed mem_total_kb=$mem_total"
}
