/*
 * cli_check.c - `forkguard check`: evaluate running processes from outside.
 *
 * The same tiered check the library runs before a fork (fg_check_task:
 * statm bound, then maps, then smaps only when the bounds do not clear the
 * limit), applied to another process through /proc/PID, and rendered by
 * the library's own fg_report_text / fg_report_json with call "check".
 * The host's facts are read once per invocation, so `--all` costs one
 * status + statm read per process on a host in a safe state.
 *
 * Exit status: 0 pass, 1 fail, 2 borderline, 3 could not evaluate; with
 * several processes the worst, where fail > borderline > could not
 * evaluate > pass (a predicted failure is the most urgent news).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "check.h"
#include "cli.h"
#include "describe.h"
#include "fmt.h"
#include "prom.h"

static const char usage[] =
    "usage: forkguard check [OPTIONS] PID...\n"
    "       forkguard check [OPTIONS] --all\n"
    "\n"
    "Evaluate, from outside, whether each process's fork would pass the\n"
    "kernel's overcommit check now, and print the diagnosis the library\n"
    "would log.  Root may check any process, a user its own.\n"
    "\n"
    "  -a, --all              every process whose fork would fail or is\n"
    "                         borderline, largest charge first\n"
    "  -j, --json             one JSON object per process and line (the\n"
    "                         library's keys, \"call\":\"check\")\n"
    "  -f, --format FMT       text (default), json (= --json) or\n"
    "                         prometheus: per process its margin to the\n"
    "                         binding limit and its verdict; with --all,\n"
    "                         every process, not only the risky ones\n"
    "  -e, --exact            always read smaps for the exact charge\n"
    "  -p, --procfs DIR       read DIR instead of /proc (recorded "
    "snapshots;\n"
    "                         PID may then be `self`)\n"
    "  -s, --sysfs DIR        read cgroups and THP under DIR instead of\n"
    "                         /sys (the copy-on-write headroom)\n"
    "  -k, --kernel-rule R    apply rule R instead of the one for the\n"
    "                         kernel release: <=3.0 3.1-3.9 3.10-4.16\n"
    "                         4.17-5.1 5.2+\n"
    "      --anon-charged     state that no anonymous mapping of these\n"
    "                         processes is MAP_NORESERVE or MADV_DONTFORK\n"
    "                         (kernels before 3.8 do not show it)\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 would pass, 1 would fail, 2 borderline, 3 could not\n"
    "evaluate (the reason is on stderr; a zombie or a kernel thread is\n"
    "\"not applicable\": it has no memory map); several processes: the\n"
    "worst, fail > borderline > could not evaluate > pass, with --all\n"
    "too (processes this user cannot read count as could not evaluate);\n"
    "64 usage error.  --all --json ends with one summary object.\n";

struct opts {
	bool json, prom, all, exact, anon_charged;
	const char *root, *sysfs;
	enum fg_rule rule;
};

static int status_of(enum fg_verdict v)
{
	switch (v) {
	case FG_OK: return FG_EXIT_OK;
	case FG_FAIL: return FG_EXIT_FAIL;
	case FG_BORDERLINE: return FG_EXIT_BORDERLINE;
	default: return FG_EXIT_UNKNOWN;
	}
}

/* The worse of two exit statuses: fail > borderline > unknown > ok. */
static int worse(int a, int b)
{
	static const int rank[] = { [FG_EXIT_OK] = 0,
				    [FG_EXIT_UNKNOWN] = 1,
				    [FG_EXIT_BORDERLINE] = 2,
				    [FG_EXIT_FAIL] = 3 };

	return rank[b] > rank[a] ? b : a;
}

static const char *errname(int err)
{
	static char num[24];
	const char *n = fg_errno_name(err);

	if (n)
		return n;
	snprintf(num, sizeof(num), "errno %d", err < 0 ? -err : err);
	return num;
}

/*
 * A process without a memory map forks nothing the overcommit check
 * counts: a zombie (state Z or X) or a kernel thread (PF_KTHREAD in the
 * flags of /proc/PID/stat).  The reason, or NULL when it has one.
 */
#define FG_PF_KTHREAD 0x00200000UL

