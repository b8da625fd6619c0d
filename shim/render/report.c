/*
 * report.c - render a verdict as an operator's diagnosis (the JSON line of
 * the same facts is report_json.c).
 *
 * Both forms come from one struct fg_result (a check), or from the guard's
 * struct fg_event around a real fork (the result, the call's outcome and
 * what the guard did), so the text and the JSON say the same thing.  The
 * diagnosis names the binding limit with every number in it, the failing
 * VMA, the largest charges, VSZ against RSS, and the fixes that fit this
 * mode and kernel (their sentences are describe.c's, the rule's
 * report_rule.c's).  No stdio, no heap.
 */
#include <errno.h>
#include <string.h>

#include "cgroup.h"
#include "describe.h"
#include "event.h"
#include "policy.h"
#include "report.h"
#include "report_cow.h"
#include "fmt.h"
#include "report_rule.h"

static void put_vma(struct fg_buf *b, const struct fg_vma *v)
{
	fg_puthex(b, v->start);
	fg_putc(b, '-');
	fg_puthex(b, v->end);
	fg_putc(b, ' ');
	fg_putsize(b, fg_vma_kb(v));
	fg_putc(b, ' ');
	fg_puts(b, fg_vma_name(v));
}

static void put_top(struct fg_buf *b, const struct fg_vma *top, unsigned n,
		    const char *sep)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i)
			fg_puts(b, sep);
		put_vma(b, &top[i]);
	}
}

/* Where the VSZ is: what jemalloc keeps mapped, and retains unmapped. */
static void put_jemalloc(struct fg_buf *b, const struct fg_result *r,
			 const struct fg_alloc_stats *j)
{
	fg_puts(b, "  jemalloc: VSZ ");
	fg_putsize(b, r->task.vsz_kb);
	fg_puts(b, ", of which jemalloc retains ");
	fg_putsize(b, j->retained_kb);
	fg_puts(b, " (stats.retained) and maps ");
	fg_putsize(b, j->mapped_kb);
	fg_puts(b, " (active ");
	fg_putsize(b, j->active_kb);
	fg_puts(b, ", allocated ");
	fg_putsize(b, j->allocated_kb);
	fg_puts(b, ", resident ");
	fg_putsize(b, j->resident_kb);
	fg_puts(b, ")\n");
}

static void put_limit(struct fg_buf *b, int64_t v)
{
	if (v == FG_LIMIT_NONE)
		fg_puts(b, "unlimited");
	else if (v == FG_LIMIT_UNKNOWN)
		fg_puts(b, "?");
	else
		fg_puti(b, v);
}

/* EAGAIN is not overcommit: it is a task-count limit. */
static void put_eagain(struct fg_buf *b, const struct fg_limits *l)
{
	fg_puts(b, "  EAGAIN: a task limit, not memory: RLIMIT_NPROC ");
	put_limit(b, l->nproc_limit);
	fg_puts(b, " (per user; root and CAP_SYS_RESOURCE are exempt), cgroup "
		   "pids.max ");
	put_limit(b, l->pids_max);
	fg_puts(b, " with ");
	put_limit(b, l->pids_current);
	fg_puts(b, " in use, kernel.threads-max ");
	put_limit(b, l->threads_max);
	fg_puts(b, " with ");
	put_limit(b, l->threads);
	fg_puts(b,
		" tasks\n  fix: raise the limit that is reached (ulimit -u / "
		"LimitNPROC=, the service's TasksMax= / pids.max, "
		"kernel.threads-max)\n");
}

static void put_bounds(struct fg_buf *b, const struct fg_result *r)
{
	const struct fg_eval *ev = &r->ev;

	fg_putsize(b, fg_report_kb(r, ev->charge_min_pages));
	fg_puts(b, " to ");
	fg_putsize(b, fg_report_kb(r, fg_eval_charge_max(ev)));
}

