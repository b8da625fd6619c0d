/*
 * describe.h - the sentences of the reports and the CLI (describe.c).
 * Each appends to @b (fmt.h); nothing is returned.
 */
#ifndef FG_DESCRIBE_H
#define FG_DESCRIBE_H

#include <stdint.h>

#include "event.h"
#include "fmt.h"
#include "forkguard.h"
#include "policy_remedy.h"

/* (the sentence on a report's rule is report_rule.h's fg_report_rule:
 * its limit as the very terms the rule used) */

/*
 * fg_describe_fixes - the fixes that can change @r's verdict, most direct
 * first, separated by @sep (@e: the allocator's statistics, if read).
 */
void fg_describe_fixes(struct fg_buf *b, const struct fg_result *r,
		       const struct fg_event *e, const char *sep);

/* fg_describe_outcome - "ok", "refused", "ENOMEM"...; NULL: no call made. */
const char *fg_describe_outcome(const struct fg_event *e);

/*
 * fg_describe_uncertain - why the estimate tier's bounds differ (mappings
 * whose charge the kernel before 3.8 does not show), or NULL.
 */
const char *fg_describe_uncertain(const struct fg_eval *ev);
/*
 * fg_describe_settle - how the operator settles those mappings' charge;
 * from outside (@outside: forkguard check), also that the guard in the
 * process knows more.
 */
void fg_describe_settle(struct fg_buf *b, const struct fg_eval *ev,
			bool outside);

/*
 * fg_describe_fit - why a remedy cannot change a verdict, in a sentence
 * (policy_remedy.c's reason); NULL when there is nothing to tell.
 */
const char *fg_describe_fit(enum fg_fit fit);

/* fg_describe_attempts - @e's remedies, as the body of a JSON array. */
void fg_describe_attempts(struct fg_buf *b, const struct fg_event *e);
/* fg_describe_attempts_text - @e's remedies in words, "; " between. */
void fg_describe_attempts_text(struct fg_buf *b, const struct fg_event *e);

#endif /* FG_DESCRIBE_H */
