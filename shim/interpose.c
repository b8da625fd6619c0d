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
 * with errno already set, and ours compare it with errno just before the
 * fork (see pass).  So the fast path is taken only when errno was not
 * already a fork error, and only once both sets of handlers are in place.
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
#include "metrics.h"
#include "remedy.h"

typedef pid_t (*fork_fn)(void);
typedef int (*daemon_fn)(int, int);
typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);

static struct {
	fork_fn fork, _Fork;
	daemon_fn daemon;
	clone_fn clone;
} real;

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
 * (guarded_fork, daemon) marks itself with our pid: it explains its own
 * failure.
 */
static __thread struct {
	int err;    /* errno just before the last fork */
	int failed; /* the early handler saw the fork fail with this */
	pid_t slow; /* a whole-way call is in progress in this process */
} pass __attribute__((tls_model("initial-exec")));
/* 0: not registered, 1: registering, 2: registered, 3: cannot */
static int early, late;

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
		fg_metrics_tick(); /* reads a clock until a write is due */
		return;		   /* the fork succeeded: read only */
	}
	pass.failed = 0;
	if (pass.slow != getpid())
		fg_guard_missed("fork", failed);
	fg_errno_keep(err);
}

/* Register a set once, whichever thread comes first. */
static void register_once(int *state, void (*prepare)(void),
			  void (*parent)(void))
{
	int err = errno, expect = 0;

	if (!__atomic_compare_exchange_n(state, &expect, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(state, pthread_atfork(prepare, parent, NULL) ? 3 : 2,
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
	if (!fg_guard_off()) /* off: not even a handler */
		register_once(&early, pass_prepare, pass_parent_early);
	fg_remedy_init(fg_config());
	fg_metrics_init();
	fg_errno_keep(err);
}

/*
 * Do the parent handlers see a failed fork's errno?  glibc's do.  musl's
 * from 1.2.2 on, whose fork() sets it in _Fork() before running them
 * (src/process/fork.c); before, __syscall_ret set it after them, and the
 * fast path could not explain a failure.  1.2.2 also brought _Fork.
 */
#ifdef __GLIBC__
#define HANDLERS_SEE_ERRNO() true
#else
#define HANDLERS_SEE_ERRNO() (real._Fork != NULL)
#endif

/*
 * May fork() tail-call the real fork?  Yes when the guard is off, or when
 * the handlers can explain a failure and the check says ok, quietly.
 * Kept out of line: its frame is gone before the fork.
 */
__attribute__((noinline)) static bool fork_passes(void)
{
	int err = errno;
	uint64_t t0;
	bool ok;

	if (fg_guard_off())
		return true;
	t0 = fg_metrics_on() ? fg_metrics_clock() : 0;
	/* a failure must change errno for the handlers to see it */
	ok = HANDLERS_SEE_ERRNO() &&
	     __atomic_load_n(&early, __ATOMIC_ACQUIRE) == 2 &&
	     __atomic_load_n(&late, __ATOMIC_ACQUIRE) == 2 && err != ENOMEM &&
	     err != EAGAIN && fg_guard_pass();
	if (ok && t0) /* counted before the fork: see metrics.h */
		fg_metrics_attempt("fork", FG_OK, fg_metrics_clock() - t0);
	fg_errno_keep(err);
	return ok;
}

/* Kept out of line: its frame (the verdict) is paid only when guarding. */
__attribute__((noinline)) static pid_t guarded_fork(fork_fn fn,
						    const char *call)
{
	struct fg_guard g;
	bool quiet;
	pid_t pid, slow;
	int err = errno;

	if (!fn) {
		errno = ENOSYS; /* no libc below us has this symbol */
		return -1;
	}
	/* after the allocator's handlers, registered by now: see pass
	 * (pthread_atfork is not async-signal-safe; neither is the first
	 * fork's configuration) */
	if (!__atomic_load_n(&late, __ATOMIC_ACQUIRE))
		register_once(&late, NULL, pass_parent_late);
	if (fg_guard_before(&g, call)) {
		errno = ENOMEM;
		return -1;
	}
	quiet = fg_guard_quiet(&g);
	/* restored, not cleared: a fork from a signal handler nests */
	slow = pass.slow;
	pass.slow = getpid();
	fg_errno_keep(err);
	pid = fn();
	/* the child: write nothing (after a fork each page written is
	 * copied, the stack's too), unless protecting the parent */
	if (pid == 0) {
		fg_guard_child(&g);
		return pid;
	}
	err = errno;
	pass.slow = slow;
	if (pid > 0 && quiet) {
		fg_errno_keep(err);
		return pid;
	}
	fg_guard_after(&g, pid < 0, err);
	fg_errno_keep(err);
	return pid;
}

FG_API pid_t fork(void)
{
	fork_fn fn = REAL(fork);

	if (fn && fork_passes())
		return fn(); /* a tail call: see the top of this file */
	return guarded_fork(fn, "fork");
}

FG_API pid_t _Fork(void)
{
	fork_fn fn = REAL(_Fork);

	if (fn && fg_guard_off())
		return fn();
	return guarded_fork(fn, "_Fork");
}

FG_API int daemon(int nochdir, int noclose)
{
	daemon_fn fn = REAL(daemon);
	struct fg_guard g;
	int rc, err = errno;
	pid_t slow;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (fg_guard_before(&g, "daemon")) {
		errno = ENOMEM;
		return -1;
	}
	slow = pass.slow;
	pass.slow = getpid();
	fg_errno_keep(err);
	rc = fn(nochdir, noclose);
	err = errno;
	pass.slow = slow;
	/* on success the parent has exited: the child reports */
	fg_guard_after(&g, rc != 0, err);
	fg_errno_keep(err);
	return rc;
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