static size_t text(const struct fg_result *r, const struct fg_event *e,
		   long check_us, char *buf, size_t len)
{
	struct fg_buf b;
	const struct fg_eval *ev = &r->ev;
	const char *out = fg_describe_outcome(e);
	bool detail = r->verdict != FG_OK || (out && e->outcome_errno > 0) ||
		      e->nattempts;

	fg_buf_init(&b, buf, len);
	fg_puts(&b, "forkguard[");
	fg_putu(&b, (uint64_t)r->task.pid);
	fg_puts(&b, "] ");
	fg_puts(&b, r->task.comm[0] ? r->task.comm : "?");
	fg_puts(&b, ": ");
	fg_puts(&b, e->call);
	fg_puts(&b, " verdict ");
	fg_puts(&b, fg_verdict_name(r->verdict));
	if (out) {
		fg_puts(&b, ", outcome ");
		fg_puts(&b, out);
	}
	if (e->mismatch)
		fg_puts(&b, " (MISMATCH: the kernel disagreed with the model)");
	if (e->read_after)
		fg_puts(&b, " (figures read after the call)");
	fg_puts(&b, "; overcommit_memory=");
	fg_puti(&b, r->sys.mode);
	fg_puts(&b, ", kernel ");
	fg_puts(&b, r->sys.release[0] ? r->sys.release : "?");
	fg_puts(&b, " rule ");
	fg_puts(&b, fg_rule_name(ev->rule));
	fg_puts(&b, ", charge ");
	fg_putsize(&b, fg_report_kb(r, ev->charge_pages));
	if (r->exact)
		fg_puts(&b, " (exact, from smaps), check ");
	else if (r->tier == FG_TIER_ESTIMATE) {
		fg_puts(&b, " (estimate without VmFlags: ");
		put_bounds(&b, r);
		if (ev->anon_charged)
			fg_puts(&b, ", anonymous mappings charged as stated");
		fg_puts(&b, "), check ");
	} else if (r->tier == FG_TIER_NONE)
		fg_puts(&b, ", check ");
	else {
		fg_puts(&b, " (upper bound, from ");
		fg_puts(&b, fg_tier_name(r->tier));
		fg_puts(&b, "), check ");
	}
	fg_puti(&b, check_us);
	fg_puts(&b, " us");
	if (r->verdict == FG_OK && fg_mode_refuses(ev->mode))
		fg_report_headroom(&b, r);
	fg_putc(&b, '\n');
	if (r->read_error) {
		fg_puts(&b, "  note: a /proc read failed (");
		fg_puterrno(&b, r->read_error);
		fg_puts(&b, "); the verdict is as good as the bound\n");
	}
	if (e->have_limits)
		put_eagain(&b, &e->limits);
	if (r->cow.checked)
		fg_report_cow_text(&b, &r->cow, e ? &e->cow : NULL);
	if (!detail || (e->have_limits && r->verdict == FG_OK))
		return b.at;
	fg_puts(&b, "  rule: ");
	fg_report_rule(&b, r);
	fg_putc(&b, '\n');
	if (ev->failed) {
		fg_puts(&b, "  failing VMA: ");
		put_vma(&b, &ev->fail_vma);
		fg_putc(&b, '\n');
	}
	fg_puts(&b, "  charge: ");
	fg_putsize(&b, fg_report_kb(r, ev->charge_pages));
	fg_puts(&b, " in ");
	fg_putu(&b, ev->nvmas);
	if (r->tier == FG_TIER_STATM) {
		fg_puts(&b, " (VSZ bound), largest VMA unknown");
	} else {
		fg_puts(&b, " accountable VMAs, largest ");
		fg_putsize(&b, fg_report_kb(r, ev->largest_pages));
	}
	fg_puts(&b, "; VSZ ");
	fg_putsize(&b, r->task.vsz_kb);
	fg_puts(&b, ", RSS ");
	fg_putsize(&b, r->task.rss_kb);
	fg_puts(&b, r->task.admin ? "; CAP_SYS_ADMIN\n" : "\n");
	if (ev->ntop && r->tier != FG_TIER_STATM) {
		fg_puts(&b, "  largest: ");
		put_top(&b, ev->top, ev->ntop, "; ");
		fg_putc(&b, '\n');
	}
	if (fg_describe_uncertain(ev)) {
		fg_puts(&b, "  uncertain: ");
		fg_puts(&b, fg_describe_uncertain(ev));
		fg_puts(&b, ": charge ");
		put_bounds(&b, r);
		if (ev->per_vma) {
			fg_puts(&b, ", largest charged VMA ");
			fg_putsize(&b, fg_report_kb(r, ev->largest_min_pages));
			fg_puts(&b, " to ");
			fg_putsize(&b, fg_report_kb(r, ev->largest_pages));
		}
		fg_puts(&b, "; unknown: ");
		put_top(&b, ev->unknown, ev->nunknown, "; ");
		fg_puts(&b, "\n  settle: ");
		fg_describe_settle(&b, ev,
				   e->call && !strcmp(e->call, "check"));
		fg_putc(&b, '\n');
	}
	if (e->jemalloc.have_stats)
		put_jemalloc(&b, r, &e->jemalloc);
	if (e->nattempts) {
		fg_puts(&b, "  remedies (verdict before them: ");
		fg_puts(&b, fg_verdict_name(e->verdict_before));
		fg_puts(&b, "): ");
		fg_describe_attempts_text(&b, e);
		fg_putc(&b, '\n');
	}
	/* the remedies saved this fork: no fix applies to it now */
	if (e->nattempts && r->verdict == FG_OK)
		return b.at;
	fg_puts(&b, "  fix: ");
	fg_describe_fixes(&b, r, e, "\n  fix: ");
	fg_putc(&b, '\n');
	return b.at;
}

/* A check reported alone: no call was made, nothing was done. */
size_t fg_report_text(const struct fg_result *r, char *buf, size_t len)
{
	struct fg_event none;

	fg_event_init(&none, "check");
	return text(r, &none, r->check_us, buf, len);
}

size_t fg_event_text(const struct fg_event *e, char *buf, size_t len)
{
	return text(&e->r, e, e->check_us, buf, len);
}
