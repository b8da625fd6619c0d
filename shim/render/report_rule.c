/*
 * report_rule.c - the rule in words: what the overcommit mode refuses, on
 * this kernel's rule, and with which numbers.
 *
 * Every sentence about the rule is built here from the same pieces: the
 * mode's word (the kernel's OVERCOMMIT_GUESS, _ALWAYS, _NEVER: heuristic,
 * always, never), what it refuses, and its limit, which a report prints
 * with the very terms the rule computed it from (policy_limits.c) in
 * exact kB, so that they add up to it (after the limit as a size); an ok
 * verdict gets the limit and the margin left.  Used by the reports (the text's
 * and the JSON's "rule"), check --all's rule line and explain.  No stdio,
 * no heap.
 */
#include "forkguard.h"
#include "policy.h"
#include "policy_limits.h"
#include "fmt.h"
#include "report_rule.h"

const char *fg_mode_word(int mode)
{
	switch (mode) {
	case FG_OVERCOMMIT_GUESS: return "heuristic";
	case FG_OVERCOMMIT_ALWAYS: return "always";
	case FG_OVERCOMMIT_NEVER: return "never";
	default: return "?";
	}
}

/* "mode 0 (heuristic, 5.2+)": the era only where it changes the rule */
static void label(struct fg_buf *b, int mode, enum fg_rule rule, bool era)
{
	fg_puts(b, "mode ");
	fg_puti(b, mode);
	fg_puts(b, " (");
	fg_puts(b, fg_mode_word(mode));
	if (era && mode == FG_OVERCOMMIT_GUESS) {
		fg_puts(b, ", ");
		fg_puts(b, fg_rule_name(rule));
	}
	fg_puts(b, ") ");
}

/* What the mode refuses under @rule, up to its limit (which follows). */
static void refuses(struct fg_buf *b, int mode, enum fg_rule rule)
{
	if (mode == FG_OVERCOMMIT_ALWAYS)
		fg_puts(b, "never refuses a fork");
	else if (mode == FG_OVERCOMMIT_NEVER)
		fg_puts(b, "refuses the fork at the VMA where committed + "
			   "charge reaches allowed ");
	else if (rule == FG_RULE_5_2)
		fg_puts(b, "refuses a single VMA larger than RAM + swap ");
	else
		fg_puts(b, "refuses a VMA not smaller than the free estimate ");
}

/* "(RAM - hugetlb) x 50% + swap": CommitLimit, mode 2's base. */
static void commit_limit(struct fg_buf *b, const struct fg_sys *s)
{
	if (s->kbytes) {
		fg_puts(b, "overcommit_kbytes ");
		fg_putu(b, s->kbytes);
	} else {
		fg_puts(b, "(RAM - hugetlb) x ");
		fg_putu(b, s->ratio);
		fg_putc(b, '%');
	}
	fg_puts(b, " + swap");
}

/*
 * "23.5 GiB: N kB = name a kB + name b kB - name c kB": the limit as a
 * size, then as the terms the rule used (policy.c's fg_limit_terms),
 * exact, so that they add up.
 */
static void put_terms(struct fg_buf *b, const struct fg_result *r)
{
	struct fg_terms ts;
	int64_t total = 0;
	unsigned i;

	fg_limit_terms(&r->sys, &r->task, r->ev.rule, &ts);
	for (i = 0; i < ts.n; i++)
		total += ts.t[i].pages;
	/* the size as every other size of the report, then the exact sum */
	fg_putsize(b, total > 0 ? (uint64_t)total * r->ev.page_kb : 0);
	fg_puts(b, ": ");
	fg_puti(b, total * (int64_t)r->ev.page_kb);
	fg_puts(b, " kB");
	if (total < 0)
		fg_puts(b, " (so 0)");
	for (i = 0; i < ts.n; i++) {
		int64_t v = ts.t[i].pages * (int64_t)r->ev.page_kb;

		fg_puts(b, i == 0 ? (v < 0 ? " = -" : " = ")
				  : (v < 0 ? " - " : " + "));
		fg_puts(b, ts.t[i].name);
		fg_putc(b, ' ');
		fg_putu(b, (uint64_t)(v < 0 ? -v : v));
		fg_puts(b, " kB");
	}
}

