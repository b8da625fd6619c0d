/*
 * interpose.c - the exported libc symbols: fork, _Fork, daemon, clone.
 *
 * Each wrapper runs the guard around the real function, found once with
 * dlsym(RTLD_NEXT) and safe to call before our constructor ran (another
 * library's constructor may fork).  The real call's return value and errno
 * reach the caller unchanged; only enforce mode refuses a fork itself.
 * vfork, posix_spawn, system and popen are not interposed: they share the
 * parent's mm (CLONE_VM), nothing is charged.  clone with CLONE_VM passes
 * straight through for the same reason.
 */
#include <dlfcn.h>
#include <errno.h>
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
	if (fg_guard_before(&g, call)) {
		errno = ENOMEM;
		return -1;
	}
	quiet = fg_guard_quiet(&g);
	pid = fn();
	/* the child, or a parent with nothing to add: write nothing (after a
	 * fork each page written is copied, the stack's too) */
	if (pid == 0 || (pid > 0 && quiet))
		return pid;
	err = errno;
	fg_guard_after(&g, pid < 0, err);
	fg_errno_keep(err);
	return pid;
}

FG_EXPORT pid_t fork(void)
{
	fork_fn fn = REAL(fork);

	if (fn && fg_guard_off())
		return fn();
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
	rc = fn(nochdir, noclose);
	err = errno;
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
