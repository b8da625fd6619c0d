/*
 * guard.h - the decision flow around one fork-like call (guard.c).
 */
#ifndef FG_GUARD_H
#define FG_GUARD_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "event.h"

struct fg_guard {
	struct fg_event e;
	const struct fg_config *c;
	bool active;  /* a verdict was reached: report after */
	bool cow_due; /* the cow risk is to be reported (rate-limited) */
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
 * fg_guard_fork - the whole way for fork-like @fn (fork, _Fork): check,
 * diagnose, remedy, refuse (enforce: -1, ENOMEM), the real call, the
 * post-mortem and the report.  Returns @fn's result with its errno;
 * without @fn, -1 and ENOSYS.
 */
pid_t fg_guard_fork(pid_t (*fn)(void), const char *call);

/* fg_guard_daemon - the same around daemon(3); the child reports. */
int fg_guard_daemon(int (*fn)(int, int), int nochdir, int noclose);

/*
 * fg_guard_before - check, diagnose, remediate before @call.  Returns true
 * only when enforce mode refuses the call (the caller then fails it with
 * ENOMEM); false means: call the real function.
 */
bool fg_guard_before(struct fg_guard *g, const char *call);
/*
 * fg_guard_child - in the child, right after the call: under
 * FORKGUARD_COW=protect and a cow risk, raise its own oom_score_adj.
 */
void fg_guard_child(const struct fg_guard *g);
/* fg_guard_after - in the parent: post-mortem and report. */
void fg_guard_after(struct fg_guard *g, bool failed, int err);

/*
 * fg_guard_pass - the fast path's check: true when the check says ok and a
 * successful call would not be reported (nothing else to do before or
 * after it).  False sends the call the whole way.
 */
bool fg_guard_pass(void);

#endif /* FG_GUARD_H */
