# analyze.awk - pair each fork's real outcome with forkguard's verdict.
#
# Reads the record stream of scenarios.sh (one or more kernels; see there)
# and prints, per kernel, exactly one summary line
#   kernel oracle <release>: N scenarios, A agree, D disagree, B borderline
# then the details: every disagreement with its /proc numbers and JSON
# line, the largest band_kb, the kernel's own refusal lines (bytes: B) set
# against the guard's failing_vma, and the oracle's own model (the driver's
# expect=) against reality.  Agreement: verdict ok & real ok, or verdict
# fail & real ENOMEM; borderline is counted apart.
# Variables: guard=0 when no library was preloaded (then only the model is
# checked); model=0 leaves the oracle's own model out (its rule is 5.2+'s).
# A kernel whose @@U says outside=1 also has @@O records: the verdict of
# `forkguard check --procfs` on a record of /proc taken right before the
# fork, counted apart ("from outside"); the scenarios named seed-* and
# seed-remediate-* are the seed incident's shape (oldk_scenarios.sh).
# Exit status 1 on any disagreement, bytes mismatch, scenario
# that could not be set up, or kernel run that did not reach @@END.
#
# Plain POSIX awk (mawk, busybox awk): no gensub, no arrays of arrays.

function kv(line, key,    i, s) {
	i = index(line, " " key "=")
	if (!i)
		return ""
	s = substr(line, i + length(key) + 2)
	sub(/ .*/, "", s)
	return s
}

# jv - a scalar member of a one-line JSON object ("" when absent).
function jv(js, key,    i, s) {
	i = index(js, "\"" key "\":")
	if (!i)
		return ""
	s = substr(js, i + length(key) + 3)
	sub(/^ */, "", s)
	if (substr(s, 1, 1) == "\"") {
		s = substr(s, 2)
		return substr(s, 1, index(s, "\"") - 1)
	}
	match(s, /^[^,}]*/)
	s = substr(s, 1, RLENGTH)
	sub(/ *$/, "", s)
	return s
}

# failing_vma.kb, or "" when null or absent.
function fvkb(js,    i, s) {
	i = index(js, "\"failing_vma\":")
	if (!i)
		return ""
	s = substr(js, i + 14)
	sub(/^ */, "", s)
	if (substr(s, 1, 1) != "{")
		return ""
	s = substr(s, 1, index(s, "}"))
	return jv(s, "kb")
}

function reset() {
	n = agree = dis = border = 0
	on = oagree = odis = oborder = 0
	tsame = tdiff = 0
	outside = 0
	split("", sline)
	setupfail = noverdict = nosys = 0
	kmatch = kmis = knobytes = kmissing = kmodel = 0
	mmatch = mmis = mband = 0
	joined = merged = 0
	maxband = -1
	maxband_name = ""
	details = ""
	ended = 0
	setting = ""
}

function add(s) {
	details = details s "\n"
}

function numbers(line) {
	return "    /proc: mode=" kv(line, "mode") " ratio=" kv(line, "ratio") \
		" kbytes=" kv(line, "kbytes") " admin_reserve_kb=" kv(line, "admin_reserve_kb") \
		" user_reserve_kb=" kv(line, "user_reserve_kb") " MemTotal=" kv(line, "mem_total_kb") \
		" SwapTotal=" kv(line, "swap_total_kb") " CommitLimit=" kv(line, "commit_limit_kb") \
		" Committed_AS=" kv(line, "committed_kb") "\n" \
		"    process: admin=" kv(line, "admin") " VmSize=" kv(line, "vmsize_kb") \
		" charge_kb=" kv(line, "charge_kb") " largest_kb=" kv(line, "largest_kb") \
		" merged=" kv(line, "merged") " vmas=" kv(line, "vmas") "\n" \
		"    oracle model: expect=" kv(line, "expect") " limit_kb=" kv(line, "limit_kb") \
		" margin_kb=" kv(line, "margin_kb") " band_kb=" kv(line, "band_kb") \
		" fail_vma_kb=" kv(line, "fail_vma_kb")
}

