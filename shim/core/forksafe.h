/*
 * forksafe.h - primitives for code that runs around fork().
 *
 * After a fork every page written is copied, and a lock held by another
 * thread of the parent is held forever in the child: these write only
 * what changed and lock with the owner's pid.
 */
#ifndef FG_FORKSAFE_H
#define FG_FORKSAFE_H

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * fg_errno_keep - put errno back to @err, writing only if it changed: after
 * fork every page written faults once (copy-on-write), errno's included.
 */
static inline void fg_errno_keep(int err)
{
	if (errno != err)
		errno = err;
}

/*
 * fg_trylock - a try-lock that fork cannot leave stuck.  It holds the
 * owner's pid: our own pid means a sibling thread has it (the caller takes
 * a slower path, it never waits); another pid is a parent's, frozen by the
 * fork that made us, and is taken over.
 */
static inline bool fg_trylock(pid_t *lock, pid_t self)
{
	pid_t cur = __atomic_load_n(lock, __ATOMIC_ACQUIRE);

	if (cur == self)
		return false;
	return __atomic_compare_exchange_n(lock, &cur, self, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void fg_unlock(pid_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

#endif /* FG_FORKSAFE_H */
