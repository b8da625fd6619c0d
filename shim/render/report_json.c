/*
 * report_json.c - render a verdict as one JSON line: the same facts as
 * report.c's diagnosis, from the same struct fg_result or struct
 * fg_event, with the keys README "JSON lines" lists.  Never a partial
 * object: when it does not fit, the lists go first, then everything but
 * {"event":"fork","truncated":true}.  No stdio, no heap.
 */
#include <string.h>

#include "describe.h"
#include "event.h"
#include "fmt.h"
#include "policy.h"
#include "report.h"
#include "report_cow.h"
#include "report_rule.h"

static void json_vma(struct fg_buf *b, const struct fg_vma *v)
{
	fg_puts(b, "{\"start\":\"");
	fg_puthex(b, v->start);
	fg_puts(b, "\",\"end\":\"");
	fg_puthex(b, v->end);
	fg_puts(b, "\",\"kb\":");
	fg_putu(b, fg_vma_kb(v));
	fg_puts(b, ",\"name\":");
	fg_putjs(b, fg_vma_name(v));
	fg_putc(b, '}');
}

static void json_vmas(struct fg_buf *b, const char *key, const struct fg_vma *v,
		      unsigned n)
{
	unsigned i;

	fg_json_key(b, key);
	fg_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			fg_putc(b, ',');
		json_vma(b, &v[i]);
	}
	fg_putc(b, ']');
}