/*
 * An ok verdict's limit and how far below it the fork stays (policy.c's
 * margin; from a bound, the margin is at least that).
 */
void fg_report_headroom(struct fg_buf *b, const struct fg_result *r)
{
	int64_t m = fg_eval_margin_kb(&r->ev);

	fg_puts(b, r->ev.mode == FG_OVERCOMMIT_NEVER ? "; allowed "
						     : "; limit per VMA ");
	fg_putsize(b, r->ev.limit_pages * r->ev.page_kb);
	/* "margin": "headroom" is the copy-on-write room (cow: line) */
	fg_puts(b, r->exact ? ", margin " : ", margin at least ");
	fg_putsize(b, m > 0 ? (uint64_t)m : 0);
}

void fg_report_rule(struct fg_buf *b, const struct fg_result *r)
{
	const struct fg_sys *s = &r->sys;
	const struct fg_eval *ev = &r->ev;

	if (ev->mode < FG_OVERCOMMIT_GUESS || ev->mode > FG_OVERCOMMIT_NEVER) {
		fg_puts(b, "overcommit_memory could not be read");
		return;
	}
	label(b, ev->mode, ev->rule, true);
	refuses(b, ev->mode, ev->rule);
	if (ev->mode == FG_OVERCOMMIT_ALWAYS)
		return;
	put_terms(b, r);
	if (ev->mode == FG_OVERCOMMIT_NEVER) {
		fg_puts(b, " (CommitLimit = ");
		commit_limit(b, s);
		fg_puts(b, "); committed before the fork ");
		fg_putsize(b, ev->committed_pages * r->ev.page_kb);
	} else if (ev->rule != FG_RULE_5_2) {
		fg_puts(b, ev->admin ? " (CAP_SYS_ADMIN)"
				     : " (not CAP_SYS_ADMIN)");
	}
}

void fg_describe_rule_line(struct fg_buf *b, const struct fg_sys *s)
{
	struct fg_task t = { 0 };
	struct fg_eval ev;

	fg_eval_begin(&ev, s, &t);
	fg_puts(b, "overcommit_memory=");
	fg_puti(b, s->mode);
	fg_puts(b, ", kernel ");
	fg_puts(b, s->release[0] ? s->release : "?");
	fg_puts(b, ", rule ");
	fg_puts(b, fg_rule_name(ev.rule));
	fg_puts(b, ": ");
	label(b, s->mode, ev.rule, false);
	refuses(b, s->mode, ev.rule);
	if (s->mode != FG_OVERCOMMIT_ALWAYS)
		fg_putsize(b, ev.limit_pages * ev.page_kb);
	if (s->mode == FG_OVERCOMMIT_NEVER) {
		fg_puts(b, " (committed now ");
		fg_putsize(b, s->committed_kb);
		fg_puts(b, "; less min(VSZ/32, user_reserve))");
	}
	fg_putc(b, '\n');
}

void fg_describe_mode(struct fg_buf *b, const struct fg_sys *s)
{
	fg_puts(b, fg_mode_word(s->mode));
	fg_puts(b, " overcommit");
}

void fg_describe_commit_limit(struct fg_buf *b, const struct fg_sys *s)
{
	commit_limit(b, s);
}

void fg_describe_policy(struct fg_buf *b, const struct fg_sys *s,
			uint64_t mode0_max_kb, uint64_t allowed_kb,
			uint64_t room_kb)
{
	fg_puts(b, "  ");
	label(b, s->mode, s->rule, false);
	refuses(b, s->mode, s->rule);
	switch (s->mode) {
	case FG_OVERCOMMIT_GUESS:
		fg_putc(b, '(');
		fg_putsize(b, mode0_max_kb);
		fg_puts(b, " passes now); the total does not matter\n");
		return;
	case FG_OVERCOMMIT_ALWAYS:
		fg_puts(b, " for memory; an overrun meets the OOM killer "
			   "instead\n");
		return;
	default:
		fg_putsize(b, allowed_kb);
		fg_puts(b, " (");
		fg_putsize(b, room_kb);
		fg_puts(b, " of room now)\n");
	}
}
