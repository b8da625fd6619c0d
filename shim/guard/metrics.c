/*
 * metrics.c - the process's fork counters and its Prometheus textfile.
 *
 * With FORKGUARD_METRICS=DIR each guarded process keeps
 * DIR/forkguard-<comm>-<pid>.prom for node_exporter's textfile collector.
 * The fork path adds to counters with relaxed atomics (no lock, no
 * allocation); a successful fork is counted before it, a failure after
 * it (see metrics.h).  The file is written in the parent after a fork
 * (fg_metrics_tick, fg_metrics_write), at most once per FORKGUARD_METRICS_INTERVAL seconds
 * (the first fork writes it at once), formatted into a stack buffer by
 * prom.c and replaced atomically: a temporary name that the collector
 * ignores (it reads only *.prom), then rename(2).  At exit a destructor
 * removes it.  A process killed before that leaves its file: the file's
 * forkguard_process_start_time_seconds and pid say which process wrote
 * it (a live process with that pid and start time, or a stale file);
 * `forkguard metrics --prune DIR` removes it (the command's job: the
 * library touches no file but its own).
 *
 * A forked child starts from zero (MADV_WIPEONFORK, below); on a kernel
 * without it, the child's inherited counters are zeroed at its first write
 * (its forks before that write are not counted).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "fmt.h"
#include "forksafe.h"
#include "metrics.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"
#include "report.h"
#include "self.h"

/*
 * The counters live on their own anonymous pages marked MADV_WIPEONFORK
 * (Linux 4.14): fork does not share them, so the parent's adds never hit
 * a write-protected page (no copy-on-write fault per fork), and a child
 * starts from zero.  Without it (an older kernel), a static copy.
 */
static struct fg_metrics fallback, *m = &fallback;
static struct {
	bool on;
	unsigned interval;
	int64_t next_s; /* monotonic second of the next write */
	char writing;
	pid_t owner; /* the process the counters and the file belong to */
	bool written;
	uint64_t start_ns, pidns;
	char comm[32];
	char path[FG_PATH_MAX], tmp[FG_PATH_MAX];
} st;

uint64_t fg_metrics_clock(void)
{
	return fg_mono_ns();
}

static void add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static int call_index(const char *call)
{
	int i;

	for (i = 0; i < FG_M_CALLS; i++)
		if (!strcmp(call, fg_m_call_names[i]))
			return i;
	return -1;
}

static int name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

bool fg_metrics_on(void)
{
	return __atomic_load_n(&st.on, __ATOMIC_RELAXED);
}

static void wipe_on_fork(void)
{
	struct fg_metrics *p = fg_wipe_map(sizeof(*m));

	if (p)
		m = p;
}

static void write_now(const struct fg_config *c, const struct fg_result *r);

void fg_metrics_init(void)
{
	const struct fg_config *c = fg_config();

	if (!c || c->mode == FG_MODE_OFF || !c->metrics_dir[0])
		return;
	st.interval = c->metrics_interval;
	wipe_on_fork();
	__atomic_store_n(&st.on, true, __ATOMIC_RELEASE);
	/* the file from the start: "guarded, never forked" is not "absent";
	 * the first fork still writes at once (next_s stays 0); no verdict
	 * before a fork was checked */
	write_now(c, NULL);
}

static void observe_check(uint64_t ns)
{
	int i = 0;

	while (i < FG_M_BUCKETS - 1 && ns > fg_m_bucket_ns[i])
		i++;
	add(&m->check_le[i], 1);
	add(&m->check_count, 1);
	add(&m->check_ns, ns);
}

void fg_metrics_attempt(const char *call, enum fg_verdict verdict,
			uint64_t check_ns)
{
	int c = call_index(call);

	if (!fg_metrics_on() || c < 0 || (unsigned)verdict >= FG_M_VERDICTS)
		return;
	add(&m->attempts[c][verdict], 1);
	observe_check(check_ns);
	__atomic_store_n(&m->last_fork_ns, (int64_t)fg_real_ns(),
			 __ATOMIC_RELAXED);
}

