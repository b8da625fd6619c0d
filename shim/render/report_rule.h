/*
 * report_rule.h - the rule in words (report_rule.c): in a report, in
 * check --all's rule line, in explain.
 */
#ifndef FG_REPORT_RULE_H
#define FG_REPORT_RULE_H

#include "forkguard.h"
#include "policy.h"
#include "fmt.h"

/* fg_mode_word - "heuristic", "always", "never" (mode 0, 1, 2), or "?". */
const char *fg_mode_word(int mode);

/* fg_report_rule - one sentence on what @r's rule compares, its numbers. */
void fg_report_rule(struct fg_buf *b, const struct fg_result *r);
/* fg_report_headroom - "; limit per VMA L, headroom H" for an ok verdict. */
void fg_report_headroom(struct fg_buf *b, const struct fg_result *r);

/*
 * fg_describe_rule_line - one line on the rule of @s (check --all: what
 * every listed process was measured against).
 */
void fg_describe_rule_line(struct fg_buf *b, const struct fg_sys *s);

/*
 * fg_describe_policy - what the mode of @s refuses, with the largest VMA
 * mode 0 passes now, mode 2's allowed and its room (explain).
 */
void fg_describe_policy(struct fg_buf *b, const struct fg_sys *s,
			uint64_t mode0_max_kb, uint64_t allowed_kb,
			uint64_t room_kb);
/* fg_describe_mode - "never overcommit": the mode of @s in two words. */
void fg_describe_mode(struct fg_buf *b, const struct fg_sys *s);
/* fg_describe_commit_limit - what CommitLimit is made of on @s. */
void fg_describe_commit_limit(struct fg_buf *b, const struct fg_sys *s);

#endif /* FG_REPORT_RULE_H */
