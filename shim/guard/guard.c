/*
 * guard.c - the decision flow around one fork-like call.
 *
 *   before:  check (fast, tiered) -> if risky, the exact diagnosis ->
 *            remediate and re-check (remediate mode) -> refuse (enforce)
 *   call:    the real function, untouched (interpose.c's table)
 *   child:   nothing (no write, no page touched: kept fds and locks know
 *            their owner pid and are renewed lazily), except under
 *            FORKGUARD_COW=protect after a cow risk: its oom_score_adj
 *            (FORKGUARD_COW=abort: refused during the back-off, or the
 *            parent's watcher thread follows the child: watcher.c)
 *   parent:  the post-mortem of a failed call (ENOMEM the model did not
 *            predict is a mismatch; EAGAIN gets the task limits), then
 *            the finished event to the sinks: the report (emit.c), if
 *            the level asks for it, and the metrics
 *
 * fg_guard_run is the one way for all four calls, and the one place that
 * keeps errno.  Fail open: if the guard cannot read or decide, the call
 * goes through exactly as without it.  The sinks get a finished event:
 * what a report shows that the check skipped is read here, before.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cow.h"
#include "config.h"
#include "emit.h"
#include "fastpath.h"
#include "fmt.h"
#include "forksafe.h"
#include "guard.h"
#include "identity.h"
#include "task_limits.h"
#include "metrics.h"
#include "policy.h"
#include "procfs.h"
#include "remedy.h"
#include "self.h"
#include "watcher.h"

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
	fg_puts(&b, " (");
	fg_puterrno(&b, err);
	fg_puts(&b, "); forks are not checked, they go through unchanged\n");
	fg_emit_warning(c, buf, b.at);
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
		fg_emit_warning(c, w, strlen(w));
	n = fg_remedy_missing(c, missing, sizeof(missing));
	if (n)
		fg_emit_warning(c, missing, n);
}

/* The event finished for the sinks: what the fast check skipped. */
static void finish(struct fg_guard *g)
{
	struct fg_result *r = &g->e.r;

	fg_result_complete(g->c->procfs, r);
	if (!r->task.comm[0])
		fg_comm_read(g->c->procfs, 0, r->task.comm,
			     sizeof(r->task.comm));
}

static void report(struct fg_guard *g)
{
	finish(g);
	fg_emit(g->c, &g->e);
}

/* The configuration, with what it settles for the fork-path check. */
static const struct fg_config *config(void)
{
	const struct fg_config *c = fg_config();

	if (c)
		fg_fast_settle(c->anon_charged, c->mode == FG_MODE_REMEDIATE);
	return c;
}

/* In the parent after a fork: the metrics file, when due, with the margin
 * of @r (NULL: of a check made now).  Out of line: a result is big. */
__attribute__((noinline)) static void metrics_write(const struct fg_result *r)
{
	const struct fg_config *c = config();
	struct fg_result now;

	if (!r && c && !fg_fast_check(c->procfs, c->rule, false, &now))
		r = &now;
	fg_metrics_write(r && r->verdict != FG_UNKNOWN ? r : NULL);
}

/* The tick in line: a quiet fork's stack stays short (the result's frame
 * reaches a page below; after a fork each page written again faults). */
static inline void metrics_tick(const struct fg_result *r)
{
	if (fg_metrics_tick())
		metrics_write(r);
}

bool fg_guard_off(void)
{
	const struct fg_config *c = fg_config();

	return !c || c->mode == FG_MODE_OFF || fg_second_copy();
}

bool fg_guard_before(struct fg_guard *g, const char *call)
{
	const struct fg_config *c = config();
	struct fg_event *e = &g->e;
	int rc;

	g->active = false;
	g->cow_due = false;
	g->c = c;
	if (!c || c->mode == FG_MODE_OFF || fg_second_copy())
		return false;
	config_warnings_once(c);
	fg_event_init(e, call);
	rc = fg_fast_check(c->procfs, c->rule, false, &e->r);
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
		g->cow_due = fg_cow_fork(c, &e->r.sys, &e->r.cow, &e->cow);
	/* the tiered check went as deep as it could: a risky verdict is
	 * exact, or smaps is unreadable */
	if (c->mode == FG_MODE_REMEDIATE && fg_verdict_risky(e->r.verdict)) {
		enum fg_verdict before = e->r.verdict;

		fg_remedy_run(c, e);
		e->verdict_before = before;
	} else if (fg_verdict_risky(e->r.verdict)) {
		fg_remedy_stats(e);
	}
	if ((c->mode == FG_MODE_ENFORCE && e->r.verdict == FG_FAIL) ||
	    e->cow.refuse) {
		e->refused = true;
		fg_metrics_refused(call, (uint64_t)e->check_us * 1000);
		report(g);
		metrics_tick(&e->r);
		return true;
	}
	fg_metrics_attempt(call, e->r.verdict, (uint64_t)e->check_us * 1000);
	return false;
}

