/*
 * policy_limits.h - the limit of each overcommit rule as named terms
 * (policy_limits.c), pure: the limit each rule of policy.c compares with.
 */
#ifndef FG_POLICY_LIMITS_H
#define FG_POLICY_LIMITS_H

#include <stdint.h>

#include "forkguard.h"

/* fg_kb_pages - @kb in whole pages of @page_kb (0 for a page size of 0:
 * an unfilled snapshot is rendered, never divided by). */
static inline int64_t fg_kb_pages(uint64_t kb, unsigned page_kb)
{
	return page_kb ? (int64_t)(kb / page_kb) : 0;
}

/*
 * A rule's limit as the sum of its terms, each named as the report prints
 * it (pages, signed).  The rule computes its limit from these very terms
 * (policy_limits.c), so what is printed adds up to what is used.
 */
#define FG_TERMS_MAX 10
struct fg_terms {
	unsigned n;
	struct {
		const char *name;
		int64_t pages;
	} t[FG_TERMS_MAX];
};
/* fg_terms_sum - the limit the terms make (may be < 0: the caller floors). */
int64_t fg_terms_sum(const struct fg_terms *ts);
/*
 * fg_limit_terms - the terms of the limit of @rule in @s's mode (0: the
 * per-VMA limit, 2: allowed) for @t; none in mode 1.  Their sum, floored
 * at 0, is fg_eval's limit_pages.
 */
void fg_limit_terms(const struct fg_sys *s, const struct fg_task *t,
		    enum fg_rule rule, struct fg_terms *out);

#endif /* FG_POLICY_LIMITS_H */