function scenario_done(nm,    line, real, js, v, b, fk, k, m, band, mt, ok) {
	line = sline[nm]
	real = kv(line, "real")
	js = json[nm]
	if (real == "setup-ENOSYS") {
		# a call this kernel was built without (4.10.7's tinyconfig
		# has no madvise): nothing to judge, and said so
		nosys++
		add("  not applicable " nm ": " kv(line, "step") " is ENOSYS on this kernel")
		return
	}
	if (real == "" || real ~ /^setup-/ || real == "none") {
		setupfail++
		add("  SETUP FAILED " nm ": " line)
		return
	}
	n++
	if (kv(line, "join") != "0") {
		joined++
		if (kv(line, "merged") == "1")
			merged++
		else
			add("  note " nm ": the halves stayed " kv(line, "vmas") " VMAs (real=" real ")")
	}
	# the oracle's own model against reality
	ok = (kv(line, "expect") == "ok") == (real == "ok")
	m = kv(line, "margin_kb") + 0
	band = kv(line, "band_kb") + 0
	if (!model)
		;
	else if (ok)
		mmatch++
	else if (m <= band && -m <= band)
		mband++
	else {
		mmis++
		add("  MODEL MISMATCH " nm ": real=" real " expect=" kv(line, "expect") "\n" numbers(line))
	}

	v = jv(js, "verdict")
	if (guard) {
		if (js == "") {
			noverdict++
			dis++
			add("  DISAGREE " nm ": real=" real ", no guard JSON line for pid " kv(line, "pid") "\n" numbers(line))
		} else if (v == "borderline") {
			border++
			add("  borderline " nm ": real=" real ", oracle margin_kb=" kv(line, "margin_kb") \
				", guard band_kb=" jv(js, "band_kb"))
		} else if ((v == "ok" && real == "ok") || (v == "fail" && real == "ENOMEM")) {
			agree++
		} else {
			dis++
			add("  DISAGREE " nm ": real=" real " verdict=" v "\n" numbers(line) "\n    json: " js)
		}
		b = jv(js, "band_kb")
		if (b != "" && b + 0 > maxband) {
			maxband = b + 0
			maxband_name = nm
		}
	}

	if (outside)
		outside_done(nm, real)

	# the kernel's own refusal line (6.9+ prints bytes:)
	k = klog[nm]
	if (real != "ENOMEM")
		return
	if (k == "") {
		kmissing++
		return
	}
	if (!match(k, /bytes: [0-9]+/)) {
		knobytes++
		return
	}
	b = substr(k, RSTART + 7, RLENGTH - 7)
	if (b + 0 != kv(line, "fail_vma_kb") * 1024)
		kmodel++
	if (!guard)
		return
	fk = fvkb(js)
	if (fk != "" && fk * 1024 == b + 0) {
		kmatch++
	} else if (v == "borderline") {
		add("  note " nm ": borderline; kernel refused a VMA of " b " bytes, failing_vma.kb=" (fk == "" ? "null" : fk))
	} else {
		kmis++
		add("  BYTES MISMATCH " nm ": kernel bytes=" b " (" b / 1024 " kB), guard failing_vma.kb=" \
			(fk == "" ? "null" : fk) "\n    kernel: " k "\n    json: " js)
	}
}

# outside_done - `forkguard check --procfs` on the record taken right
# before the fork, against the same real outcome (absent: not recorded,
# e.g. a remediated fork, which no outside check can foresee).
function outside_done(nm, real,    js, v) {
	js = ojson[nm]
	if (js == "")
		return
	on++
	v = jv(js, "verdict")
	if (v == "borderline") {
		oborder++
		add("  outside borderline " nm ": real=" real ", charge_kb " jv(js, "charge_min_kb") \
			"-" jv(js, "charge_max_kb") ", limit_kb " jv(js, "limit_kb") ", " jv(js, "uncertain"))
	} else if ((v == "ok" && real == "ok") || (v == "fail" && real == "ENOMEM")) {
		oagree++
	} else {
		odis++
		add("  OUTSIDE DISAGREE " nm ": real=" real " verdict=" v "\n" numbers(sline[nm]) "\n    json: " js)
	}
}

# seed_done - the seed incident's shape: observed, the guard must say fail
# (not borderline) for the ENOMEM, naming a VMA and a purge; remediated,
# the fork must pass after a jemalloc purge.
function seed_done(    js, line, fk, nm, obs, rem) {
	for (nm in sline) {
		if (nm ~ /^seed-remediate-/)
			rem = nm
		else if (nm ~ /^seed-/)
			obs = nm
	}
	if (obs == "")
		return
	js = json[obs]
	line = sline[obs]
	fk = fvkb(js)
	if (kv(line, "real") == "ENOMEM" && jv(js, "verdict") == "fail" && fk + 0 >= kv(line, "size_kb") + 0 &&
	    index(js, "purge"))
		print "  seed: observe: real=ENOMEM verdict=fail failing_vma.kb=" fk " (the retained chunks), the fix names the purge"
	else {
		print "  SEED FAILED: observe: real=" kv(line, "real") " verdict=" jv(js, "verdict") " failing_vma.kb=" fk \
			" size_kb=" kv(line, "size_kb") "\n    json: " js
		bad = 1
	}
	js = json[rem]
	line = sline[rem]
	if (kv(line, "real") == "ok" && index(js, "\"name\":\"jemalloc\"") && jv(js, "verdict") != "")
		print "  seed: remediate: real=ok after the jemalloc purge (verdict " jv(js, "verdict") ")"
	else {
		print "  SEED FAILED: remediate: real=" kv(line, "real") "\n    json: " js
		bad = 1
	}
}

