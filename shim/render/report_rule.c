/*
 * report_rule.c - the sentence a report gives the rule: what it compares
 * and with which numbers.
 *
 * The limit is printed with the very terms the rule computed it from
 * (policy_limits.c), in exact kB, so that they add up to it; an ok verdict
 * gets the limit and the margin left.  Part of the rendering (report.c
 * calls it for the text and the JSON "rule"); no stdio, no heap.
 */
#include "forkguard.h"
#include "policy.h"
#include "policy_limits.h"
#include "fmt.h"
#include "report_rule.h"

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

	fg_puts(b, r->ev.mode == 2 ? "; allowed " : "; limit per VMA ");
	fg_putsize(b, r->ev.limit_pages * r->ev.page_kb);
	/* "margin": "headroom" is the copy-on-write room (cow: line) */
	fg_puts(b, r->exact ? ", margin " : ", margin at least ");
	fg_putsize(b, m > 0 ? (uint64_t)m : 0);
}

/* One sentence on what the rule compares, with its numbers. */
void fg_report_rule(struct fg_buf *b, const struct fg_result *r)
{
	const struct fg_sys *s = &r->sys;
	const struct fg_eval *ev = &r->ev;

	switch (ev->mode) {
	case 1:
		fg_puts(b, "mode 1 (always overcommit) never refuses a fork");
		return;
	case 2:
		fg_puts(b, "mode 2 (strict) refuses the fork at the VMA where "
			   "committed + charge reaches allowed ");
		put_terms(b, r);
		if (s->kbytes) {
			fg_puts(b, " (CommitLimit from overcommit_kbytes ");
			fg_putu(b, s->kbytes);
		} else {
			fg_puts(b, " (CommitLimit = (RAM - hugetlb) x ");
			fg_putu(b, s->ratio);
			fg_puts(b, "% + swap");
		}
		fg_puts(b, "); committed before the fork ");
		fg_putsize(b, ev->committed_pages * r->ev.page_kb);
		return;
	case 0:
		fg_puts(b, "mode 0 (heuristic, ");
		fg_puts(b, fg_rule_name(ev->rule));
		fg_puts(b, ev->rule == FG_RULE_5_2
			       ? ") refuses a single VMA larger than RAM + "
				 "swap "
			       : ") refuses a VMA not smaller than the free "
				 "estimate ");
		put_terms(b, r);
		if (ev->rule != FG_RULE_5_2)
			fg_puts(b, ev->admin ? " (CAP_SYS_ADMIN)"
					     : " (not CAP_SYS_ADMIN)");
		return;
	default: fg_puts(b, "overcommit_memory could not be read");
	}
}
