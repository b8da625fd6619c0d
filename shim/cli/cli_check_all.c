/*
 * cli_check_all.c - `forkguard check --all`: every process under the
 * procfs root, the risky ones listed largest charge first (a table, JSON
 * lines and a summary, or Prometheus text for every process), with the
 * rule they were measured against.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "check.h"
#include "cli.h"
#include "cli_check_all.h"
#include "cli_check_pids.h"
#include "report_rule.h"
#include "fmt.h"
#include "report_cow.h"

struct found {
	struct fg_result *v;
	size_t n, cap;
};

static int push(struct found *f, const struct fg_result *r)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct fg_result *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = *r;
	return 0;
}

/* --all --json's last line, in fmt.h's buffer */
static void print_summary(unsigned checked, unsigned fail, size_t borderline,
			  unsigned unreadable, unsigned na, long ms, int status)
{
	char line[256];
	struct fg_buf b;

	fg_buf_init(&b, line, sizeof(line));
	fg_putc(&b, '{');
	fg_json_s(&b, "event", "summary");
	fg_json_u(&b, "checked", checked);
	fg_json_u(&b, "fail", fail);
	fg_json_u(&b, "borderline", borderline);
	fg_json_u(&b, "not_evaluated", unreadable);
	fg_json_u(&b, "not_applicable", na);
	fg_json_key(&b, "ms");
	fg_puti(&b, ms);
	fg_json_key(&b, "exit");
	fg_puti(&b, status);
	fg_puts(&b, "}\n");
	fwrite(line, 1, b.at, stdout);
}

static int by_charge(const void *a, const void *b)
{
	const struct fg_result *x = a, *y = b;

	if (x->ev.charge_pages != y->ev.charge_pages)
		return x->ev.charge_pages < y->ev.charge_pages ? 1 : -1;
	return x->task.pid < y->task.pid ? -1 : x->task.pid > y->task.pid;
}

/* One line on the rule every listed process was measured against. */
static void print_rule(const struct fg_sys *s)
{
	char line[512];
	struct fg_buf b;

	fg_buf_init(&b, line, sizeof(line));
	fg_describe_rule_line(&b, s);
	fputs(line, stdout);
}

static void print_table(const struct found *f, const struct fg_sys *s)
{
	char c[32], l[32], v[32], r[32];
	size_t i;

	print_rule(s);
	if (!f->n)
		return;
	printf("%-8s %-16s %-10s %10s %10s %10s %10s %s\n", "PID", "COMM",
	       "VERDICT", "CHARGE", "LARGEST", "VSZ", "RSS", "TIER");
	for (i = 0; i < f->n; i++) {
		const struct fg_result *x = &f->v[i];
		uint64_t pk = x->ev.page_kb;

		printf("%-8d %-16s %-10s %10s %10s %10s %10s %s\n",
		       (int)x->task.pid, x->task.comm[0] ? x->task.comm : "?",
		       fg_verdict_name(x->verdict),
		       cli_size(x->ev.charge_pages * pk, c),
		       cli_size(x->ev.largest_pages * pk, l),
		       cli_size(x->task.vsz_kb, v), cli_size(x->task.rss_kb, r),
		       fg_tier_name(x->tier));
	}
}

/* "PID (comm)" of the first processes that could not be evaluated */
static void name_unread(const char *root, pid_t pid, char *out, unsigned nth)
{
	char comm[32] = "?";
	size_t at = strlen(out);

	if (nth >= 8) {
		if (nth == 8 && at + 8 < 512)
			strcpy(out + at, ", ...");
		return;
	}
	if (fg_read(root, pid, "comm", comm, sizeof(comm)) > 0)
		comm[strcspn(comm, "\n")] = '\0';
	snprintf(out + at, 512 - at, "%s%d (%s)", nth ? ", " : "", (int)pid,
		 comm);
}

