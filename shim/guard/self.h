/*
 * self.h - this process's pid without a syscall, and memory that a child
 * starts with zeroed (MADV_WIPEONFORK).
 */
#ifndef FG_SELF_H
#define FG_SELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * fg_wipe_map - @len bytes of anonymous memory that every child of this
 * process (by any way of forking) starts with zeroed, named "forkguard" in
 * /proc/PID/maps where the kernel names mappings (5.17); NULL where the
 * kernel cannot wipe (before 4.14) or the map fails.
 */
void *fg_wipe_map(size_t len);

/*
 * struct fg_wiped - what the fork path stores at each fork, on a page of
 * its own that fork leaves writable in the parent (it copies nothing of a
 * wiped mapping): a store to any other page written since the last fork
 * is a copy-on-write fault, ~1 us on a fork that comes once in a while.
 * Every child starts with it zeroed.
 */
struct fg_wiped {
	pid_t pid; /* fg_self() */
	/* the last two forks that found the base older than the window
	 * (fastpath.c) */
	long stale_at, stale_prev;
	/* a renewal the fork path found due, for the parent's handler after
	 * the fork (fg_after_due): FG_AFTER_* bits; and how many in a row
	 * the handler spared */
	unsigned after, spared;
	/* the last read of statm (size.c): total_vm and RssAnon in pages,
	 * when and by which process, and fg_track_mapped() before it;
	 * written under the lock, seq odd meanwhile */
	struct {
		unsigned seq;
		pid_t lock, pid;
		long at;
		uint64_t size, anon, mapped;
	} size;
};

#define FG_AFTER_NEEDED 1u
#define FG_AFTER_SPARE	2u
/* a renewal that could be spared is made at every FG_AFTER_EVERY-th */
#define FG_AFTER_EVERY 10u

/*
 * fg_after_due - before a fork: a renewal (of the fast path's base, or
 * cow's headroom) is due after it; @spare: this fork could go without it
 * (far below its limits, in a process that forks seldom: fastpath.c and
 * cow.c say when).  fg_after_take - in the parent after the fork: is one
 * to be made?  Yes when a fork needed it, or at the FG_AFTER_EVERY-th
 * that could spare it in a row; it is no longer due either way.  A quiet
 * fork whose caches are fresh thus has its handler touch this one page of
 * the guard's data: after a fork every page the parent touches is a TLB
 * miss.
 */
void fg_after_due(bool spare);
bool fg_after_take(void);
/*
 * The cadence of the forks that find the fast path's base older than its
 * window @w (fastpath.c passes it, and @far, FG_FAST_FAR windows):
 * fg_stale_seen - such a fork, at @now, found it @age us old: noted, and
 * a renewal due after it past fg_renew_after() (fg_after_due, with
 * @spare when the fork was far enough below to go without it and the
 * process forks seldom).  fg_renew_after - how old the base may grow
 * before a renewal after a fork: @w when the last two such forks came at
 * most @w apart, else @far.  fg_seldom - did they come more than
 * @far / FG_SELDOM apart?  Then a renewal every @far falls on every
 * FG_SELDOM-th fork or more often and costs it more (the cgroup walk,
 * 150-200 us after an idle spell) than it spares the forks between
 * (the mode's and statm's reads, 10-25 us each): the forks read instead.
 */
#define FG_SELDOM 4
void fg_stale_seen(long now, long age, long w, long far, bool spare);
long fg_renew_after(long w, long far);
bool fg_seldom(long far);

/* fg_self_init - map the page (once; the constructor's). */
void fg_self_init(void);
/* fg_wiped - the page; where the kernel cannot wipe, a static copy (its
 * pid unused). */
struct fg_wiped *fg_wiped(void);

/*
 * fg_self - getpid() without the syscall once this process has asked: the
 * pid is kept on the wiped page.  Before
 * fg_self_init(), or where the kernel cannot wipe: getpid() each time.  A
 * task that shares this memory (vfork, CLONE_VM) reads its parent's pid;
 * it shares its mm too, which is all the fork path reads through it.
 */
pid_t fg_self(void);

#endif /* FG_SELF_H */