static const char *not_applicable(const char *root, pid_t pid)
{
	char buf[1024], *p;
	unsigned long flags = 0;
	char state = 0;
	ssize_t n = fg_read(root, pid, "stat", buf, sizeof(buf));

	if (n <= 0 || !(p = strrchr(buf, ')')))
		return NULL;
	if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) < 1)
		return NULL;
	if (state == 'Z' || state == 'X')
		return "not applicable: a zombie has no memory map to fork";
	if (flags & FG_PF_KTHREAD)
		return "not applicable: a kernel thread has no memory map to "
		       "fork";
	return NULL;
}

/*
 * Why @r has no trustworthy verdict, or NULL if it has one.  A failing
 * total_vm bound that could not be refined (maps and smaps unreadable, or
 * the process exited meanwhile) proves nothing: it is not a verdict.
 */
static const char *no_verdict(int rc, const struct fg_result *r, char *why,
			      size_t len)
{
	char vsz[32], lim[32];
	int err = rc ? rc : r->read_error;

	if (rc == -ENOENT || rc == -ESRCH)
		return "no such process";
	if (rc == -EACCES || rc == -EPERM)
		return "permission denied reading its /proc files "
		       "(run as root or as its owner)";
	if (rc) {
		snprintf(why, len, "cannot read its /proc files: %s (%s)",
			 strerror(-rc), errname(rc));
		return why;
	}
	if (r->verdict == FG_UNKNOWN)
		return "no verdict: the overcommit mode is not 0, 1 or 2";
	if (r->tier != FG_TIER_STATM || r->verdict == FG_OK)
		return NULL;
	cli_size(r->task.vsz_kb, vsz);
	cli_size(r->ev.limit_pages * r->ev.page_kb, lim);
	if (err == -EACCES || err == -EPERM)
		snprintf(why, len,
			 "permission denied reading its maps and smaps (run "
			 "as root or as its owner); its VSZ %s alone does "
			 "not clear the limit %s",
			 vsz, lim);
	else if (err)
		snprintf(why, len,
			 "cannot read its maps and smaps (%s, %s); its VSZ %s "
			 "alone does not clear the limit %s",
			 strerror(-err), errname(err), vsz, lim);
	else
		snprintf(why, len,
			 "it exited or unmapped everything during the check");
	return why;
}

static int print_result(const struct fg_result *r, const struct opts *o)
{
	struct fg_prom_task t = { r->task.pid, r->task.comm, r->verdict, true,
				  fg_eval_margin_kb(&r->ev) };
	char buf[16384];
	size_t n = o->prom   ? fg_prom_host_task(&t, buf, sizeof(buf))
		   : o->json ? fg_report_json(r, buf, sizeof(buf))
			     : fg_report_text(r, buf, sizeof(buf));

	if (!n)
		return -ENOSPC;
	return fwrite(buf, 1, n, stdout) == n ? 0 : -EIO;
}

static bool parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!strcmp(s, "self")) {
		*pid = 0;
		return true;
	}
	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

static int check_pids(const struct opts *o, const struct fg_sys *s, char **args,
		      int n)
{
	struct fg_result r;
	const char *why;
	char reason[512];
	int i, rc, status = FG_EXIT_OK;
	pid_t pid;

	for (i = 0; i < n; i++) {
		parse_pid(args[i], &pid);
		why = not_applicable(o->root, pid);
		if (!why) {
			rc = fg_check_task(o->root, pid, s, o->exact, &r);
			if (!rc)
				fg_cow_check(o->root, o->sysfs, pid, s, &r.cow);
			why = no_verdict(rc, &r, reason, sizeof(reason));
		}
		if (why) {
			cli_error("check", "%s: %s", args[i], why);
			status = worse(status, FG_EXIT_UNKNOWN);
			continue;
		}
		if (print_result(&r, o)) {
			cli_error("check", "%s: cannot write the report",
				  args[i]);
			return FG_EXIT_UNKNOWN;
		}
		if (!o->json && !o->prom && fg_procfs_live(o->root))
			cli_guard_say(o->root, pid);
		status = worse(status, status_of(r.verdict));
	}
	return status;
}

/* --- --all --- */

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

