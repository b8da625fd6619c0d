/*
 * plan.h - FORKGUARD_COW=abort: the plan before a fork (plan.c), from its
 * cow verdict and what this process's followed children taught: follow
 * the child, refuse the fork in the back-off, or neither.
 * Conventions: no heap, no lock: it runs on the fork path.
 */
#ifndef FG_PLAN_H
#define FG_PLAN_H

#include "config.h"
#include "follow.h"
#include "memcg.h"

/*
 * fg_follow_plan - before a fork, from its cow verdict @cow: the copy to
 * expect from this process's recent followed forks (into @f, whatever
 * the mode), and under FORKGUARD_COW=abort whether the child is followed
 * (a risk, or every fork with FORKGUARD_COW_FOLLOW=all) or the fork is
 * refused (a risk within the back-off after an abort).  No heap, no lock.
 */
void fg_follow_plan(const struct fg_config *c, const struct fg_cow *cow,
		    struct fg_cow_fork *f);

/* fg_follow_learn_abort - an abort now, before its signal is sent: the
 * back-off starts.  Returns what fg_follow_unlearn_abort() takes back
 * should the signal fail. */
struct fg_abort_mark {
	long was, at; /* the last abort's time before, and this one's */
};
struct fg_abort_mark fg_follow_learn_abort(void);
void fg_follow_unlearn_abort(struct fg_abort_mark m);
/* fg_follow_learn - a followed child ended (@e): what it copied joins the
 * history when it ran to its end. */
void fg_follow_learn(const struct fg_child_end *e);

#endif /* FG_PLAN_H */
