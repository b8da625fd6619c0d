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

#define MAX_CHILDREN 16

struct child {
	pid_t pid;
	long born_us;
	uint64_t worst_kb, peak_kb, low_room_kb;
	int64_t oom_before;
	unsigned samples;
	long sample_us; /* total */
	bool seen;	/* in this round's list */
};

struct watch {
	const char *root, *sysfs;
	pid_t pid;
	bool json;
	struct fg_sys sys;
	struct child c[MAX_CHILDREN];
	unsigned n;
	char limit[FG_PATH_MAX + 64];
};

static bool alive(const char *root, pid_t pid)
{
	char buf[512], *p;

	if (fg_read(root, pid, "stat", buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static uint64_t private_dirty_kb(const char *root, pid_t pid, bool *ok)
{
	char buf[2048], *p;
	uint64_t v = 0;

	*ok = fg_read(root, pid, "smaps_rollup", buf, sizeof(buf)) > 0 &&
	      (p = strstr(buf, "\nPrivate_Dirty:")) &&
	      fg_parse_u64_prefix(p + 15, &v);
	return v;
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

/* Every child of w->pid: its tasks' children files. */
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

static void print_child(struct watch *w, const struct child *c,
			const struct fg_cow *now)
{
	long life_ms = (fg_now_us() - c->born_us) / 1000;
	int64_t kills = now->oom_kill_count >= 0 && c->oom_before >= 0
			    ? now->oom_kill_count - c->oom_before
			    : -1;
	unsigned pct = c->worst_kb ? (unsigned)(c->peak_kb * 100 / c->worst_kb)
				   : 0;
	long avg = c->samples ? c->sample_us / (long)c->samples : 0;
	char a[32], b[32], d[32];

	if (w->json) {
		printf("{\"event\":\"watch\",\"pid\":%d,\"child\":%d,"
		       "\"lifetime_ms\":%ld,\"peak_copy_kb\":%" PRIu64
		       ",\"worst_kb\":%" PRIu64 ",\"peak_pct\":%u,"
		       "\"lowest_headroom_kb\":",
		       (int)w->pid, (int)c->pid, life_ms, c->peak_kb,
		       c->worst_kb, pct);
		if (c->low_room_kb == FG_COW_NONE)
			fputs("null", stdout);
		else
			printf("%" PRIu64, c->low_room_kb);
		printf(",\"cow_limit\":\"%s\",\"oom_kills\":", w->limit);
		if (kills < 0)
			fputs("null", stdout);
		else
			printf("%" PRId64, kills);
		printf(",\"samples\":%u,\"sample_us\":%ld}\n", c->samples, avg);
	} else {
		printf("forkguard watch: %d forked %d: lived %ld ms, peak copy "
		       "%s (%u %% of the worst case %s), lowest headroom %s "
		       "(%s), OOM kills %s%" PRId64 "; %u samples of %ld us\n",
		       (int)w->pid, (int)c->pid, life_ms,
		       cli_size(c->peak_kb, a), pct, cli_size(c->worst_kb, b),
		       c->low_room_kb == FG_COW_NONE
			   ? "unlimited"
			   : cli_size(c->low_room_kb, d),
		       w->limit, kills < 0 ? "unknown " : "",
		       kills < 0 ? (int64_t)0 : kills, c->samples, avg);
	}
	fflush(stdout);
}

/* One round: sample every child; report and drop the gone ones. */
static unsigned round_once(struct watch *w)
{
	struct fg_cow now;
	struct fg_buf b;
	unsigned i, done = 0;

	cow_now(w, &now);
	fg_buf_init(&b, w->limit, sizeof(w->limit));
	fg_report_cow_limit(&b, &now);
	for (i = 0; i < w->n; i++)
		w->c[i].seen = false;
	list_children(w, &now);
	for (i = 0; i < w->n;) {
		struct child *c = &w->c[i];
		long t0 = fg_now_us();
		bool ok = false;
		uint64_t kb = c->seen && alive(w->root, c->pid)
				  ? private_dirty_kb(w->root, c->pid, &ok)
				  : 0;

		if (ok) {
			c->sample_us += fg_now_us() - t0;
			c->samples++;
			if (kb > c->peak_kb)
				c->peak_kb = kb;
			if (now.headroom_kb < c->low_room_kb)
				c->low_room_kb = now.headroom_kb;
			i++;
			continue;
		}
		print_child(w, c, &now);
		done++;
		w->c[i] = w->c[--w->n];
	}
	return done;
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
	struct watch w = { .root = "/proc", .sysfs = "/sys" };
	long interval = 250, count = 0, duration = 0, pid, reported = 0;
	long t0;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:n:d:jp:s:h", longopts, NULL)) !=
	       -1) {
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
		case 'h': fputs(usage, stdout); return FG_EXIT_OK;
		case ':':
			return cli_usage_error("watch", "%s needs an argument",
					       argv[optind - 1]);
		default:
			return cli_usage_error("watch", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !parse_num(argv[optind], INT_MAX, &pid) ||
	    pid < 1)
		return cli_usage_error("watch", "one PID is needed");
	w.pid = (pid_t)pid;
	if (fg_sys_read(w.root, &w.sys) && !w.sys.mem_total_kb)
		cli_error("watch", "cannot read the host's memory figures");
	if (!alive(w.root, w.pid)) {
		cli_error("watch", "%ld: no such process (or not readable)",
			  pid);
		return FG_EXIT_UNKNOWN;
	}
	t0 = fg_now_us();
	for (;;) {
		bool up = alive(w.root, w.pid);

		reported += round_once(&w);
		if ((count && reported >= count) || (!up && !w.n) ||
		    (duration && fg_now_us() - t0 >= duration * 1000000L))
			break;
		usleep((useconds_t)(interval * 1000));
	}
	return FG_EXIT_OK;
}
