/*
 * report_cow.h - the copy-on-write part of a report (report_cow.c).
 */
#ifndef FG_REPORT_COW_H
#define FG_REPORT_COW_H

#include "fmt.h"
#include "forkguard.h"
#include "memcg.h"

/*
 * fg_report_cow_text / fg_report_cow_json - append the
 * "  cow: ..." lines, or the cow_* members of the JSON object, to @b;
 * @f: the fork's own facts (NULL: a check, not a fork).
 */
void fg_report_cow_text(struct fg_buf *b, const struct fg_cow *c,
			const struct fg_cow_fork *f);
void fg_report_cow_json(struct fg_buf *b, const struct fg_cow *c,
			const struct fg_cow_fork *f);
/* fg_report_cow_limit - what binds: "memcg /a memory.max", "host ...". */
void fg_report_cow_limit(struct fg_buf *b, const struct fg_cow *c);

#endif /* FG_REPORT_COW_H */
