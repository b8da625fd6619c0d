/*
 * prom.c - the Prometheus text exposition format (0.0.4) of the metrics:
 * one guarded process's file (metrics.c writes it) and the host-wide
 * view of `forkguard check --all --format prometheus`.
 *
 * The renderer of metrics beside report.c's reports: numbers in, text
 * out, into the caller's fixed buffer, no I/O.  Every family has HELP and
 * TYPE; every sample carries comm and pid; label values are escaped.
 * Sizes are bytes, times seconds, as Prometheus names them.
 */
#include <string.h>

#include "fmt.h"
#include "prom.h"

const uint64_t fg_m_bucket_ns[FG_M_BUCKETS] = {
	5000,	10000,	 25000,	  50000,    100000,
	250000, 1000000, 5000000, 25000000, UINT64_MAX,
};
static const char *const bucket_le[FG_M_BUCKETS] = {
	"5e-06",   "1e-05", "2.5e-05", "5e-05", "0.0001",
	"0.00025", "0.001", "0.005",   "0.025", "+Inf",
};
const char *const fg_m_call_names[FG_M_CALLS] = { "fork", "_Fork", "daemon",
						  "clone" };
const char *const fg_m_err_names[FG_M_ERRS] = { "ENOMEM", "EAGAIN", "other" };
const char *const fg_m_remedy_names[FG_M_REMEDIES] = { "trim", "jemalloc",
						       "release", "split",
						       "retry" };
const char *const fg_m_end_names[FG_M_ENDS] = { "unknown", "exit", "signal",
						"abort", "oom_kill" };
const char *const fg_m_result_names[FG_M_RESULTS] = {
	"pass", "helped", "no effect", "failed", "cannot help", "fail",
};

static void family(struct fg_buf *b, const char *name, const char *type,
		   const char *help)
{
	fg_puts(b, "# HELP ");
	fg_puts(b, name);
	fg_putc(b, ' ');
	fg_puts(b, help);
	fg_puts(b, "\n# TYPE ");
	fg_puts(b, name);
	fg_putc(b, ' ');
	fg_puts(b, type);
	fg_putc(b, '\n');
}

/* ,name="value" with \, " and newline escaped (the first label: no ,) */
static void label(struct fg_buf *b, const char *name, const char *v)
{
	if (b->at && b->p[b->at - 1] != '{')
		fg_putc(b, ',');
	fg_puts(b, name);
	fg_puts(b, "=\"");
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fg_putc(b, '\\');
		if (*v == '\n')
			fg_puts(b, "\\n");
		else
			fg_putc(b, *v);
	}
	fg_putc(b, '"');
}

/* name{comm="…",pid="…" — the caller adds its labels, then value() */
static void sample(struct fg_buf *b, const char *name, const char *comm,
		   pid_t pid)
{
	char num[24];
	struct fg_buf n;

	fg_buf_init(&n, num, sizeof(num));
	fg_putu(&n, (uint64_t)pid);
	fg_puts(b, name);
	fg_putc(b, '{');
	label(b, "comm", comm);
	label(b, "pid", num);
}

/* a process's sample: comm, pid and the operator's labels (a=b,c=d) */
static void vsample(struct fg_buf *b, const char *name,
		    const struct fg_metrics_view *v)
{
	const char *p = v->labels;

	sample(b, name, v->comm, v->pid);
	while (p && *p) {
		char n[64], val[256];
		size_t k = strcspn(p, "="), e;

		if (!p[k] || k >= sizeof(n))
			return;
		memcpy(n, p, k);
		n[k] = '\0';
		e = strcspn(p + k + 1, ",");
		if (e >= sizeof(val))
			return;
		memcpy(val, p + k + 1, e);
		val[e] = '\0';
		label(b, n, val);
		p += k + 1 + e;
		p += *p == ',';
	}
}

static void value_u(struct fg_buf *b, uint64_t v)
{
	fg_puts(b, "} ");
	fg_putu(b, v);
	fg_putc(b, '\n');
}

static void value_i(struct fg_buf *b, int64_t v)
{
	fg_puts(b, "} ");
	fg_puti(b, v);
	fg_putc(b, '\n');
}