static void json_body(struct fg_buf *b, const struct fg_result *r,
		      const struct fg_event *e, long check_us, bool with_lists)
{
	const struct fg_eval *ev = &r->ev;

	fg_putc(b, '{');
	fg_json_s(b, "event", "fork");
	fg_json_u(b, "pid", (uint64_t)r->task.pid);
	fg_json_s(b, "comm", r->task.comm);
	fg_json_s(b, "call", e->call);
	fg_json_key(b, "overcommit_mode");
	fg_puti(b, r->sys.mode);
	fg_json_s(b, "kernel_rule", fg_rule_name(ev->rule));
	fg_json_s(b, "kernel", r->sys.release);
	fg_json_s(b, "verdict", fg_verdict_name(r->verdict));
	if (e->nattempts) /* what the remedies changed */
		fg_json_s(b, "verdict_before",
			  fg_verdict_name(e->verdict_before));
	fg_json_b(b, "exact", r->exact);
	fg_json_s(b, "tier", fg_tier_name(r->tier));
	fg_json_u(b, "charge_kb", fg_report_kb(r, ev->charge_pages));
	fg_json_u(b, "charge_min_kb", fg_report_kb(r, ev->charge_min_pages));
	fg_json_u(b, "charge_max_kb", fg_report_kb(r, fg_eval_charge_max(ev)));
	/* at the statm tier only total_vm is known: a bound, not a VMA */
	fg_json_key(b, "largest_vma_kb");
	if (r->tier == FG_TIER_STATM)
		fg_puts(b, "null");
	else
		fg_putu(b, fg_report_kb(r, ev->largest_pages));
	fg_json_key(b, "largest_vma_min_kb");
	if (r->tier == FG_TIER_STATM)
		fg_puts(b, "null");
	else
		fg_putu(b, fg_report_kb(r, ev->largest_min_pages));
	fg_json_s(b, "uncertain", fg_describe_uncertain(ev));
	fg_json_b(b, "anon_charged", ev->anon_charged);
	fg_json_key(b, "limit_kb");
	if (fg_mode_refuses(ev->mode))
		fg_putu(b, fg_report_kb(r, ev->limit_pages));
	else
		fg_puts(b, "null");
	fg_json_key(b, "committed_kb");
	if (ev->mode == FG_OVERCOMMIT_NEVER)
		fg_putu(b, fg_report_kb(r, ev->committed_pages));
	else
		fg_puts(b, "null");
	fg_json_u(b, "band_kb", fg_report_kb(r, ev->band_pages));
	fg_json_u(b, "vsz_kb", r->task.vsz_kb);
	fg_json_u(b, "rss_kb", r->task.rss_kb);
	fg_json_b(b, "admin", r->task.admin);
	fg_json_s(b, "outcome", fg_describe_outcome(e));
	fg_json_b(b, "mismatch", e->mismatch);
	fg_json_b(b, "read_after", e->read_after);
	fg_json_u(b, "check_us", check_us > 0 ? (uint64_t)check_us : 0);
	fg_json_key(b, "failing_vma");
	if (ev->failed)
		json_vma(b, &ev->fail_vma);
	else
		fg_puts(b, "null");
	if (with_lists) {
		json_vmas(b, "top_vmas", ev->top,
			  r->tier == FG_TIER_STATM ? 0 : ev->ntop);
		json_vmas(b, "unknown_vmas", ev->unknown, ev->nunknown);
	}
	if (e->have_limits) {
		const struct fg_limits *l = &e->limits;
		const int64_t v[] = { l->nproc_limit, l->pids_max,
				      l->pids_current, l->threads_max,
				      l->threads };
		const char *const k[] = { "nproc_limit", "pids_max",
					  "pids_current", "threads_max",
					  "threads" };
		unsigned j;

		fg_json_key(b, "limits");
		fg_putc(b, '{');
		for (j = 0; j < 5; j++) {
			if (j)
				fg_putc(b, ',');
			fg_putjs(b, k[j]);
			fg_putc(b, ':');
			if (v[j] == FG_LIMIT_NONE)
				fg_puts(b, "\"unlimited\"");
			else if (v[j] == FG_LIMIT_UNKNOWN)
				fg_puts(b, "null");
			else
				fg_puti(b, v[j]);
		}
		fg_putc(b, '}');
	}
	if (r->cow.checked)
		fg_report_cow_json(b, &r->cow, e ? &e->cow : NULL);
	fg_json_key(b, "remedies");
	fg_putc(b, '[');
	fg_describe_attempts(b, e);
	fg_putc(b, ']');
	if (e->jemalloc.have_stats) {
		fg_json_key(b, "jemalloc");
		fg_puts(b, "{\"allocated_kb\":");
		fg_putu(b, e->jemalloc.allocated_kb);
		fg_puts(b, ",\"active_kb\":");
		fg_putu(b, e->jemalloc.active_kb);
		fg_puts(b, ",\"resident_kb\":");
		fg_putu(b, e->jemalloc.resident_kb);
		fg_puts(b, ",\"mapped_kb\":");
		fg_putu(b, e->jemalloc.mapped_kb);
		fg_puts(b, ",\"retained_kb\":");
		fg_putu(b, e->jemalloc.retained_kb);
		fg_putc(b, '}');
	}
	if (r->verdict != FG_OK) {
		fg_json_key(b, "rule");
		{
			char tmp[1024];
			struct fg_buf t;

			fg_buf_init(&t, tmp, sizeof(tmp));
			fg_report_rule(&t, r);
			fg_putjs(b, tmp);
			fg_buf_init(&t, tmp, sizeof(tmp));
			fg_describe_fixes(&t, r, e, " | ");
			fg_json_s(b, "fix", tmp);
			if (fg_describe_uncertain(ev)) {
				fg_buf_init(&t, tmp, sizeof(tmp));
				fg_describe_settle(
				    &t, ev,
				    e->call && !strcmp(e->call, "check"));
				fg_json_s(b, "settle", tmp);
			}
		}
	}
	fg_puts(b, "}\n");
}

static size_t json(const struct fg_result *r, const struct fg_event *e,
		   long check_us, char *buf, size_t len)
{
	struct fg_buf b;

	fg_buf_init(&b, buf, len);
	json_body(&b, r, e, check_us, true);
	if (b.full) {
		/* never a partial object: drop the lists, then give up */
		fg_buf_init(&b, buf, len);
		json_body(&b, r, e, check_us, false);
		if (b.full) {
			fg_buf_init(&b, buf, len);
			fg_puts(&b,
				"{\"event\":\"fork\",\"truncated\":true}\n");
		}
	}
	if (b.full && len)
		buf[0] = '\0'; /* not even that fits: empty, not a cut object */
	return b.full ? 0 : b.at;
}

size_t fg_report_json(const struct fg_result *r, char *buf, size_t len)
{
	struct fg_event none;

	fg_event_init(&none, "check");
	return json(r, &none, r->check_us, buf, len);
}

size_t fg_event_json(const struct fg_event *e, char *buf, size_t len)
{
	return json(&e->r, e, e->check_us, buf, len);
}
