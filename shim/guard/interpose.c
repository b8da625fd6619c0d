/*
 * interpose.c - the exported libc symbols: fork, _Fork, daemon, clone.
 *
 * Every wrapper has one shape (lttng-ust's ustfork.c is the model): a fast
 * predicate that may send the call straight to the real function, else
 * fg_guard_run() (guard.c), which does before -> real call -> child or
 * parent, and keeps errno, for all four alike.  The real functions sit in
 * one table, fg_real, found with dlsym(RTLD_NEXT) once and safe to call
 * before our constructor ran (another library's constructor may fork);
 * the unit tests set the table to fakes (tests/unit/test_interpose.c).
 *
 * fork()'s fast predicate is the guard's check (fg_guard_fork_passes): on
 * yes it tail-calls the real fork, so that the child returns straight to
 * the caller and runs nothing of ours, and libc's frame lies where it
 * would without us (after a fork each page the child touches is a fault).
 * The others' predicate is "the guard is off".  clone with CLONE_VM makes
 * a thread, not a process: nothing is charged, it passes straight through;
 * without it, the child's step runs in a trampoline before the caller's
 * function (the caller's frame, with the call, is in the child's copy of
 * the memory).  vfork, posix_spawn, system and popen are not interposed:
 * they share the parent's mm (CLONE_VM).
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include "forksafe.h"
#include "guard.h"
#include "identity.h"
#include "stages.h"

struct fg_real fg_real;
/* FORKGUARD_MODE=off: decided once, by the constructor (a second copy
 * still enters the guard, which passes the call through after its one
 * note at the first fork) */
static bool passthrough;

/* Resolve one real symbol once; concurrent first calls agree. */
#define REAL(name)                                                       \
	({                                                               \
		__typeof__(fg_real.name) fn_ =                           \
		    __atomic_load_n(&fg_real.name, __ATOMIC_ACQUIRE);    \
		if (!fn_) {                                              \
			fn_ = (__typeof__(fg_real.name))dlsym(RTLD_NEXT, \
							      #name);    \
			__atomic_store_n(&fg_real.name, fn_,             \
					 __ATOMIC_RELEASE);              \
		}                                                        \
		fn_;                                                     \
	})

__attribute__((constructor)) static void fg_init(void)
{
	int err = errno;

	REAL(fork);
	REAL(_Fork);
	REAL(daemon);
	REAL(clone);
	passthrough = fg_guard_off() && !fg_second_copy();
	if (fg_second_copy()) {
		/* another copy guards: this one only passes calls through */
		fg_second_copy_say();
		fg_errno_keep(err);
		return;
	}
	/*
	 * Do the parent handlers see a failed fork's errno?  glibc's do.
	 * musl's from 1.2.2 on, whose fork() sets it in _Fork() before
	 * running them (src/process/fork.c); before, __syscall_ret set it
	 * after them.  1.2.2 also brought _Fork.
	 */
#ifdef __GLIBC__
	fg_guard_init(true);
#else
	fg_guard_init(fg_real._Fork != NULL);
#endif
	fg_errno_keep(err);
}

/* --- the real calls, each with its own arguments --- */

static long fork_real(struct fg_call *call)
{
	(void)call;
	return fg_real.fork();
}

static long _Fork_real(struct fg_call *call)
{
	(void)call;
	return fg_real._Fork();
}

struct daemon_call {
	struct fg_call call;
	int nochdir, noclose;
};

static long daemon_real(struct fg_call *call)
{
	struct daemon_call *d = (struct daemon_call *)call;

	return fg_real.daemon(d->nochdir, d->noclose);
}

struct clone_call {
	struct fg_call call;
	int (*fn)(void *);
	void *stack, *arg, *tls;
	int flags;
	pid_t *ptid, *ctid;
};

/* The child's first steps: ours, then the caller's function. */
static int clone_child(void *p)
{
	struct clone_call *cc = p;

	fg_guard_child(cc->call.g);
	return cc->fn(cc->arg);
}

static long clone_real(struct fg_call *call)
{
	struct clone_call *cc = (struct clone_call *)call;

	return fg_real.clone(clone_child, cc->stack, cc->flags, cc, cc->ptid,
			     cc->tls, cc->ctid);
}

/* --- the wrappers: fast predicate, else the guard's way --- */

/* Out of line: fork()'s own frame stays empty, its tail call possible. */
__attribute__((noinline)) static pid_t fork_guarded(void)
{
	struct fg_call call = { "fork", FG_CALL_FORK,
				REAL(fork) ? fork_real : NULL, NULL };

	return (pid_t)fg_guard_run(&call);
}

FG_API pid_t fork(void)
{
	pid_t (*fn)(void) = REAL(fork);

	fg_stage(FG_STAGE_ENTRY);
	if (fn && (passthrough || fg_guard_fork_passes())) {
		fg_stage(FG_STAGE_PASSED);
		return fn(); /* a tail call: see the top of this file */
	}
	return fork_guarded();
}

FG_API pid_t _Fork(void)
{
	pid_t (*fn)(void) = REAL(_Fork);
	struct fg_call call = { "_Fork", FG_CALL_FORK, fn ? _Fork_real : NULL,
				NULL };

	if (fn && fg_guard_off())
		return fn();
	return (pid_t)fg_guard_run(&call);
}

FG_API int daemon(int nochdir, int noclose)
{
	int (*fn)(int, int) = REAL(daemon);
	struct daemon_call d = {
		{ "daemon", FG_CALL_DAEMON, fn ? daemon_real : NULL, NULL },
		nochdir,
		noclose,
	};

	if (fn && fg_guard_off())
		return fn(nochdir, noclose);
	return (int)fg_guard_run(&d.call);
}

FG_API int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	int (*real)(int (*)(void *), void *, int, void *, ...) = REAL(clone);
	struct clone_call cc = {
		{ "clone", FG_CALL_CLONE, real ? clone_real : NULL, NULL },
		fn,
		stack,
		arg,
		NULL,
		flags,
		NULL,
		NULL,
	};
	va_list ap;

	va_start(ap, arg);
	cc.ptid = va_arg(ap, pid_t *);
	cc.tls = va_arg(ap, void *);
	cc.ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (real && ((flags & CLONE_VM) || fg_guard_off()))
		return real(fn, stack, flags, arg, cc.ptid, cc.tls, cc.ctid);
	return (int)fg_guard_run(&cc.call);
}
