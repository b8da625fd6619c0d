/*
 * remedy_apply.h - what every remedy's apply step shares (remedy.c,
 * remedy_alloc.c, remedy_split.c): the exact check again, its time added
 * to the event's.
 */
#ifndef FG_REMEDY_APPLY_H
#define FG_REMEDY_APPLY_H

#include "config.h"
#include "event.h"
#include "fastpath.h"

/* fg_remedy_recheck - the exact check of the calling process into e->r. */
static inline void fg_remedy_recheck(const struct fg_config *c,
				     struct fg_event *e)
{
	fg_fast_check(c->procfs, c->rule, true, &e->r);
	e->check_us += e->r.check_us;
}

#endif /* FG_REMEDY_APPLY_H */
