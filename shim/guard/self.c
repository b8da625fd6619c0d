/*
 * self.c - the pid of the process the fork path runs in, without a
 * syscall.  glibc stopped caching getpid() in 2.25: it is a syscall, and
 * on a fork after an idle spell a cold one (about 3 us: make bench,
 * bench_pass).  The pid is kept on a page the kernel zeroes in every
 * child, whether fork, _Fork, clone or a raw syscall made it: a child
 * reads 0, asks getpid() once, and keeps the answer.  The fork path's other
 * stores go there too (struct fg_wiped), with what they decide: whether a
 * renewal after a fork is due, made or spared (the forks' cadence).
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "forksafe.h"
#include "self.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA	     0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* Initialized: .data, near the fork path's other data (.bss would put it
 * pages away, past the mapping table: one more cold TLB entry a fork) */
static struct fg_wiped fallback, *page = &fallback;

void *fg_wipe_map(size_t len)
{
	int err = errno;
	void *p;

	len = (len + 4095) & ~(size_t)4095;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		p = NULL;
	} else if (madvise(p, len, MADV_WIPEONFORK)) {
		munmap(p, len);
		p = NULL;
	} else {
		/* an operator reading maps sees whose page it is */
		prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, len,
		      (unsigned long)"forkguard");
	}
	fg_errno_keep(err);
	return p;
}

void fg_self_init(void)
{
	struct fg_wiped *p;

	if (__atomic_load_n(&page, __ATOMIC_ACQUIRE) != &fallback)
		return;
	p = fg_wipe_map(sizeof(*p));
	if (!p)
		return;
	/* filled now: a task sharing this memory (vfork, CLONE_VM) that asked
	 * first would leave its own pid here */
	p->pid = getpid();
	__atomic_store_n(&page, p, __ATOMIC_RELEASE);
}

struct fg_wiped *fg_wiped(void)
{
	return __atomic_load_n(&page, __ATOMIC_ACQUIRE);
}

pid_t fg_self(void)
{
	struct fg_wiped *p = __atomic_load_n(&page, __ATOMIC_ACQUIRE);
	pid_t pid;

	if (p == &fallback)
		return getpid();
	pid = __atomic_load_n(&p->pid, __ATOMIC_RELAXED);
	if (!pid) {
		pid = getpid();
		__atomic_store_n(&p->pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

/* how far apart the last two forks that found the base stale came; -1
 * before the second */
static long stale_gap(void)
{
	struct fg_wiped *p = fg_wiped();
	long at = __atomic_load_n(&p->stale_at, __ATOMIC_ACQUIRE),
	     prev = __atomic_load_n(&p->stale_prev, __ATOMIC_RELAXED);

	return prev ? at - prev : -1;
}

long fg_renew_after(long w, long far)
{
	long gap = stale_gap();

	return gap >= 0 && gap <= w ? w : far;
}

void fg_stale_seen(long now, long age, long w, long far, bool spare)
{
	struct fg_wiped *p = fg_wiped();

	__atomic_store_n(&p->stale_prev, p->stale_at, __ATOMIC_RELAXED);
	__atomic_store_n(&p->stale_at, now, __ATOMIC_RELEASE);
	if (age > fg_renew_after(w, far))
		fg_after_due(spare && fg_seldom(far));
}

bool fg_seldom(long far)
{
	return stale_gap() > far / FG_SELDOM;
}

void fg_after_due(bool spare)
{
	struct fg_wiped *p = fg_wiped();
	unsigned bit = spare ? FG_AFTER_SPARE : FG_AFTER_NEEDED,
		 v = __atomic_load_n(&p->after, __ATOMIC_RELAXED);

	/* or'ed in: a fork in another thread may set the other bit */
	if (!(v & bit))
		__atomic_fetch_or(&p->after, bit, __ATOMIC_RELAXED);
}

bool fg_after_take(void)
{
	struct fg_wiped *p = fg_wiped();
	unsigned v;

	/* a store only when set: the fallback page is copied after a fork */
	if (!__atomic_load_n(&p->after, __ATOMIC_RELAXED))
		return false;
	v = __atomic_exchange_n(&p->after, 0, __ATOMIC_RELAXED);
	if (!v)
		return false; /* another thread took it */
	if (!(v & FG_AFTER_NEEDED) &&
	    __atomic_add_fetch(&p->spared, 1, __ATOMIC_RELAXED) <
		FG_AFTER_EVERY)
		return false;
	if (__atomic_load_n(&p->spared, __ATOMIC_RELAXED))
		__atomic_store_n(&p->spared, 0, __ATOMIC_RELAXED);
	return true;
}