void fg_metrics_failed(const char *call, enum fg_verdict verdict, int err)
{
	int c = call_index(call);
	int e = err == ENOMEM	? FG_M_ENOMEM
		: err == EAGAIN ? FG_M_EAGAIN
				: FG_M_EOTHER;

	if (!fg_metrics_on() || c < 0 || (unsigned)verdict >= FG_M_VERDICTS)
		return;
	add(&m->failures[c][verdict][e], 1);
}

void fg_metrics_refused(const char *call, uint64_t check_ns)
{
	int c = call_index(call);

	if (!fg_metrics_on() || c < 0)
		return;
	add(&m->refused[c], 1);
	observe_check(check_ns);
	__atomic_store_n(&m->last_fork_ns, (int64_t)fg_real_ns(),
			 __ATOMIC_RELAXED);
}

void fg_metrics_cow(enum fg_cow_verdict verdict, uint64_t worst_kb,
		    uint64_t headroom_kb, int64_t oom_kills)
{
	if (!fg_metrics_on())
		return;
	__atomic_store_n(&m->cow_worst_kb, worst_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&m->cow_headroom_kb, headroom_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&m->cow_verdict, (uint64_t)verdict, __ATOMIC_RELAXED);
	if (oom_kills > 0)
		add(&m->cow_oom_kills, (uint64_t)oom_kills);
}

void fg_metrics_child_end(const struct fg_child_end *e)
{
	if (!fg_metrics_on() || (unsigned)e->cause >= FG_M_ENDS)
		return;
	add(&m->child_ends[e->cause], 1);
	if (e->cause == FG_END_ABORT)
		add(&m->cow_aborts, 1);
	__atomic_store_n(&m->cow_last_copy_kb, e->copy_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&m->child_last_us, e->lifetime_us, __ATOMIC_RELAXED);
	add(&m->child_us_sum, e->lifetime_us);
}

void fg_metrics_remedy(const char *name, const char *result, uint64_t kb)
{
	int n = name_index(fg_m_remedy_names, FG_M_REMEDIES, name);
	int r = name_index(fg_m_result_names, FG_M_RESULTS, result);

	if (!fg_metrics_on() || n < 0)
		return;
	if (r >= 0)
		add(&m->remedies[n][r], 1);
	add(&m->released_kb[n], kb);
}

