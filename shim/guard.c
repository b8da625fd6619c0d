/*
 * guard.c - the decision flow around one fork-like call.
 *
 *   before:  check (fast, tiered) -> if risky, the exact diagnosis ->
 *            remediate and re-check (remediate mode) -> refuse (enforce)
 *   call:    the real fork, untouched
 *   after:   in the parent, the post-mortem of a failed fork (ENOMEM the
 *            model did not predict is a mismatch; EAGAIN gets the task
 *            limits), then one report if the level asks for it
 *   child:   nothing (no write, no page touched: kept fds and locks know
 *            their owner pid and are renewed lazily), except under
 *            FORKGUARD_COW=protect after a cow risk: its oom_score_adj
 *
 * Fail open: if the guard cannot read or decide, the call goes through
 * exactly as without it.  errno is restored by the caller (interpose.c).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "cow.h"
#include "fastpath.h"
#include "fmt.h"
#include "guard.h"
#include "log.h"
#include "metrics.h"
#include "remedy.h"

static bool risky(enum fg_verdict v)
{
	return v == FG_FAIL || v == FG_BORDERLINE;
}

/* A warning to the log: in JSON format, a JSON line too. */
static void warn_write(const struct fg_config *c, const char *text, size_t n)
{
	char buf[1536];

	if (c->format == FG_FORMAT_JSON) {
		n = fg_report_warning_json(getpid(), text, n, buf, sizeof(buf));
		text = buf;
	}
	if (n)
		fg_log_write(c, text, n);
}

static void warn_once(const struct fg_config *c, const char *what, int err)
{
	static char warned;
	char buf[256];
	struct fg_buf b;

	if (__atomic_test_and_set(&warned, __ATOMIC_RELAXED))
		return;
	fg_buf_init(&b, buf, sizeof(buf));
	fg_puts(&b, "forkguard: ");
	fg_puts(&b, what);
	fg_puts(&b, " (errno ");
	fg_puti(&b, -err);
	fg_puts(&b, "); forks are not checked, they go through unchanged\n");
	warn_write(c, buf, b.at);
}

static void config_warnings_once(const struct fg_config *c)
{
	static char done;
	char missing[384];
	const char *w;
	size_t n;

	/* load first: a store on every fork would be a fault on every fork */
	if (__atomic_load_n(&done, __ATOMIC_RELAXED) ||
	    __atomic_test_and_set(&done, __ATOMIC_RELAXED))
		return;
	w = fg_config_warnings();
	if (*w)
		warn_write(c, w, strlen(w));
	n = fg_remedy_missing(c, missing, sizeof(missing));
	if (n)
		warn_write(c, missing, n);
}

static void fill_task(struct fg_result *r, const char *root)
{
	char buf[32];
	size_t n;

	fg_result_complete(root, r);
	if (r->task.comm[0] || fg_read(root, 0, "comm", buf, sizeof(buf)) <= 0)
		return;
	n = strcspn(buf, "\n");
	if (n >= sizeof(r->task.comm))
		n = sizeof(r->task.comm) - 1;
	memcpy(r->task.comm, buf, n);
	r->task.comm[n] = '\0';
}

bool fg_guard_off(void)
{
	const struct fg_config *c = fg_config();

	return !c || c->mode == FG_MODE_OFF;
}

bool fg_guard_before(struct fg_guard *g, const char *call)
{
	const struct fg_config *c = fg_config();
	int rc;

	struct fg_event *e = &g->e;

	g->active = false;
	g->cow_due = false;
	g->c = c;
	if (!c || c->mode == FG_MODE_OFF)
		return false;
	config_warnings_once(c);
	fg_event_init(e, call);
	rc = fg_fast_check(c->procfs, (enum fg_rule)c->rule, false, &e->r);
	e->check_us = e->r.check_us;
	if (rc || e->r.verdict == FG_UNKNOWN) {
		warn_once(c, "cannot read the overcommit policy",
			  rc ? rc : -EINVAL);
		fg_metrics_attempt(call, FG_UNKNOWN,
				   (uint64_t)e->check_us * 1000);
		return false;
	}
	g->active = true;
	if (c->cow != FG_COW_OFF)
		g->cow_due = fg_cow_fork(c, &e->r.sys, &e->r.cow);
	if (risky(e->r.verdict) && !e->r.exact) {
		fg_fast_check(c->procfs, (enum fg_rule)c->rule, true, &e->r);
		e->check_us += e->r.check_us;
	}
	if (c->mode == FG_MODE_REMEDIATE && risky(e->r.verdict))
		fg_remedy_run(c, e);
	else if (risky(e->r.verdict))
		fg_remedy_stats(e);
	if (c->mode == FG_MODE_ENFORCE && e->r.verdict == FG_FAIL) {
		e->refused = true;
		fg_metrics_refused(call, (uint64_t)e->check_us * 1000);
		fg_guard_report(g);
		fg_metrics_tick();
		return true;
	}
	fg_metrics_attempt(call, e->r.verdict, (uint64_t)e->check_us * 1000);
	return false;
}

