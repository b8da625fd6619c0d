/*
 * watcher.h - FORKGUARD_COW=abort: the plan before a fork (plan.c) and the
 * thread that follows its child after it (watcher.c).
 * Conventions: predicates return bool; nothing here allocates on the fork
 * path.
 */
#ifndef FG_WATCHER_H
#define FG_WATCHER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "event.h"
#include "follow.h"

/*
 * fg_follow_plan - before a fork, from its cow verdict @cow: the copy to
 * expect from this process's recent followed forks (into @f, whatever
 * the mode), and under FORKGUARD_COW=abort whether the child is followed
 * (a risk, or every fork with FORKGUARD_COW_FOLLOW=all) or the fork is
 * refused (a risk within the back-off after an abort).  No heap, no lock.
 */
void fg_follow_plan(const struct fg_config *c, const struct fg_cow *cow,
		    struct fg_cow_fork *f);

/* fg_follow_learn_abort - an abort now: the back-off starts (plan.c). */
void fg_follow_learn_abort(void);
/* fg_follow_learn - a followed child ended (@e): what it copied joins the
 * history when it ran to its end (plan.c). */
void fg_follow_learn(const struct fg_child_end *e);

/*
 * fg_follow_start - in the parent, right after the fork of @child that
 * event @e planned to follow: hand it to the watcher thread (started now
 * if none runs).  False when every slot is taken (not followed).  errno
 * is kept.
 */
bool fg_follow_start(const struct fg_config *c, pid_t child,
		     const struct fg_event *e);

#endif /* FG_WATCHER_H */