static int check_all(const struct opts *o, const struct fg_sys *s)
{
	struct found f = { 0 };
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
		    !parse_pid(e->d_name, &pid))
			continue;
		if (not_applicable(o->root, pid)) {
			na++;
			continue;
		}
		rc = fg_check_task(o->root, pid, s, o->exact, &r);
		if (rc == -ENOENT || rc == -ESRCH)
			continue; /* exited since readdir */
		checked++;
		if (no_verdict(rc, &r, reason, sizeof(reason))) {
			unreadable++;
			continue;
		}
		if (o->prom && r.task.vsz_kb && print_result(&r, o))
			status = FG_EXIT_UNKNOWN;
		if (r.verdict == FG_OK)
			continue;
		if (push(&f, &r)) {
			cli_error("check", "out of memory");
			closedir(d);
			free(f.v);
			return FG_EXIT_UNKNOWN;
		}
	}
	closedir(d);
	qsort(f.v, f.n, sizeof(*f.v), by_charge);
	for (i = 0; i < f.n; i++) {
		status = worse(status, status_of(f.v[i].verdict));
		nfail += f.v[i].verdict == FG_FAIL;
	}
	if (unreadable)
		status = worse(status, FG_EXIT_UNKNOWN);
	if (o->prom) {
		/* printed as they were read */
	} else if (o->json) {
		for (i = 0; i < f.n; i++)
			if (print_result(&f.v[i], o))
				status = FG_EXIT_UNKNOWN;
		printf("{\"event\":\"summary\",\"checked\":%u,\"fail\":%u,"
		       "\"borderline\":%zu,\"not_evaluated\":%u,"
		       "\"not_applicable\":%u,\"ms\":%ld,\"exit\":%d}\n",
		       checked, nfail, f.n - nfail, unreadable, na,
		       (fg_now_us() - t0 + 500) / 1000, status);
	} else {
		print_table(&f, s);
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
			  "the check); run as root to see them",
			  unreadable);
	free(f.v);
	return status;
}

int cli_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "exact", no_argument, NULL, 'e' },
		{ "procfs", required_argument, NULL, 'p' },
		{ "sysfs", required_argument, NULL, 's' },
		{ "kernel-rule", required_argument, NULL, 'k' },
		{ "anon-charged", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .root = "/proc",
			  .sysfs = "/sys",
			  .rule = FG_RULE_RUNNING };
	struct fg_sys s;
	pid_t pid;
	int c, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ajf:ep:s:k:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'a': o.all = true; break;
		case 'j': o.json = true; break;
		case 'f':
			o.json = !strcmp(optarg, "json");
			o.prom = !strcmp(optarg, "prometheus");
			if (!o.json && !o.prom && strcmp(optarg, "text"))
				return cli_usage_error(
				    "check",
				    "unknown format '%s': expected "
				    "text, json or prometheus",
				    optarg);
			break;
		case 'e': o.exact = true; break;
		case 'p': o.root = optarg; break;
		case 'A': o.anon_charged = true; break;
		case 's': o.sysfs = optarg; break;
		case 'k':
			o.rule = cli_parse_rule("check", optarg);
			if (o.rule == FG_RULE_COUNT)
				return FG_EXIT_USAGE;
			break;
		case 'h': fputs(usage, stdout); return FG_EXIT_OK;
		case ':':
			return cli_usage_error("check", "%s needs an argument",
					       argv[optind - 1]);
		default:
			return cli_usage_error("check", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (!o.root[0])
		return cli_usage_error("check", "--procfs needs a directory");
	if (o.all && optind < argc)
		return cli_usage_error("check", "--all takes no PID");
	if (!o.all && optind == argc)
		return cli_usage_error("check", "no PID given (or --all)");
	for (i = optind; i < argc; i++)
		if (!parse_pid(argv[i], &pid))
			return cli_usage_error("check", "'%s' is not a PID",
					       argv[i]);
	if (cli_sys_read("check", o.root, o.rule, &s))
		return FG_EXIT_UNKNOWN;
	s.anon_charged = o.anon_charged;
	if (o.prom) {
		char head[512];
		size_t n = fg_prom_host_head(head, sizeof(head));

		fwrite(head, 1, n, stdout);
	}
	c = o.all ? check_all(&o, &s)
		  : check_pids(&o, &s, argv + optind, argc - optind);
	if (fflush(stdout)) {
		cli_error("check", "cannot write the report: %s",
			  strerror(errno));
		return FG_EXIT_UNKNOWN;
	}
	return c;
}