/* comm as a file-name part: [A-Za-z0-9._-], others '_' */
static void read_comm(const char *root, char *out, size_t len)
{
	char buf[64];
	size_t i;

	if (fg_comm_read(root, 0, buf, sizeof(buf)) || !buf[0])
		strcpy(buf, "unknown");
	for (i = 0; buf[i] && i + 1 < len; i++) {
		char ch = buf[i];
		bool keep = (ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '.' ||
			    ch == '-' || ch == '_';

		out[i] = keep ? ch : '_';
	}
	out[i] = '\0';
}

/* The process's start, realtime: now - uptime + starttime (stat field 22). */
static uint64_t start_time_ns(const char *root)
{
	char up[64], *end;
	unsigned long long up_cs;
	long hz = sysconf(_SC_CLK_TCK);
	struct fg_stat ps;

	if (hz <= 0 || fg_stat_read(root, 0, &ps) ||
	    fg_read(root, -1, "uptime", up, sizeof(up)) <= 0)
		return 0;
	up_cs = strtoull(up, &end, 10) * 100;
	if (*end == '.')
		up_cs += strtoull(end + 1, NULL, 10) % 100;
	return fg_real_ns() - up_cs * 10000000ull +
	       ps.starttime * (1000000000ull / (unsigned long long)hz);
}

static void snapshot(struct fg_metrics *out)
{
	const uint64_t *src = (const uint64_t *)m;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	for (i = 0; i < sizeof(*m) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static void name_files(const struct fg_config *c, pid_t self)
{
	struct fg_buf b;

	read_comm(c->procfs, st.comm, sizeof(st.comm));
	st.start_ns = start_time_ns(c->procfs);
	fg_buf_init(&b, st.path, sizeof(st.path));
	fg_puts(&b, c->metrics_dir);
	fg_puts(&b, "/forkguard-");
	fg_puts(&b, st.comm);
	fg_putc(&b, '-');
	fg_putu(&b, (uint64_t)self);
	fg_puts(&b, ".prom");
	fg_buf_init(&b, st.tmp, sizeof(st.tmp));
	fg_puts(&b, st.path);
	fg_puts(&b, ".tmp"); /* not *.prom: the collector skips it */
}

/*
 * Once per process: the file cannot be written (a directory that is
 * missing, not one, or not writable by this user; under systemd's
 * ProtectSystem=strict, one not in ReadWritePaths=).
 */
static void say_failed(const struct fg_config *c, int err)
{
	static char said;
	char line[FG_PATH_MAX + 192], json[FG_PATH_MAX + 320];
	struct fg_buf b;
	size_t n;

	if (__atomic_test_and_set(&said, __ATOMIC_RELAXED))
		return;
	fg_buf_init(&b, line, sizeof(line));
	fg_puts(&b, "forkguard: cannot write the metrics file ");
	fg_puts(&b, st.path);
	fg_puts(&b, " (");
	fg_puterrno(&b, err);
	fg_puts(&b, "): no metrics from this process; FORKGUARD_METRICS "
		    "must be a directory this user can write\n");
	n = b.at;
	if (c->format == FG_FORMAT_JSON &&
	    (n = fg_report_warning_json(getpid(), line, n, json, sizeof(json))))
		fg_log_write(c, json, n);
	else if (n)
		fg_log_write(c, line, n);
}

static void write_file(const struct fg_config *c, const struct fg_result *r)
{
	struct fg_metrics_view v;
	char buf[16384];
	size_t n;
	pid_t self = getpid();
	int fd;
	bool ok;

	if (st.owner != self) {
		if (st.owner && m == &fallback) /* a child: its own counts */
			memset(m, 0, sizeof(*m));
		st.owner = self;
		st.written = false;
		name_files(c, self);
	}
	memset(&v, 0, sizeof(v));
	snapshot(&v.m);
	memcpy(v.comm, st.comm, sizeof(v.comm));
	v.pid = self;
	v.start_ns = st.start_ns;
	v.pidns = st.pidns;
	v.labels = c->metrics_labels;
	if (r && r->verdict != FG_UNKNOWN) {
		v.have_margin = true;
		v.margin_kb = fg_eval_margin_kb(&r->ev);
		v.verdict = r->verdict;
	}
	n = fg_prom_process(&v, buf, sizeof(buf));
	if (!n)
		return;
	/* a name of ours, made afresh: never through a link left there */
	unlink(st.tmp);
	fd = open(st.tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		say_failed(c, errno);
		return;
	}
	ok = write(fd, buf, n) == (ssize_t)n || (errno = EIO, false);
	ok = (!close(fd) || (errno = EIO, false)) && ok;
	if (ok && !rename(st.tmp, st.path)) {
		st.written = true;
		return;
	}
	say_failed(c, errno);
	unlink(st.tmp);
}

static void write_now(const struct fg_config *c, const struct fg_result *r)
{
	if (st.owner != getpid()) {
		/* a new process: its namespace, for the file's label
		 * (forkguard metrics --prune removes only its own's) */
		st.pidns = fg_ns_inode(c->procfs, 0, "pid");
	}
	write_file(c, r);
}

bool fg_metrics_tick(void)
{
	int64_t now;

	if (!fg_metrics_on())
		return false;
	now = (int64_t)(fg_mono_ns() / 1000000000u);
	/* read only until due: a write after a fork is a page copied */
	return now >= __atomic_load_n(&st.next_s, __ATOMIC_RELAXED) &&
	       !__atomic_test_and_set(&st.writing, __ATOMIC_ACQUIRE);
}

void fg_metrics_write(const struct fg_result *r)
{
	const struct fg_config *c = fg_config();
	int64_t now = (int64_t)(fg_mono_ns() / 1000000000u);
	int err = errno;

	if (c) {
		__atomic_store_n(&st.next_s, now + (int64_t)st.interval,
				 __ATOMIC_RELAXED);
		write_now(c, r);
	}
	__atomic_clear(&st.writing, __ATOMIC_RELEASE);
	fg_errno_keep(err);
}

__attribute__((destructor)) static void fg_metrics_exit(void)
{
	int err = errno;

	if (fg_metrics_on() && st.written && st.owner == getpid())
		unlink(st.path);
	fg_errno_keep(err);
}
