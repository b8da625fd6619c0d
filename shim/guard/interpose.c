/*
 * interpose.c - the exported libc symbols: fork, _Fork, daemon, clone.
 *
 * Each wrapper runs the guard around the real function, found once with
 * dlsym(RTLD_NEXT) and safe to call before our constructor ran (another
 * library's constructor may fork).  The real call's return value and errno
 * reach the caller unchanged; only enforce mode refuses a fork itself.
 *
 * fork() has a fast path: when the guard says so (fg_guard_fork_passes),
 * it tail-calls the real fork, so that the child returns straight to the
 * caller and runs nothing of ours, and libc's frame lies where it would
 * without us (after a fork each page the child touches is a fault: our
 * code, a deeper stack page).  The decision flow is guard.c's.  vfork, posix_spawn, system and popen are not interposed: they share the
 * parent's mm (CLONE_VM), nothing is charged.  clone with CLONE_VM passes
 * straight through for the same reason.
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <unistd.h>

#include "forksafe.h"
#include "guard.h"
#include "identity.h"

typedef pid_t (*fork_fn)(void);
typedef int (*daemon_fn)(int, int);
typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);

static struct {
	fork_fn fork, _Fork;
	daemon_fn daemon;
	clone_fn clone;
} real;
/* FORKGUARD_MODE=off: decided once, by the constructor (a second copy
 * still enters the guard, which passes the call through after its one
 * note at the first fork) */
static bool passthrough;

/* Resolve one real symbol once; concurrent first calls agree. */
#define REAL(name)                                                             \
	({                                                                     \
		__typeof__(real.name) fn_ = __atomic_load_n(&real.name,        \
							    __ATOMIC_ACQUIRE); \
		if (!fn_) {                                                    \
			fn_ = (__typeof__(real.name))dlsym(RTLD_NEXT, #name);  \
			__atomic_store_n(&real.name, fn_, __ATOMIC_RELEASE);   \
		}                                                              \
		fn_;                                                           \
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
	fg_guard_init(real._Fork != NULL);
#endif
	fg_errno_keep(err);
}

FG_API pid_t fork(void)
{
	fork_fn fn = REAL(fork);

	if (fn && (passthrough || fg_guard_fork_passes()))
		return fn(); /* a tail call: see the top of this file */
	return fg_guard_fork(fn, "fork");
}

FG_API pid_t _Fork(void)
{
	fork_fn fn = REAL(_Fork);

	if (fn && fg_guard_off())
		return fn();
	return fg_guard_fork(fn, "_Fork");
}

FG_API int daemon(int nochdir, int noclose)
{
	return fg_guard_daemon(REAL(daemon), nochdir, noclose);
}

FG_API int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	clone_fn real_clone = REAL(clone);
	struct fg_guard g;
	pid_t *ptid, *ctid;
	void *tls;
	va_list ap;
	int rc, err = errno;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!real_clone) {
		errno = ENOSYS;
		return -1;
	}
	if (flags & CLONE_VM)
		return real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	if (fg_guard_before(&g, "clone")) {
		errno = ENOMEM;
		return -1;
	}
	fg_errno_keep(err);
	rc = real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	err = errno;
	fg_guard_after(&g, rc < 0, err);
	fg_errno_keep(err);
	return rc;
}
