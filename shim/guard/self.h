/*
 * self.h - this process's pid without a syscall, and memory that a child
 * starts with zeroed (MADV_WIPEONFORK).
 */
#ifndef FG_SELF_H
#define FG_SELF_H

#include <stddef.h>
#include <sys/types.h>

/*
 * fg_wipe_map - @len bytes of anonymous memory that every child of this
 * process (by any way of forking) starts with zeroed, named "forkguard" in
 * /proc/PID/maps where the kernel names mappings (5.17); NULL where the
 * kernel cannot wipe (before 4.14) or the map fails.
 */
void *fg_wipe_map(size_t len);

/* fg_self_init - map fg_self()'s cell (once; the constructor's). */
void fg_self_init(void);

/*
 * fg_self - getpid() without the syscall once this process has asked: the
 * pid is kept in a cell that every child finds zeroed.  Before
 * fg_self_init(), or where the kernel cannot wipe: getpid() each time.  A
 * task that shares this memory (vfork, CLONE_VM) reads its parent's pid;
 * it shares its mm too, which is all the fork path reads through it.
 */
pid_t fg_self(void);

#endif /* FG_SELF_H */