/* Out of line: its result is big, and the fast path's stack stays short
 * (after a fork, each stack page written again is a fault).  A fork that
 * does not pass is checked again by the whole way. */
__attribute__((noinline)) static bool pass_checked(const struct fg_config *c)
{
	struct fg_result r;

	return !fg_fast_check(c->procfs, c->rule, false, &r) &&
	       r.verdict == FG_OK;
}

bool fg_guard_pass(void)
{
	const struct fg_config *c = config();
	uint64_t anon;
	unsigned kept;

	/* every fork reported, or every child followed: the whole way */
	if (!c || c->report == FG_REPORT_ALL ||
	    (c->cow == FG_COW_ABORT && c->cow_follow_all))
		return false;
	return (fg_fast_pass(c->procfs, &anon, &kept) || pass_checked(c)) &&
	       fg_cow_quick(c, anon, kept);
}

void fg_guard_child(const struct fg_guard *g)
{
	if (g && g->active && g->e.cow.protect)
		fg_cow_protect_child(g->c);
}

static void missed(const char *call, int err)
{
	struct fg_guard g;

	fg_metrics_failed(call, FG_OK, err); /* the fast path passed it */
	/* the state a moment after the fork; fg_guard_after then wants the
	 * exact charge (ENOMEM) or the task limits (EAGAIN) */
	g.c = config();
	g.active = false;
	g.cow_due = false;
	if (!g.c || g.c->mode == FG_MODE_OFF)
		return;
	fg_event_init(&g.e, call);
	if (fg_fast_check(g.c->procfs, g.c->rule, false, &g.e.r) ||
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
		fg_limits_read_at(c->procfs, c->sysfs, 0, &e->limits);
		e->have_limits = true;
	} else if (!failed && e->r.verdict == FG_FAIL) {
		e->mismatch = true;
	}
	if (report_due(g, failed))
		report(g);
	metrics_tick(&e->r);
}

/* --- the handlers and the calls --- */

/*
 * What the atfork handlers know, per thread.  Two sets of handlers:
 *   early, registered by our constructor, before the program's own: its
 *     prepare runs last (LIFO) and keeps errno as it is just before the
 *     fork; its parent handler runs first (FIFO) and sees errno just
 *     after it, before any other handler can change it.  A failure (errno
 *     changed to ENOMEM or EAGAIN) is only noted: other libraries' parent
 *     handlers have not run yet (jemalloc's still holds its locks).
 *   late, registered at the first fork: its parent handler runs after
 *     those, and explains the failure the early one noted.
 * Stores are made only when a value changes (after a fork each page
 * written is copied, this one too).  A call that goes the whole way
 * (fg_guard_run) marks itself with our pid: it explains its own failure.
 */
static __thread struct {
	int err;    /* errno just before the last fork */
	int failed; /* the early handler saw the fork fail with this */
	pid_t slow; /* a whole-way call is in progress in this process */
} pass __attribute__((tls_model("initial-exec")));
/* Where the registration of a set of handlers stands. */
enum handlers {
	HANDLERS_NONE,
	HANDLERS_REGISTERING,
	HANDLERS_READY,
	HANDLERS_FAILED
};
static int early, late; /* enum handlers */
/* a failed fork's errno is set before the parent handlers run */
static bool errno_seen;

static void pass_prepare(void)
{
	int err = errno;

	if (pass.err != err)
		pass.err = err;
}

static void pass_parent_early(void)
{
	int err = errno;

	if (err != pass.err && (err == ENOMEM || err == EAGAIN))
		pass.failed = err;
}