/* the copy-on-write view: the processes whose fork's copies may not fit */
static void print_cow(const struct found *c)
{
	char w[32], h[32];
	struct fg_buf b;
	char limit[FG_PATH_MAX + 64];

	if (!c->n)
		return;
	printf("copy-on-write at risk (a fork's copies may not fit):\n");
	printf("%-8s %-16s %10s %10s %s\n", "PID", "COMM", "WORST", "HEADROOM",
	       "LIMIT");
	for (size_t i = 0; i < c->n; i++) {
		const struct fg_result *x = &c->v[i];

		fg_buf_init(&b, limit, sizeof(limit));
		fg_report_cow_limit(&b, &x->cow);
		printf("%-8d %-16s %10s %10s %s\n", (int)x->task.pid,
		       x->task.comm[0] ? x->task.comm : "?",
		       cli_size(x->cow.worst_kb, w),
		       x->cow.headroom_kb == FG_COW_NONE
			   ? "unlimited"
			   : cli_size(x->cow.headroom_kb, h),
		       limit);
	}
}

int cli_check_all(const struct cli_check_opts *o, const struct fg_sys *s)
{
	struct found f = { 0 }, cow = { 0 };
	char unread[512] = "";
	struct fg_result r;
	struct dirent *e;
	char reason[512];
	unsigned checked = 0, unreadable = 0, nfail = 0, na = 0;
	long t0 = fg_now_us();
	int rc, status = FG_EXIT_OK;
	size_t i;
	pid_t pid;
	DIR *d = opendir(o->root);

	if (!d) {
		cli_error("check", "cannot list %s: %s", o->root,
			  strerror(errno));
		return FG_EXIT_UNKNOWN;
	}
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    !cli_check_parse_pid(e->d_name, &pid))
			continue;
		if (cli_check_na(o->root, pid)) {
			na++;
			continue;
		}
		rc = fg_check_task(o->root, pid, s, o->exact, &r);
		if (rc == -ENOENT || rc == -ESRCH)
			continue; /* exited since readdir */
		checked++;
		if (cli_check_no_verdict(rc, &r, reason, sizeof(reason))) {
			name_unread(o->root, pid, unread, unreadable++);
			continue;
		}
		fg_cow_check(o->root, o->sysfs, pid, s, &r.cow);
		if (o->prom && r.task.vsz_kb && cli_check_print(&r, o))
			status = FG_EXIT_UNKNOWN;
		if (r.cow.verdict == FG_COW_RISK && push(&cow, &r))
			r.verdict = FG_UNKNOWN; /* out of memory: below */
		if (r.verdict == FG_OK)
			continue;
		if (r.verdict == FG_UNKNOWN || push(&f, &r)) {
			cli_error("check", "out of memory");
			closedir(d);
			free(f.v);
			free(cow.v);
			return FG_EXIT_UNKNOWN;
		}
	}
	closedir(d);
	qsort(f.v, f.n, sizeof(*f.v), by_charge);
	for (i = 0; i < f.n; i++) {
		status = cli_check_worse(status,
					 cli_check_status(f.v[i].verdict));
		nfail += f.v[i].verdict == FG_FAIL;
	}
	if (unreadable)
		status = cli_check_worse(status, FG_EXIT_UNKNOWN);
	if (o->prom) {
		/* printed as they were read */
	} else if (o->json) {
		for (i = 0; i < f.n; i++)
			if (cli_check_print(&f.v[i], o))
				status = FG_EXIT_UNKNOWN;
		print_summary(checked, nfail, f.n - nfail, unreadable, na,
			      (fg_now_us() - t0 + 500) / 1000, status);
	} else {
		print_table(&f, s);
		print_cow(&cow);
		printf("%u processes checked in %ld ms: %u would fail, %zu "
		       "borderline, %u could not be evaluated; %u not "
		       "applicable (zombies, kernel threads)\n",
		       checked, (fg_now_us() - t0 + 500) / 1000, nfail,
		       f.n - nfail, unreadable, na);
	}
	if (unreadable)
		cli_error("check",
			  "%u processes could not be evaluated (their maps are "
			  "not readable by this user, or they changed during "
			  "the check): %s; run as root to see them",
			  unreadable, unread);
	free(f.v);
	free(cow.v);
	return status;
}
