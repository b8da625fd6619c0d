/*
 * fastpath.h - the fork path's cached check (fastpath.c), library only.
 */
#ifndef FG_FASTPATH_H
#define FG_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "forkguard.h"

/* how long the cached base decides any fork (fastpath.c's top) */
#define FG_FAST_WINDOW_US 1000000L
/* in windows: how old a base may grow for a fork far below its limits */
#define FG_FAST_FAR 10
/* a fork of at most this fraction of what a base past FG_FAST_FAR windows
 * passes, in a process that forks seldom, may skip its renewal */
#define FG_FAST_SPARE 4

/*
 * fg_fast_check - the fork-path check with kept fds and cached constants;
 * same contract as fg_check() for the calling process.
 */
int fg_fast_check(const char *root, enum fg_rule forced, bool full,
		  struct fg_result *r);
/*
 * fg_fast_renew - read the base again when it is older than @older_us
 * (overcommit_memory and one pread of the kept meminfo; all of it for the
 * rules that read the sysctls), as after a fork in the parent.  No heap;
 * errno is kept.
 */
void fg_fast_renew(const char *root, enum fg_rule forced, long older_us);
/*
 * fg_fast_after - after a fork, in the parent (the atfork handler):
 * fg_fast_renew() past a window when the forks come less than a window
 * apart, else past FG_FAST_FAR windows.
 */
void fg_fast_after(const char *root, enum fg_rule forced);
/* fg_fast_seldom - fg_seldom() of FG_FAST_FAR windows (self.h) */
bool fg_fast_seldom(void);
/* fg_fast_window - the window in us; fg_fast_set_window - for tests */
long fg_fast_window(void);
void fg_fast_set_window(long us);
/*
 * fg_fast_anon - RssAnon in pages read now through statm's kept fd (one fd
 * per file), and kept for the forks that follow; false: unreadable.
 */
bool fg_fast_anon(const char *root, uint64_t *anon);
/* what fg_fast_pass() sets *anon to when it has none */
#define FG_ANON_UNREAD UINT64_MAX

/*
 * fg_fast_pass - the fork path's first step: true when the cached policy
 * and the process's size prove the calling process's fork passes.  The
 * size is statm as a fork of this process read it (size.c), when that is
 * at most a window old and half of the bound or less, or at most
 * FG_FAST_FAR windows old and a quarter, else read now (with a base older
 * than the window, everything by half: see fastpath.c).  RssAnon in pages
 * goes to @anon for the cow check (FG_ANON_UNREAD: none); @kept is 0 when
 * it was read now, else how many times over to count an earlier fork's
 * figure (2 up to a window old, 4 older).  Reads only, stores nothing of
 * its own but on the wiped page, uses a few hundred bytes of stack.
 * False: fg_fast_check() decides.
 */
bool fg_fast_pass(const char *root, uint64_t *anon, unsigned *kept);
/*
 * fg_fast_sys - the host facts the fork path read at most @older_us ago
 * into @s; false when there are none that fresh (then read them afresh).
 */
bool fg_fast_sys(struct fg_sys *s, long older_us);
/*
 * fg_result_complete - before a report: fill what the fast path skipped
 * (CAP_SYS_ADMIN; in mode 1, the statm bound).
 */
void fg_result_complete(const char *root, struct fg_result *r);
/*
 * fg_fast_settle - what the operator stated: FORKGUARD_ANON_CHARGED (@anon_charged:
 * no anonymous mapping of this process is MAP_NORESERVE or MADV_DONTFORK,
 * so fg_fast_check()'s estimate tier, kernels before 3.8, counts them);
 * FORKGUARD_MODE=remediate (@size_each_fork: every fork reads statm, none
 * goes by an earlier fork's read, so that no growth within the window
 * costs a fork the remedy could have saved).
 */
void fg_fast_settle(bool anon_charged, bool size_each_fork);
/* fg_task_admin_now - CAP_SYS_ADMIN in the initial ns, for this thread. */
bool fg_task_admin_now(void);

#endif /* FG_FASTPATH_H */
