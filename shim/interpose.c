/*
 * interpose.c - the exported libc symbols: fork, _Fork, daemon, clone.
 *
 * Each wrapper runs the guard around the real function, found once with
 * dlsym(RTLD_NEXT) and safe to call before our constructor ran (another
 * library's constructor may fork).  The real call's return value and errno
 * reach the caller unchanged; only enforce mode refuses a fork itself.
 *
 * fork() has a fast path.  When the check says ok and nothing is to be
 * reported, it tail-calls the real fork: the child returns straight to the
 * caller and runs nothing of ours, and libc's frame lies where it would
 * without us (after a fork each page the child touches is a fault: our
 * code, a deeper stack page).  A fork that fails anyway is still explained:
 * glibc runs the pthread_atfork parent handlers after a failed fork too,
 * with errno already set, and the handler compares it with errno before the
 * call.  So the fast path is taken only when errno was not already a fork
 * error, and only once the handlers are registered, at the first fork
 * (after the allocator's own: a post-mortem may ask it for statistics).
 * vfork, posix_spawn, system and popen are not interposed: they share the
 * parent's mm (CLONE_VM), nothing is charged.  clone with CLONE_VM passes
 * straight through for the same reason.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <unistd.h>

#include "guard.h"
#include "remedy.h"

#define FG_EXPORT __attribute__((visibility("default")))

typedef pid_t (*fork_fn)(void);
typedef int (*daemon_fn)(int, int);
typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);

static struct {
	fork_fn fork, _Fork;
	daemon_fn daemon;
	clone_fn clone;
} real;

/*
 * What the atfork handlers know, per thread.  The prepare handler keeps
 * errno as it was before each fork (stored only when it changed: after a
 * fork each page written is copied, this one too); a call that goes the
 * whole way (guarded_fork, daemon) marks itself with our pid, as its own
 * after-step explains a failure.
 */
static __thread struct {
	int err;    /* errno before the last fork */
	pid_t slow; /* a whole-way call is in progress in this process */
} pass __attribute__((tls_model("initial-exec")));
static char handlers; /* 0: not yet, 1: registered, 2: cannot */

static void pass_prepare(void)
{
	int err = errno;

	if (pass.err != err)
		pass.err = err;
}

/* Runs after every fork of glibc's, failed or not; reads only, unless the
 * fork failed and no one else will explain it. */
static void pass_parent(void)
{
	int err = errno;

	if (err == pass.err || (err != ENOMEM && err != EAGAIN))
		return; /* the fork succeeded */
	if (pass.slow == getpid())
		return;
	fg_guard_missed("fork", err);
	fg_errno_keep(err);
}

static void register_handlers(void)
{
	int err = errno;

	/* once, from the first fork, after the allocator's own handlers:
	 * ours may ask it for statistics.  (pthread_atfork is not
	 * async-signal-safe; neither is the first fork's configuration.) */
	__atomic_store_n(
	    &handlers, pthread_atfork(pass_prepare, pass_parent, NULL) ? 2 : 1,
	    __ATOMIC_RELEASE);
	fg_errno_keep(err);
}

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
	fg_remedy_init(fg_config());
	fg_errno_keep(err);
}

/*
 * May fork() tail-call the real fork?  Yes when the guard is off, or when
 * the handlers can explain a failure and the check says ok, quietly.
 * Kept out of line: its frame is gone before the fork.
 */
__attribute__((noinline)) static bool fork_passes(void)
{
	int err = errno;

	if (fg_guard_off())
		return true;
	/* a failure must change errno for the handler to see it */
	if (__atomic_load_n(&handlers, __ATOMIC_ACQUIRE) != 1 ||
	    err == ENOMEM || err == EAGAIN || !fg_guard_pass())
		return false;
	fg_errno_keep(err);
	return true;
}

/* Kept out of line: its frame (the verdict) is paid only when guarding. */
__attribute__((noinline)) static pid_t guarded_fork(fork_fn fn,
						    const char *call)
{
	struct fg_guard g;
	bool quiet;
	pid_t pid;
	int err;

	if (!fn) {
		errno = ENOSYS; /* no libc below us has this symbol */
		return -1;
	}
	if (!__atomic_load_n(&handlers, __ATOMIC_ACQUIRE))
		register_handlers();
	if (fg_guard_before(&g, call)) {
		errno = ENOMEM;
		return -1;
	}
	quiet = fg_guard_quiet(&g);
	pass.slow = getpid();
	pid = fn();
	/* the child: write nothing (after a fork each page written is
	 * copied, the stack's too) */
	if (pid == 0)
		return pid;
	err = errno;
	pass.slow = 0;
	if (pid > 0 && quiet) {
		fg_errno_keep(err);
		return pid;
	}
	fg_guard_after(&g, pid < 0, err);
	fg_errno_keep(err);
	return pid;
}

FG_EXPORT pid_t fork(void)
{
	fork_fn fn = REAL(fork);

	if (fn && fork_passes())
		return fn(); /* a tail call: see the top of this file */
	return guarded_fork(fn, "fork");
}

FG_EXPORT pid_t _Fork(void)
{
	fork_fn fn = REAL(_Fork);

	if (fn && fg_guard_off())
		return fn();
	return guarded_fork(fn, "_Fork");
}

FG_EXPORT int daemon(int nochdir, int noclose)
{
	daemon_fn fn = REAL(daemon);
	struct fg_guard g;
	int rc, err;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (fg_guard_before(&g, "daemon")) {
		errno = ENOMEM;
		return -1;
	}
	pass.slow = getpid();
	rc = fn(nochdir, noclose);
	err = errno;
	pass.slow = 0;
	/* on success the parent has exited: the child reports */
	fg_guard_after(&g, rc != 0, err);
	fg_errno_keep(err);
	return rc;
}

FG_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	clone_fn real_clone = REAL(clone);
	struct fg_guard g;
	pid_t *ptid, *ctid;
	void *tls;
	va_list ap;
	int rc, err;

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
	rc = real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	err = errno;
	fg_guard_after(&g, rc < 0, err);
	fg_errno_keep(err);
	return rc;
}
