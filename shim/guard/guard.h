/*
 * guard.h - the decision flow around one fork-like call (guard.c), the
 * table of the real functions (interpose.c).
 */
#ifndef FG_GUARD_H
#define FG_GUARD_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "event.h"

/*
 * The real libc functions, resolved by interpose.c; a unit test sets them
 * to fakes (the seam of the fork entry).  NULL: not resolved yet.
 */
struct fg_real {
	pid_t (*fork)(void);
	pid_t (*_Fork)(void);
	int (*daemon)(int, int);
	int (*clone)(int (*)(void *), void *, int, void *, ...);
};
extern struct fg_real fg_real;

struct fg_guard {
	struct fg_event e;
	const struct fg_config *c;
	bool active;  /* a verdict was reached: report after */
	bool cow_due; /* the cow risk is to be reported (rate-limited) */
};

/* How a call's child goes on: as fork's, daemon's (the parent has exited:
 * the child reports), or clone's (a trampoline runs the child's step). */
enum fg_call_kind { FG_CALL_FORK, FG_CALL_DAEMON, FG_CALL_CLONE };

/* One interposed call, made by interpose.c and run by fg_guard_run. */
struct fg_call {
	const char *name; /* "fork", "_Fork", "daemon", "clone" */
	enum fg_call_kind kind;
	/* the real function with the call's own arguments; NULL when libc
	 * has none (the call then fails with ENOSYS) */
	long (*real)(struct fg_call *call);
	struct fg_guard *g; /* set by fg_guard_run: the child's step's */
};

/*
 * fg_guard_init - at load time, once the real functions are resolved:
 * registers the early fork handlers (not when off) and resolves the
 * allocators' symbols.  @fork_errno_seen: libc sets a failed fork's errno
 * before it runs the parent handlers (glibc; musl >= 1.2.2), without
 * which fork() never takes the fast path.
 */
void fg_guard_init(bool fork_errno_seen);

/* fg_guard_off - true when the call must pass through untouched. */
bool fg_guard_off(void);

/*
 * fg_guard_fork_passes - may fork() tail-call the real fork?  Yes when the
 * guard is off, or when the handlers can explain a failure and the check
 * says ok, quietly.  errno is kept.
 */
bool fg_guard_fork_passes(void);

/*
 * fg_guard_run - the whole way for @call: before (check, diagnose,
 * remedy, refuse: enforce returns -1 with ENOMEM without calling it),
 * the real call, then in the child its step (fg_guard_child) and in the
 * parent the post-mortem, the follow-up of the child, the report.  The
 * one place where errno is saved and restored: the caller sees the real
 * call's return value and errno; without a real function, -1 and ENOSYS.
 */
long fg_guard_run(struct fg_call *call);

/*
 * fg_guard_child - in a child, right after the call (fork, _Fork: in
 * fg_guard_run; clone: in its trampoline): under FORKGUARD_COW=protect
 * and a cow risk, raise its own oom_score_adj.  errno is kept.
 */
void fg_guard_child(const struct fg_guard *g);

/*
 * fg_guard_before - check, diagnose, remediate before @call.  Returns true
 * only when enforce mode refuses the call (the caller then fails it with
 * ENOMEM); false means: call the real function.
 */
bool fg_guard_before(struct fg_guard *g, const char *call);
/* fg_guard_after - in the parent: post-mortem and report. */
void fg_guard_after(struct fg_guard *g, bool failed, int err);

/*
 * fg_guard_pass - the fast path's check: true when the check says ok and a
 * successful call would not be reported (nothing else to do before or
 * after it).  False sends the call the whole way.
 */
bool fg_guard_pass(void);

#endif /* FG_GUARD_H */
