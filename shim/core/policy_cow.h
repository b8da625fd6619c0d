/*
 * policy_cow.h - the copy-on-write verdict, pure (policy_cow.c).
 */
#ifndef FG_POLICY_COW_H
#define FG_POLICY_COW_H

#include "forkguard.h"
#include "memcg.h"

/*
 * fg_cow_eval - the copy-on-write verdict (pure): @worst_kb of
 * private anonymous memory against @cg (NULL: none) and the host @s (NULL:
 * unknown).  Fills every field of @out.
 */
void fg_cow_eval(const struct fg_memcg *cg, const struct fg_sys *s,
		 uint64_t worst_kb, struct fg_cow *out);

#endif /* FG_POLICY_COW_H */