/* nanoseconds as seconds: "12.000345678" */
static void value_ns(struct fg_buf *b, uint64_t ns)
{
	char frac[10];
	uint64_t f = ns % 1000000000u;
	int i;

	for (i = 8; i >= 0; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	frac[9] = '\0';
	fg_puts(b, "} ");
	fg_putu(b, ns / 1000000000u);
	fg_putc(b, '.');
	fg_puts(b, frac);
	fg_putc(b, '\n');
}

static void forks(struct fg_buf *b, const struct fg_metrics_view *v)
{
	static const char *const outcomes[] = { "ok", "failed", "refused" };
	const struct fg_metrics *m = &v->m;
	uint64_t n[3], failed;
	int c, k, e, o;

	family(b, "forkguard_forks_total", "counter",
	       "Fork-like calls by the guard's verdict before them and their "
	       "outcome: ok, failed (by the kernel), refused (enforce).");
	for (c = 0; c < FG_M_CALLS; c++)
		for (k = 0; k < FG_M_VERDICTS; k++) {
			for (failed = 0, e = 0; e < FG_M_ERRS; e++)
				failed += m->failures[c][k][e];
			n[0] = m->attempts[c][k] - failed;
			n[1] = failed;
			n[2] = k == FG_FAIL ? m->refused[c] : 0;
			if (!m->attempts[c][k] && !n[2] &&
			    !(c == FG_M_FORK && k == FG_OK))
				continue;
			for (o = 0; o < 3; o++) {
				vsample(b, "forkguard_forks_total", v);
				label(b, "call", fg_m_call_names[c]);
				label(b, "verdict",
				      fg_verdict_name((enum fg_verdict)k));
				label(b, "outcome", outcomes[o]);
				value_u(b, n[o]);
			}
		}
}

static void failures(struct fg_buf *b, const struct fg_metrics_view *v)
{
	uint64_t n;
	int c, k, e;

	family(b, "forkguard_fork_failures_total", "counter",
	       "Fork-like calls the kernel failed, by errno.");
	for (e = 0; e < FG_M_ERRS; e++) {
		for (n = 0, c = 0; c < FG_M_CALLS; c++)
			for (k = 0; k < FG_M_VERDICTS; k++)
				n += v->m.failures[c][k][e];
		vsample(b, "forkguard_fork_failures_total", v);
		label(b, "errno", fg_m_err_names[e]);
		value_u(b, n);
	}
}

static void remedies(struct fg_buf *b, const struct fg_metrics_view *v)
{
	int i, r;

	family(b, "forkguard_remedies_total", "counter",
	       "Remedies tried before a risky fork (remediate), by result.");
	for (i = 0; i < FG_M_REMEDIES; i++)
		for (r = 0; r < FG_M_RESULTS; r++) {
			if (!v->m.remedies[i][r])
				continue;
			vsample(b, "forkguard_remedies_total", v);
			label(b, "remedy", fg_m_remedy_names[i]);
			label(b, "result", fg_m_result_names[r]);
			value_u(b, v->m.remedies[i][r]);
		}
	family(b, "forkguard_remedy_released_bytes_total", "counter",
	       "Commit charge or address space the remedies released.");
	for (i = 0; i < FG_M_REMEDIES; i++) {
		/* a retry waits, it releases nothing */
		if (!strcmp(fg_m_remedy_names[i], "retry"))
			continue;
		vsample(b, "forkguard_remedy_released_bytes_total", v);
		label(b, "remedy", fg_m_remedy_names[i]);
		value_u(b, v->m.released_kb[i] * 1024);
	}
}

static void check_time(struct fg_buf *b, const struct fg_metrics_view *v)
{
	uint64_t cum = 0;
	int i;

	family(b, "forkguard_check_seconds", "histogram",
	       "Time the guard's check took before a fork.");
	for (i = 0; i < FG_M_BUCKETS; i++) {
		cum += v->m.check_le[i];
		vsample(b, "forkguard_check_seconds_bucket", v);
		label(b, "le", bucket_le[i]);
		value_u(b, cum);
	}
	vsample(b, "forkguard_check_seconds_sum", v);
	value_ns(b, v->m.check_ns);
	vsample(b, "forkguard_check_seconds_count", v);
	value_u(b, v->m.check_count);
}

/* The last fork's copy-on-write check: left out until one had a verdict. */
static void cow(struct fg_buf *b, const struct fg_metrics_view *v)
{
	const struct fg_metrics *m = &v->m;
	bool known = m->cow_verdict == FG_COW_OK ||
		     m->cow_verdict == FG_COW_RISK;

	if (known) {
		family(b, "forkguard_cow_risk", "gauge",
		       "1: at the last fork, the pages the child could copy "
		       "(worst) did not fit the headroom; 0: they did.");
		vsample(b, "forkguard_cow_risk", v);
		value_u(b, m->cow_verdict == FG_COW_RISK);
		family(b, "forkguard_cow_worst_bytes", "gauge",
		       "Anonymous resident memory at the last fork: what its "
		       "copies-on-write could charge at most.");
		vsample(b, "forkguard_cow_worst_bytes", v);
		value_u(b, m->cow_worst_kb * 1024);
	}
	if (known && m->cow_headroom_kb != FG_COW_NONE) {
		family(b, "forkguard_cow_headroom_bytes", "gauge",
		       "Room left under the tightest memory limit (cgroup or "
		       "host) at the last fork; absent: no limit.");
		vsample(b, "forkguard_cow_headroom_bytes", v);
		value_u(b, m->cow_headroom_kb * 1024);
	}
	if (known || m->cow_oom_kills) {
		family(b, "forkguard_cow_oom_kills_total", "counter",
		       "OOM kills in the process's memory cgroup seen between "
		       "its forks (counted at the next full cow check).");
		vsample(b, "forkguard_cow_oom_kills_total", v);
		value_u(b, m->cow_oom_kills);
	}
}

/* The followed children (FORKGUARD_COW=abort): left out until one ended. */
static void follow(struct fg_buf *b, const struct fg_metrics_view *v)
{
	const struct fg_metrics *m = &v->m;
	uint64_t n = 0;
	int i;

	for (i = 0; i < FG_M_ENDS; i++)
		n += m->child_ends[i];
	if (!n)
		return;
	family(b, "forkguard_cow_aborts_total", "counter",
	       "Children of risky forks the guard ended with its signal "
	       "(FORKGUARD_COW=abort) before the room ran out.");
	vsample(b, "forkguard_cow_aborts_total", v);
	value_u(b, m->cow_aborts);
	family(b, "forkguard_child_ends_total", "counter",
	       "Followed children that ended, by cause: exit, signal, abort "
	       "(the guard's), oom_kill, unknown (reaped before a look).");
	for (i = 0; i < FG_M_ENDS; i++) {
		vsample(b, "forkguard_child_ends_total", v);
		label(b, "cause", fg_m_end_names[i]);
		value_u(b, m->child_ends[i]);
	}
	family(b, "forkguard_cow_last_copy_bytes", "gauge",
	       "The copy the last followed child caused: the limiting "
	       "level's usage, peak minus at the fork.");
	vsample(b, "forkguard_cow_last_copy_bytes", v);
	value_u(b, m->cow_last_copy_kb * 1024);
	family(b, "forkguard_child_seconds", "gauge",
	       "How long the last followed child lived.");
	vsample(b, "forkguard_child_seconds", v);
	value_ns(b, m->child_last_us * 1000);
	family(b, "forkguard_child_seconds_total", "counter",
	       "How long all followed children lived, summed.");
	vsample(b, "forkguard_child_seconds_total", v);
	value_ns(b, m->child_us_sum * 1000);
}

size_t fg_prom_process(const struct fg_metrics_view *v, char *buf, size_t len)
{
	struct fg_buf b;
	uint64_t refused = 0;
	int c;

	fg_buf_init(&b, buf, len);
	forks(&b, v);
	failures(&b, v);
	for (c = 0; c < FG_M_CALLS; c++)
		refused += v->m.refused[c];
	family(&b, "forkguard_refused_total", "counter",
	       "Forks enforce mode refused (ENOMEM without asking the "
	       "kernel).");
	vsample(&b, "forkguard_refused_total", v);
	value_u(&b, refused);
	remedies(&b, v);
	check_time(&b, v);
	cow(&b, v);
	follow(&b, v);
	if (v->have_margin) {
		family(&b, "forkguard_fork_margin_bytes", "gauge",
		       "The binding overcommit limit minus what a fork would "
		       "be charged against it, checked when this file was "
		       "written (after a fork); negative: it would fail.");
		vsample(&b, "forkguard_fork_margin_bytes", v);
		value_i(&b, v->margin_kb * 1024);
	}
	if (v->m.last_fork_ns > 0) {
		family(&b, "forkguard_last_fork_timestamp_seconds", "gauge",
		       "When the last fork-like call was checked.");
		vsample(&b, "forkguard_last_fork_timestamp_seconds", v);
		value_ns(&b, (uint64_t)v->m.last_fork_ns);
	}
	if (v->start_ns) {
		family(&b, "forkguard_process_start_time_seconds", "gauge",
		       "When the process started: with pid, which process "
		       "wrote this file (another start time: a stale file).");
		vsample(&b, "forkguard_process_start_time_seconds", v);
		if (v->pidns) {
			char num[24];
			struct fg_buf n;

			/* the namespace the pid is in: a pruner elsewhere
			 * leaves the file alone (metrics.c) */
			fg_buf_init(&n, num, sizeof(num));
			fg_putu(&n, v->pidns);
			label(&b, "pidns", num);
		}
		value_ns(&b, v->start_ns);
	}
	return b.full ? 0 : b.at;
}

/* the host-wide view's families: name, help */
static const char *const host_family[FG_PROM_HOST_FAMILIES][2] = {
	{ "forkguard_check_margin_bytes",
	  "Per process: the binding overcommit limit minus what its fork "
	  "would be charged against it now; negative: it would fail." },
	{ "forkguard_check_verdict",
	  "Per process: the overcommit verdict on its fork now: 0 ok, 1 "
	  "borderline, 2 fail." },
	{ "forkguard_check_cow_risk",
	  "Per process: 1 when the pages its fork's child could copy (worst) "
	  "do not fit the room under its tightest memory limit, 0 when they "
	  "do." },
	{ "forkguard_check_cow_worst_bytes",
	  "Per process: its private anonymous resident memory, the most a "
	  "fork's copies-on-write could charge." },
	{ "forkguard_check_cow_headroom_bytes",
	  "Per process: the room under its tightest memory limit (cgroup or "
	  "host); absent: no limit." },
};

size_t fg_prom_host_head(int f, char *buf, size_t len)
{
	struct fg_buf b;

	fg_buf_init(&b, buf, len);
	if (f < 0 || f >= FG_PROM_HOST_FAMILIES)
		return 0;
	family(&b, host_family[f][0], "gauge", host_family[f][1]);
	return b.full ? 0 : b.at;
}

size_t fg_prom_host_task(int f, const struct fg_prom_task *t, char *buf,
			 size_t len)
{
	bool cow = t->cow == FG_COW_OK || t->cow == FG_COW_RISK;
	struct fg_buf b;

	fg_buf_init(&b, buf, len);
	if (f < 0 || f >= FG_PROM_HOST_FAMILIES ||
	    (f <= FG_PROM_HOST_VERDICT && !t->have_margin) ||
	    (f >= FG_PROM_HOST_COW_RISK && !cow) ||
	    (f == FG_PROM_HOST_COW_HEADROOM &&
	     t->cow_headroom_kb == FG_COW_NONE))
		return 0;
	sample(&b, host_family[f][0], t->comm, t->pid);
	switch (f) {
	case FG_PROM_HOST_MARGIN: value_i(&b, t->margin_kb * 1024); break;
	case FG_PROM_HOST_VERDICT:
		value_u(&b, t->verdict == FG_FAIL	  ? 2
			    : t->verdict == FG_BORDERLINE ? 1
							  : 0);
		break;
	case FG_PROM_HOST_COW_RISK: value_u(&b, t->cow == FG_COW_RISK); break;
	case FG_PROM_HOST_COW_WORST: value_u(&b, t->cow_worst_kb * 1024); break;
	default: value_u(&b, t->cow_headroom_kb * 1024); break;
	}
	return b.full ? 0 : b.at;
}
