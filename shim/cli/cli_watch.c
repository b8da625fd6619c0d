/*
 * cli_watch.c - `forkguard watch PID`: measure what a real fork copies.
 *
 * From outside, without the library: every interval (default 250 ms) it
 * lists PID's children (/proc/PID/task/TID/children, else a scan of /proc
 * for the parent pid), and samples each child's copied memory -- its
 * Private_Dirty in smaps_rollup, what Redis reports as the child's COW --
 * the cgroup's headroom and the host's MemAvailable (fg_cow_eval over
 * fg_memcg_read and /proc/meminfo).  When a child is gone (or a zombie) it
 * prints one line: how long it lived, its peak copy in kB and as a share of
 * the worst case (the parent's RssAnon when the child was first seen), the
 * lowest headroom, and the OOM kills counted in the cgroup meanwhile.
 * smaps_rollup walks the child's page tables: each sample's cost is
 * measured and printed (sample_us).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"
#include "cli.h"
#include "cli_watch_line.h"
#include "fmt.h"
#include "parse.h"
#include "report_cow.h"

static const char usage[] =
    "usage: forkguard watch [OPTIONS] PID\n"
    "\n"
    "Follow PID and each child it forks (a BGSAVE, say), sampling the\n"
    "child's copied memory (Private_Dirty), the memory cgroup's headroom\n"
    "and the host's MemAvailable; print one line per child when it exits.\n"
    "\n"
    "  -i, --interval MS      sampling interval (default 250)\n"
    "  -n, --count N          stop after N children were reported\n"
    "  -d, --duration S       stop after S seconds\n"
    "  -j, --json             one JSON object per child and line\n"
    "  -p, --procfs DIR       read DIR instead of /proc\n"
    "  -s, --sysfs DIR        read cgroups under DIR instead of /sys\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 (PID exited, or the bound was reached), 3 PID cannot\n"
    "be read, 64 usage error.\n";

/*
 * /proc/PID/stat: the state (fields 3), flags (9) and the fault counts
 * that reaping moves from a child to its parent (10-13: minflt, cminflt,
 * majflt, cmajflt).  false when unreadable.
 */
static bool stat_of(const char *root, pid_t pid, char *state,
		    unsigned long *flags, uint64_t *own, uint64_t *reaped)
{
	struct fg_stat st;

	if (fg_stat_read(root, pid, &st))
		return false;
	*state = st.state;
	*flags = st.flags;
	*own = st.minflt + st.cminflt + st.majflt + st.cmajflt;
	*reaped = st.cminflt + st.cmajflt;
	return true;
}

static bool alive(const char *root, pid_t pid)
{
	char s;
	unsigned long fl;
	uint64_t a, b;

	return stat_of(root, pid, &s, &fl, &a, &b) && s != 'Z' && s != 'X';
}