static void pass_parent_late(void)
{
	int err = errno, failed = pass.failed;

	if (!failed) {
		/* a clock read until a write is due; caches found stale */
		metrics_tick(NULL);
		if (fg_after_take())
			fg_cow_after(fg_config());
		fg_errno_keep(err);
		return; /* the fork succeeded */
	}
	pass.failed = 0;
	if (pass.slow != getpid())
		missed("fork", failed);
	fg_errno_keep(err);
}

/* Register a set once, whichever thread comes first. */
static void register_once(int *state, void (*prepare)(void),
			  void (*parent)(void))
{
	int err = errno;
	int expect = HANDLERS_NONE;

	if (!__atomic_compare_exchange_n(state, &expect, HANDLERS_REGISTERING,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(state,
			 pthread_atfork(prepare, parent, NULL) ? HANDLERS_FAILED
							       : HANDLERS_READY,
			 __ATOMIC_RELEASE);
	fg_errno_keep(err);
}

void fg_guard_init(bool fork_errno_seen)
{
	errno_seen = fork_errno_seen;
	if (!fg_guard_off()) { /* off: not even a handler */
		fg_self_init();
		register_once(&early, pass_prepare, pass_parent_early);
	}
	fg_remedy_init(fg_config());
	fg_metrics_init();
}

/* Kept out of line: its frame is gone before the fork. */
__attribute__((noinline)) bool fg_guard_fork_passes(void)
{
	int err = errno;
	uint64_t t0;
	bool ok;

	if (fg_guard_off())
		return true;
	t0 = fg_metrics_on() ? fg_metrics_clock() : 0;
	/* a failure must change errno for the handlers to see it */
	ok = errno_seen &&
	     __atomic_load_n(&early, __ATOMIC_ACQUIRE) == HANDLERS_READY &&
	     __atomic_load_n(&late, __ATOMIC_ACQUIRE) == HANDLERS_READY &&
	     err != ENOMEM && err != EAGAIN && fg_guard_pass();
	if (ok && t0) /* counted before the fork: see metrics.h */
		fg_metrics_attempt("fork", FG_OK, fg_metrics_clock() - t0);
	fg_errno_keep(err);
	return ok;
}

/* The parent's step after the real call returned @rc (errno @err). */
static void parent_step(struct fg_guard *g, enum fg_call_kind kind, long rc,
			int err)
{
	bool failed = kind == FG_CALL_DAEMON ? rc != 0 : rc < 0;

	/* a quiet success writes nothing (each page written after a fork
	 * is copied); the report goes before the watcher starts, which
	 * logs from its own thread */
	if (failed || (g->active && report_due(g, false)))
		fg_guard_after(g, failed, err);
	if (!failed && kind != FG_CALL_DAEMON && g->active && g->e.cow.follow)
		fg_follow_start(g->c, (pid_t)rc, &g->e);
}

/* Kept out of line: its frame (the verdict) is paid only when guarding. */
__attribute__((noinline)) long fg_guard_run(struct fg_call *call)
{
	struct fg_guard g;
	pid_t slow;
	long rc;
	int err = errno;

	if (!call->real) {
		errno = ENOSYS; /* no libc below us has this symbol */
		return -1;
	}
	/* after the allocator's handlers, registered by now: see pass
	 * (pthread_atfork is not async-signal-safe; neither is the first
	 * fork's configuration) */
	if (call->kind == FG_CALL_FORK &&
	    __atomic_load_n(&late, __ATOMIC_ACQUIRE) == HANDLERS_NONE)
		register_once(&late, NULL, pass_parent_late);
	if (fg_guard_before(&g, call->name)) {
		errno = ENOMEM;
		return -1;
	}
	call->g = &g;
	/* restored, not cleared: a fork from a signal handler nests */
	slow = pass.slow;
	pass.slow = getpid();
	fg_errno_keep(err);
	rc = call->real(call);
	if (rc == 0 && call->kind == FG_CALL_FORK) {
		/* the child: write nothing (after a fork each page written
		 * is copied, the stack's too) */
		fg_guard_child(&g);
		return 0;
	}
	/* the parent, or daemon's child (its parent has exited) */
	err = errno;
	pass.slow = slow;
	parent_step(&g, call->kind, rc, err);
	fg_errno_keep(err);
	return rc;
}
