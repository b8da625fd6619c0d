/*
 * remedy.h - make a refused fork pass: allocator purge, heap trim, VMA split.
 */
#ifndef FG_REMEDY_H
#define FG_REMEDY_H

#include "config.h"

/*
 * fg_remedy_run - try the remedies enabled in @c that can change @r's
 * verdict, cheapest first, re-checking after each; stop when the fork is
 * predicted to pass.  Updates @r (verdict, remedies) in place.
 */
void fg_remedy_run(const struct fg_config *c, struct fg_result *r);

#endif /* FG_REMEDY_H */
