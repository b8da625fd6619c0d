/*
 * remedy_split.h - the split remedy (remedy_split.c).
 */
#ifndef FG_REMEDY_SPLIT_H
#define FG_REMEDY_SPLIT_H

#include "remedy_apply.h"

/*
 * fg_remedy_split - cut the VMA the verdict of e->r names into pieces
 * under the limit, re-checking after each round (its time in a->us);
 * records the cuts in @a.  0, -ENOENT (nothing cut), or -errno.
 */
int fg_remedy_split(const struct fg_config *c, struct fg_event *e,
		    struct fg_attempt *a);

#endif /* FG_REMEDY_SPLIT_H */
