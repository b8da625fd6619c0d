/*
 * check.c - snapshot + verdict, tiered so a safe fork costs almost nothing.
 *
 * Tier 1 (statm): total_vm bounds both the largest VMA and the sum of all
 * charges; if even that bound passes, the fork passes.  Tier 2 (maps):
 * every private mapping counted as accountable, still an upper bound, no
 * page-table walk.  Tier 3 (smaps): the kernel's own VmFlags (ac, dc), the
 * exact charge; only when the bounds do not clear the limit or a diagnosis
 * is wanted.
 *
 * Stateless: fg_check() reads everything afresh (the CLI, any pid); the
 * fork path's cache in front of it is fastpath.c.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "policy.h"
#include "procfs.h"

/* One pass over the VMAs into r->ev; 0 or -errno. */
static int walk(const char *root, pid_t pid, enum fg_walk how,
		struct fg_result *r)
{
	fg_eval_begin(&r->ev, &r->sys, &r->task);
	return fg_vmas_walk(root, pid, how, &r->ev);
}

void fg_evaluate(const char *root, pid_t pid, bool full, struct fg_result *r)
{
	int rc;

	if (!full) {
		fg_eval_begin(&r->ev, &r->sys, &r->task);
		fg_eval_bound(&r->ev, r->task.vsz_kb);
		r->tier = FG_TIER_STATM;
		r->verdict = fg_eval_verdict(&r->ev);
		if (r->verdict == FG_OK || r->verdict == FG_UNKNOWN)
			return;
		if (!walk(root, pid, FG_WALK_BOUND, r)) {
			r->tier = FG_TIER_MAPS;
			r->verdict = fg_eval_verdict(&r->ev);
			if (r->verdict == FG_OK)
				return;
		}
	}
	rc = walk(root, pid, FG_WALK_EXACT, r);
	if (!rc) {
		r->tier = FG_TIER_SMAPS;
		r->exact = true;
		r->verdict = fg_eval_verdict(&r->ev);
		return;
	}
	r->read_error = rc == -ENOTSUP || rc == -ENOENT ? 0 : rc;
	if (!walk(root, pid, FG_WALK_ESTIMATE, r)) {
		r->tier = FG_TIER_ESTIMATE;
		r->verdict = fg_eval_verdict(&r->ev);
		return;
	}
	/* nothing but total_vm: a failing bound proves nothing */
	fg_eval_begin(&r->ev, &r->sys, &r->task);
	fg_eval_bound(&r->ev, r->task.vsz_kb);
	r->tier = FG_TIER_STATM;
	r->verdict = fg_eval_verdict(&r->ev) == FG_OK ? FG_OK : FG_BORDERLINE;
}

void fg_result_init(struct fg_result *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict = FG_UNKNOWN;
}

int fg_check(const char *root, pid_t pid, enum fg_rule rule, bool full,
	     struct fg_result *r)
{
	long t0 = fg_now_us();
	struct fg_sys s;
	int rc;

	rc = fg_sys_read(root, &s);
	if (rc) {
		fg_result_init(r);
		r->sys = s;
		r->read_error = rc;
		r->check_us = fg_now_us() - t0;
		return rc;
	}
	if ((unsigned)rule < FG_RULE_COUNT)
		s.rule = rule;
	rc = fg_check_task(root, pid, &s, full, r);
	r->check_us = fg_now_us() - t0;
	return rc;
}

int fg_check_task(const char *root, pid_t pid, const struct fg_sys *s,
		  bool full, struct fg_result *r)
{
	long t0 = fg_now_us();
	int rc;

	fg_result_init(r);
	r->sys = *s;
	rc = fg_task_read(root, pid, &r->task);
	if (rc) {
		r->read_error = rc;
		r->check_us = fg_now_us() - t0;
		return rc;
	}
	fg_evaluate(root, pid, full, r);
	r->check_us = fg_now_us() - t0;
	return 0;
}