/* Private_Dirty of smaps_rollup, or -errno */
static int private_dirty_kb(const char *root, pid_t pid, uint64_t *kb)
{
	char buf[2048], *p;
	ssize_t n = fg_read(root, pid, "smaps_rollup", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return n > 0 && (p = strstr(buf, "\nPrivate_Dirty:")) &&
		       fg_parse_u64_prefix(p + 15, kb)
		   ? 0
		   : -ENODATA;
}

/* The parent's cow figures now: headroom, what binds, worst, OOM kills. */
static void cow_now(struct watch *w, struct fg_cow *c)
{
	char buf[4096];

	if (fg_read(w->root, -1, "meminfo", buf, sizeof(buf)) > 0)
		fg_parse_meminfo(buf, &w->sys);
	fg_cow_check(w->root, w->sysfs, w->pid, &w->sys, c);
}

static void track(struct watch *w, pid_t pid, const struct fg_cow *now)
{
	struct child *c;

	for (unsigned i = 0; i < w->n; i++)
		if (w->c[i].pid == pid) {
			w->c[i].seen = true;
			return;
		}
	if (w->n == MAX_CHILDREN)
		return;
	c = &w->c[w->n++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->born_us = fg_now_us();
	c->worst_kb = now->worst_kb;
	c->low_room_kb = now->headroom_kb;
	c->oom_before = now->oom_kill_count;
	c->seen = true;
}

static void children_file(struct watch *w, const char *path,
			  const struct fg_cow *now)
{
	char buf[4096], *p, *end;
	long v;

	if (fg_read_path(path, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf;; p = end) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v > 0 && v <= INT_MAX)
			track(w, (pid_t)v, now);
	}
}

/* Every child of w->pid, zombies included: its tasks' children files. */
static int list_children(struct watch *w, const struct fg_cow *now)
{
	char path[FG_PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (fg_path(path, sizeof(path), w->root, w->pid, "task"))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char rel[320];

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(rel, sizeof(rel), "task/%s/children", e->d_name);
		if (!fg_path(path, sizeof(path), w->root, w->pid, rel))
			children_file(w, path, now);
	}
	closedir(d);
	return 0;
}

/*
 * Children the list never showed: forked, exited and reaped between two
 * samples.  Reaping adds a child's fault counts (it faulted at least once:
 * its first write after the fork) to the parent's cminflt/cmajflt, so a
 * rise beyond what the reaped children we knew carried is at least one
 * child unseen.  Said only when each reaped child's final counts are known
 * (read from its zombie); a child that vanished between two samples
 * leaves the round undecided.
 */
static unsigned unseen(struct watch *w, uint64_t reaped_now, uint64_t known,
		       bool undecided)
{
	uint64_t rise = reaped_now - w->reaped_faults;

	w->reaped_faults = reaped_now;
	if (undecided || rise <= known)
		return 0;
	watch_print_unseen(w);
	return 1;
}

/* Sample one child; its line when it is over.  Returns 1 if printed. */
static unsigned sample(struct watch *w, struct child *c,
		       const struct fg_cow *now)
{
	char s = 0;
	unsigned long fl;
	uint64_t own, r, kb = 0;
	long t0 = fg_now_us();
	int err;

	if (!c->seen || !stat_of(w->root, c->pid, &s, &fl, &own, &r))
		s = 'X';
	else
		c->faults = own;
	if (s == 'Z') /* its counts are final: what reaping will add */
		c->final = true;
	if (c->reported)
		return 0;
	if (s == 'Z' || s == 'X') {
		watch_print_child(w, c,
				  c->err       ? UNREADABLE
				  : c->samples ? EXITED
					       : UNSAMPLED,
				  now);
		c->reported = true;
		return 1;
	}
	err = private_dirty_kb(w->root, c->pid, &kb);
	if (err == -EACCES || err == -EPERM)
		c->err = -err;
	if (err) /* or it exited since the stat: the next round says so */
		return 0;
	c->sample_us += fg_now_us() - t0;
	c->samples++;
	if (kb > c->peak_kb)
		c->peak_kb = kb;
	if (now->headroom_kb < c->low_room_kb)
		c->low_room_kb = now->headroom_kb;
	return 0;
}

/* One round: sample every child; report the gone ones, once each. */
static unsigned round_once(struct watch *w)
{
	struct fg_cow now;
	struct fg_buf b;
	unsigned i, done = 0;
	uint64_t own, reaped = w->reaped_faults, after = reaped, known = 0;
	unsigned long fl;
	bool undecided = false;
	char s;

	/* before the list: a child reaped after this read is still listed */
	if (!stat_of(w->root, w->pid, &s, &fl, &own, &reaped))
		undecided = true;
	cow_now(w, &now);
	fg_buf_init(&b, w->limit, sizeof(w->limit));
	fg_report_cow_limit(&b, &now);
	for (i = 0; i < w->n; i++)
		w->c[i].seen = false;
	list_children(w, &now);
	/* one reaped while we listed: this round cannot tell */
	if (!stat_of(w->root, w->pid, &s, &fl, &own, &after) || after != reaped)
		undecided = true;
	for (i = 0; i < w->n;) {
		struct child *c = &w->c[i];

		done += sample(w, c, &now);
		if (c->seen) {
			i++;
			continue;
		}
		/* reaped: its counts moved to the parent's */
		known += c->faults;
		undecided |= !c->final;
		w->c[i] = w->c[--w->n];
	}
	return done + unseen(w, after, known, undecided);
}

/* At the end: a child still running is said so, with its figures. */
static void report_running(struct watch *w)
{
	struct fg_cow now;

	cow_now(w, &now);
	for (unsigned i = 0; i < w->n; i++)
		if (!w->c[i].reported)
			watch_print_child(w, &w->c[i],
					  w->c[i].err ? UNREADABLE : RUNNING,
					  &now);
}

/* Can PID be watched?  FG_EXIT_OK, or the line and exit 3 when not. */
static int watchable(struct watch *w)
{
	char s = 0;
	unsigned long flags = 0;
	uint64_t own, kb;
	int err;

	if (!stat_of(w->root, w->pid, &s, &flags, &own, &w->reaped_faults) ||
	    s == 'X') {
		cli_error("watch", "%d: no such process (or not readable)",
			  (int)w->pid);
		return FG_EXIT_UNKNOWN;
	}
	if (s == 'Z' || (flags & FG_PF_KTHREAD)) {
		cli_error("watch",
			  "%d: not applicable: a %s has no memory map to fork",
			  (int)w->pid, s == 'Z' ? "zombie" : "kernel thread");
		return FG_EXIT_UNKNOWN;
	}
	/* its children have its credentials: unreadable here, there too */
	err = private_dirty_kb(w->root, w->pid, &kb);
	if (err == -EACCES || err == -EPERM) {
		cli_error("watch",
			  "%d: its memory cannot be read (%s): run watch as "
			  "its user or root",
			  (int)w->pid, fg_errno_name(err));
		return FG_EXIT_UNKNOWN;
	}
	return FG_EXIT_OK;
}

static int watch_loop(struct watch *w, long count, long duration)
{
	long reported = 0, t0 = fg_now_us();
	int rc = watchable(w);

	if (rc)
		return rc;
	for (;;) {
		bool up = alive(w->root, w->pid);

		reported += round_once(w);
		if ((count && reported >= count) || (!up && !w->n) ||
		    (duration && fg_now_us() - t0 >= duration * 1000000L))
			break;
		usleep((useconds_t)(w->interval * 1000));
	}
	report_running(w);
	return FG_EXIT_OK;
}

static bool parse_num(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return isdigit((unsigned char)*s) && !errno && !*end && *out <= max;
}

int cli_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "procfs", required_argument, NULL, 'p' },
		{ "sysfs", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts g = { "watch", ":i:n:d:jp:s:h", longopts, usage, 0 };
	struct watch w = { .root = "/proc", .sysfs = "/sys" };
	long interval = 250, count = 0, duration = 0, pid;
	int c;

	while ((c = cli_next_opt(&g, argc, argv)) > 0) {
		switch (c) {
		case 'i':
			if (!parse_num(optarg, 3600000, &interval) ||
			    interval < 1)
				return cli_usage_error("watch",
						       "--interval: 1..3600000 "
						       "ms, not '%s'",
						       optarg);
			break;
		case 'n':
			if (!parse_num(optarg, INT_MAX, &count) || count < 1)
				return cli_usage_error(
				    "watch", "--count: a positive number");
			break;
		case 'd':
			if (!parse_num(optarg, 31 * 86400, &duration) ||
			    duration < 1)
				return cli_usage_error(
				    "watch", "--duration: seconds, 1 or more");
			break;
		case 'j': w.json = true; break;
		case 'p': w.root = optarg; break;
		case 's': w.sysfs = optarg; break;
		}
	}
	if (c < 0)
		return g.status;
	if (optind + 1 != argc || !parse_num(argv[optind], INT_MAX, &pid) ||
	    pid < 1)
		return cli_usage_error("watch", "one PID is needed");
	w.pid = (pid_t)pid;
	w.interval = interval;
	if (fg_sys_read(w.root, &w.sys) && !w.sys.mem_total_kb)
		cli_error("watch", "cannot read the host's memory figures");
	return watch_loop(&w, count, duration);
}
