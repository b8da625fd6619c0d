/*
 * cow.h - the copy-on-write check on the fork path (cow.c).
 * Conventions: predicates return bool; nothing here allocates.
 */
#ifndef FG_COW_H
#define FG_COW_H

#include <stdint.h>

#include "cgroup.h" /* struct fg_cow_fork */
#include "config.h"
#include "fastpath.h" /* FG_ANON_UNREAD */

/*
 * fg_cow_quick - true when the calling process's fork needs no cow
 * report or protection: the check is off, or RssAnon (@anon pages, as
 * fg_fast_pass() went by, @kept times over when an earlier fork's read;
 * FG_ANON_UNREAD: one pread of the kept statm here) is below half of a
 * headroom kept less than a window ago, or a quarter of an older one (else
 * read again first: statm when @kept, then the host, the cgroup's files,
 * no heap).  See cow.c's top for the staleness accepted.
 */
bool fg_cow_quick(const struct fg_config *c, uint64_t anon, unsigned kept);

/*
 * fg_cow_after - right after a fork that found one of them due, in the
 * parent (the atfork handler): the fast path's base and the kept headroom
 * (the host's figures, the cgroup walked again) read again when older than
 * half of the age at which they come due, so that they come due together.
 * No heap; errno is kept; nothing when @c is NULL or the mode is off.
 */
void fg_cow_after(const struct fg_config *c);

/*
 * fg_cow_fork - the whole cow check of the calling process for the fork
 * about to happen, with the host facts @s: fills @out, and @f (OOM kills
 * since the previous call; protect under FORKGUARD_COW=protect and a
 * risk), and keeps its headroom for fg_cow_quick.  Returns true when the
 * risk is to be reported now (rate-limited).
 */
bool fg_cow_fork(const struct fg_config *c, const struct fg_sys *s,
		 struct fg_cow *out, struct fg_cow_fork *f);

/*
 * fg_cow_protect_child - in the child of a risky fork: raise its own
 * oom_score_adj to 1000 unless it is 1000 already.  errno is kept.
 */
void fg_cow_protect_child(const struct fg_config *c);

#endif /* FG_COW_H */