function kernel_done(    pct, status_line) {
	if (rel == "")
		return
	if (guard)
		print "kernel oracle " rel ": " n " scenarios, " agree " agree, " dis " disagree, " border " borderline"
	else
		print "kernel oracle " rel ": " n " scenarios (no guard preloaded: model check only)"
	if (maxband >= 0) {
		pct = memtotal ? 100.0 * maxband / memtotal : 0
		printf "  largest band_kb: %d kB (%.3f %% of MemTotal %d kB), in %s\n", maxband, pct, memtotal, maxband_name
	}
	if (outside)
		print "  from outside (check --procfs on the record): " on " scenarios, " oagree " agree, " odis " disagree, " oborder " borderline"
	seed_done()
	if (tsame || tdiff)
		print "  transparency (the suite's cases, bare and guarded): " tsame " same, " tdiff " differ"
	if (model)
		print "  oracle model vs real: " mmatch " match, " mband " differ inside the percpu band, " mmis " differ outside it"
	print "  kernel refusal lines: " kmatch " bytes = guard failing_vma, " kmis " mismatch, " \
		knobytes " without bytes (< 6.9), " kmissing " missing (ratelimited; none before 6.1), " kmodel " != oracle model"
	print "  joined layouts: " merged " of " joined " merged into one VMA"
	if (setupfail)
		print "  setup failures: " setupfail
	if (nosys)
		print "  not applicable: " nosys " (a call the kernel lacks: ENOSYS)"
	if (!ended)
		print "  ERROR: the run did not reach its end (@@END missing: crash, hang or timeout)"
	printf "%s", details
	if (dis || odis || tdiff || kmis || setupfail || !ended || n == 0 || (!guard && mmis))
		bad = 1
	kernels++
}

BEGIN {
	if (guard == "")
		guard = 1
	if (model == "")
		model = 1
	bad = 0
	kernels = 0
	rel = ""
	reset()
}

{
	sub(/\r$/, "")
	# firmware escape sequences may precede the first record on its line
	if ((i = index($0, "@@")) > 1 && $0 !~ /^scenario /)
		$0 = substr($0, i)
}

/^@@U / {
	kernel_done()
	reset()
	rel = $2
	memtotal = kv($0, "memtotal_kb") + 0
	outside = kv($0, "outside") == "1"
	next
}

/^@@C / {
	setting = $0
	if ($0 ~ / skipped:/)
		add("  " substr($0, 5))
	next
}

/^scenario / {
	sline[$2] = $0
	json[$2] = ""
	ojson[$2] = ""
	klog[$2] = ""
	next
}

/^@@J / {
	nm = $2
	js = substr($0, length("@@J " nm " ") + 1)
	# the fork of the driver itself (its pid); keep the last such line
	if (jv(js, "pid") == kv(sline[nm], "pid") || kv(sline[nm], "pid") == "")
		json[nm] = js
	next
}

/^@@T / {
	if ($3 == "same")
		tsame++
	else if ($3 == "DIFFER") {
		tdiff++
		add("  TRANSPARENCY " $2 ": output or exit differs (" $4 " " $5 ")")
	} else
		add("  " substr($0, 5))
	next
}

/^@@O / {
	nm = $2
	js = substr($0, length("@@O " nm " ") + 1)
	if (substr(js, 1, 1) == "{" && jv(js, "event") == "fork")
		ojson[nm] = js
	else if (substr(js, 1, 1) != "{")
		add("  outside " nm ": " js)
	next
}

/^@@K / {
	nm = $2
	k = substr($0, length("@@K " nm " ") + 1)
	if (index(k, "pid: " kv(sline[nm], "pid") ","))
		klog[nm] = k
	next
}

/^@@E / {
	scenario_done($2)
	next
}

/^@@END/ {
	ended = 1
	next
}

END {
	kernel_done()
	if (!kernels) {
		print "kernel oracle: no kernel ran (no @@U record)"
		bad = 1
	}
	exit bad
}