/* Out of line: its result is big, and the fast path's stack stays short
 * (after a fork, each stack page written again is a fault). */
__attribute__((noinline)) static bool pass_checked(const struct fg_config *c)
{
	struct fg_result r;

	return fg_fast_check(c->procfs, (enum fg_rule)c->rule, false, &r) ==
		   0 &&
	       r.verdict == FG_OK;
}

bool fg_guard_pass(void)
{
	const struct fg_config *c = fg_config();

	if (!c || c->report == FG_REPORT_ALL)
		return false;
	return (fg_fast_pass(c->procfs) || pass_checked(c)) && fg_cow_quick(c);
}

void fg_guard_child(const struct fg_guard *g)
{
	if (g->active && g->e.r.cow.protect)
		fg_cow_protect_child(g->c);
}

void fg_guard_missed(const char *call, int err)
{
	struct fg_guard g;

	fg_metrics_failed(call, FG_OK, err); /* the fast path passed it */
	/* the state a moment after the fork; fg_guard_after then wants the
	 * exact charge (ENOMEM) or the task limits (EAGAIN) */
	g.c = fg_config();
	g.active = false;
	g.cow_due = false;
	if (!g.c || g.c->mode == FG_MODE_OFF)
		return;
	fg_event_init(&g.e, call);
	if (fg_fast_check(g.c->procfs, (enum fg_rule)g.c->rule, false,
			  &g.e.r) ||
	    g.e.r.verdict == FG_UNKNOWN)
		return;
	g.e.check_us = g.e.r.check_us;
	g.e.read_after = true;
	g.active = true;
	fg_guard_after(&g, true, err);
}

/* Does this call get a report?  (A mismatch implies failed or not ok.) */
static bool report_due(const struct fg_guard *g, bool failed)
{
	const struct fg_event *e = &g->e;

	return g->c->report == FG_REPORT_ALL || e->r.verdict != FG_OK ||
	       failed || e->nattempts || g->cow_due;
}

bool fg_guard_quiet(const struct fg_guard *g)
{
	return !g->active || !report_due(g, false);
}

void fg_guard_after(struct fg_guard *g, bool failed, int err)
{
	const struct fg_config *c = g->c;
	struct fg_event *e = &g->e;

	if (failed && g->active && !e->read_after)
		fg_metrics_failed(e->call, e->r.verdict, err);
	if (!g->active)
		return;
	e->outcome_errno = failed ? err : 0;
	if (failed && err == ENOMEM) {
		e->mismatch = e->r.verdict == FG_OK;
		if (!e->r.exact) {
			/* the post-mortem wants the exact charge */
			struct fg_result again;

			fg_check(c->procfs, 0, c->rule, true, &again);
			if (again.verdict != FG_UNKNOWN) {
				again.cow = e->r.cow;
				e->r = again;
			}
		}
		if (!e->jemalloc.found)
			fg_remedy_stats(e);
	} else if (failed && err == EAGAIN) {
		fg_limits_read(c->procfs, 0, &e->limits);
		e->have_limits = true;
	} else if (!failed && e->r.verdict == FG_FAIL) {
		e->mismatch = true;
	}
	if (report_due(g, failed))
		fg_guard_report(g);
	fg_metrics_tick();
}

void fg_guard_report(struct fg_guard *g)
{
	const struct fg_config *c = g->c;
	char buf[8192];
	unsigned long dropped = fg_log_admit(c);
	size_t n;

	if (dropped == FG_LOG_DROP)
		return;
	fill_task(&g->e.r, c->procfs);
	if (c->format == FG_FORMAT_JSON)
		n = fg_event_json(&g->e, buf, sizeof(buf));
	else
		n = fg_event_text(&g->e, buf, sizeof(buf));
	if (dropped) {
		char note[96];
		struct fg_buf b;

		fg_buf_init(&b, note, sizeof(note));
		if (c->format == FG_FORMAT_JSON) {
			fg_puts(&b, "{\"event\":\"suppressed\",\"count\":");
			fg_putu(&b, dropped);
			fg_puts(&b, "}\n");
		} else {
			fg_puts(&b, "forkguard: ");
			fg_putu(&b, dropped);
			fg_puts(&b, " reports suppressed by the rate limit\n");
		}
		fg_log_write(c, note, b.at);
	}
	fg_log_write(c, buf, n);
}
