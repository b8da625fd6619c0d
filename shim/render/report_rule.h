/*
 * report_rule.h - the rule's sentence in a report (report_rule.c).
 */
#ifndef FG_REPORT_RULE_H
#define FG_REPORT_RULE_H

#include "forkguard.h"
#include "policy.h"
#include "fmt.h"

/* fg_report_rule - one sentence on what @r's rule compares, its numbers. */
void fg_report_rule(struct fg_buf *b, const struct fg_result *r);
/* fg_report_headroom - "; limit per VMA L, headroom H" for an ok verdict. */
void fg_report_headroom(struct fg_buf *b, const struct fg_result *r);

#endif /* FG_REPORT_RULE_H */
