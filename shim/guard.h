/*
 * guard.h - the decision flow around one fork-like call (guard.c).
 */
#ifndef FG_GUARD_H
#define FG_GUARD_H

#include <stdbool.h>

#include "config.h"
#include "event.h"

struct fg_guard {
	struct fg_event e;
	const struct fg_config *c;
	bool active;  /* a verdict was reached: report after */
	bool cow_due; /* the cow risk is to be reported (rate-limited) */
};

/* fg_guard_off - true when the call must pass through untouched. */
bool fg_guard_off(void);

/*
 * fg_guard_before - check, diagnose, remediate before @call.  Returns true
 * only when enforce mode refuses the call (the caller then fails it with
 * ENOMEM); false means: call the real function.
 */
bool fg_guard_before(struct fg_guard *g, const char *call);
/*
 * fg_guard_quiet - after a successful call, fg_guard_after would neither
 * report nor record anything: the parent may skip it (and so write
 * nothing after the fork: every page written then is copied).
 */
bool fg_guard_quiet(const struct fg_guard *g);
/*
 * fg_guard_pass - the fast path's check: true when the check says ok and a
 * successful call would not be reported (nothing else to do before or
 * after it).  False sends the call the whole way (fg_guard_before).
 */
bool fg_guard_pass(void);
/*
 * fg_guard_missed - a call that fg_guard_pass let through failed with
 * @err: check again, then the post-mortem and its report.
 */
void fg_guard_missed(const char *call, int err);
/*
 * fg_guard_child - in the child, right after the call: under
 * FORKGUARD_COW=protect and a cow risk, raise its own oom_score_adj.
 */
void fg_guard_child(const struct fg_guard *g);
/* fg_guard_after - in the parent: post-mortem and report. */
void fg_guard_after(struct fg_guard *g, bool failed, int err);
/* fg_guard_report - write g->e to the sink (rate-limited). */
void fg_guard_report(struct fg_guard *g);

#endif /* FG_GUARD_H */
