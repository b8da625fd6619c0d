/*
 * cli_check_pids.c - `forkguard check PID...`: each process named, and
 * what --all shares with it: whether a process has a memory map at all,
 * whether its check gave a verdict worth printing, the report in the
 * format asked, and the exit status of a verdict.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "check.h"
#include "cli.h"
#include "cli_check_pids.h"
#include "cli_check_prom.h"
#include "fmt.h"
#include "parse.h"

int cli_check_status(enum fg_verdict v)
{
	switch (v) {
	case FG_OK: return FG_EXIT_OK;
	case FG_FAIL: return FG_EXIT_FAIL;
	case FG_BORDERLINE: return FG_EXIT_BORDERLINE;
	default: return FG_EXIT_UNKNOWN;
	}
}

/* The worse of two exit statuses: fail > borderline > unknown > ok. */
int cli_check_worse(int a, int b)
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
const char *cli_check_na(const char *root, pid_t pid)
{
	struct fg_stat st;

	if (fg_stat_read(root, pid, &st))
		return NULL;
	if (st.state == 'Z' || st.state == 'X')
		return "not applicable: a zombie has no memory map to fork";
	if (st.flags & FG_PF_KTHREAD)
		return "not applicable: a kernel thread has no memory map to "
		       "fork";
	return NULL;
}

/*
 * Why @r has no trustworthy verdict, or NULL if it has one.  A failing
 * total_vm bound that could not be refined (maps and smaps unreadable, or
 * the process exited meanwhile) proves nothing: it is not a verdict.
 */
const char *cli_check_no_verdict(int rc, const struct fg_result *r, char *why,
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

int cli_check_print(const struct fg_result *r, const struct cli_check_opts *o)
{
	char buf[16384];
	size_t n;

	if (o->prom) /* printed family by family at the end */
		return cli_prom_add(r);
	n = o->json ? fg_report_json(r, buf, sizeof(buf))
		    : fg_report_text(r, buf, sizeof(buf));
	if (!n)
		return -ENOSPC;
	return fwrite(buf, 1, n, stdout) == n ? 0 : -EIO;
}

bool cli_check_parse_pid(const char *s, pid_t *pid)
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

int cli_check_pids(const struct cli_check_opts *o, const struct fg_sys *s,
		   char **args, int n)
{
	struct fg_result r;
	const char *why;
	char reason[512];
	int i, rc, status = FG_EXIT_OK;
	pid_t pid;

	for (i = 0; i < n; i++) {
		cli_check_parse_pid(args[i], &pid);
		why = cli_check_na(o->root, pid);
		if (!why) {
			rc = fg_check_task(o->root, pid, s, o->exact, &r);
			if (!rc)
				fg_cow_check(o->root, o->sysfs, pid, s, &r.cow);
			why = cli_check_no_verdict(rc, &r, reason,
						   sizeof(reason));
		}
		if (why) {
			cli_error("check", "%s: %s", args[i], why);
			status = cli_check_worse(status, FG_EXIT_UNKNOWN);
			continue;
		}
		if (cli_check_print(&r, o)) {
			cli_error("check", "%s: cannot write the report",
				  args[i]);
			return FG_EXIT_UNKNOWN;
		}
		if (!o->json && !o->prom) {
			struct cli_forks f = { 0 };

			if (fg_procfs_live(o->root))
				cli_guard_say(o->root, pid, &f);
			cli_holds_say(&r.cow, &f);
		}
		status = cli_check_worse(status, cli_check_status(r.verdict));
	}
	return status;
}
