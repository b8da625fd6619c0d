/*
 * remedy_alloc.h - the allocator remedies (remedy_alloc.c): what the
 * process has, and the apply steps remedy.c's table calls.
 */
#ifndef FG_REMEDY_ALLOC_H
#define FG_REMEDY_ALLOC_H

#include <stdbool.h>

#include "remedy_apply.h"

/*
 * fg_alloc_discover - resolve, once per process, the symbols of the
 * remedies in @mask (FG_REMEDY_*).  Allocates nothing.
 */
void fg_alloc_discover(unsigned mask);
/* fg_alloc_has - does the process have what remedy @bit calls? */
bool fg_alloc_has(unsigned bit);
/* fg_alloc_mi_collect - does it have mimalloc's mi_collect? */
bool fg_alloc_mi_collect(void);
/* fg_alloc_je_stats - jemalloc's statistics into @s (s->found; have_stats
 * only when jemalloc was built with them).  Needs jemalloc's mallctl. */
void fg_alloc_je_stats(struct fg_alloc_stats *s);

/* The apply steps (struct fg_remedy_apply): 0 or -errno, a->why set when
 * there is something to say. */
int fg_remedy_trim(const struct fg_config *c, struct fg_event *e,
		   struct fg_attempt *a);
int fg_remedy_jemalloc(const struct fg_config *c, struct fg_event *e,
		       struct fg_attempt *a);
int fg_remedy_release(const struct fg_config *c, struct fg_event *e,
		      struct fg_attempt *a);

#endif /* FG_REMEDY_ALLOC_H */
