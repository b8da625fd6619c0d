/*
 * report.c - render a verdict as an operator's diagnosis or a JSON line.
 *
 * Both forms come from one struct fg_result (a check), or from the guard's
 * struct fg_event around a real fork (the result, the call's outcome and
 * what the guard did), so the text and the JSON say the same thing.  The
 * diagnosis names the binding limit with every number in it, the failing
 * VMA, the largest charges, VSZ against RSS, and the fixes that fit this
 * mode and kernel (their sentences are describe.c's).  No stdio, no heap.
 */
#include <errno.h>
#include <string.h>

#include "cgroup.h"
#include "describe.h"
#include "event.h"
#include "policy.h"
#include "fmt.h"
#include "report_rule.h"

static const char *outcome_name(const struct fg_event *e)
{
	if (e->refused)
		return "refused";
	if (e->outcome_errno < 0)
		return NULL;
	if (!e->outcome_errno)
		return "ok";
	return fg_errno_name(e->outcome_errno) ? fg_errno_name(e->outcome_errno)
					       : "error";
}

static uint64_t kb(const struct fg_result *r, uint64_t pages)
{
	return pages * r->ev.page_kb;
}

static uint64_t vma_kb(const struct fg_vma *v)
{
	return (v->end - v->start) / 1024;
}

static const char *vma_name(const struct fg_vma *v)
{
	return v->name[0] ? v->name : "[anon]";
}

static void put_vma(struct fg_buf *b, const struct fg_vma *v)
{
	fg_puthex(b, v->start);
	fg_putc(b, '-');
	fg_puthex(b, v->end);
	fg_putc(b, ' ');
	fg_putsize(b, vma_kb(v));
	fg_putc(b, ' ');
	fg_puts(b, vma_name(v));
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

/* Why the estimate tier's bounds differ, or NULL when they cannot. */
static const char *uncertain(const struct fg_eval *ev)
{
	bool anon = ev->unsure & (1u << FG_UNSURE_ANON);
	bool clean = ev->unsure & (1u << FG_UNSURE_CLEAN);

	if (anon && clean)
		return "noreserve, dontfork and a past mprotect to writable "
		       "are "
		       "not visible before 3.8";
	if (anon)
		return "noreserve and dontfork are not visible before 3.8";
	if (clean)
		return "a read-only mapping made writable once stays charged; "
		       "not visible before 3.8";
	return NULL;
}

/*
 * How the operator settles the mappings whose charge is unknown; from
 * outside (@outside: forkguard check), also that the guard in the
 * process knows more.
 */
static void put_settle(struct fg_buf *b, const struct fg_eval *ev, bool outside)
{
	if (ev->unsure & (1u << FG_UNSURE_ANON)) {
		fg_puts(
		    b,
		    "an anonymous mapping is charged unless it was mapped "
		    "MAP_NORESERVE (jemalloc >= 4.2 and glibc < 2.37 "
		    "thread arenas do so in modes 0/1; jemalloc <= 4.1, "
		    "as bundled with Redis 3.x and 4.x, does not; Redis: INFO "
		    "memory mem_allocator) or madvised MADV_DONTFORK");
		if (ev->mode == 2)
			fg_puts(b,
				"; mode 2 ignores MAP_NORESERVE for mappings "
				"made in mode 2");
	}
	if (ev->unsure & (1u << FG_UNSURE_CLEAN)) {
		if (ev->unsure & (1u << FG_UNSURE_ANON))
			fg_puts(b, "; ");
		fg_puts(b, "a never-written read-only mapping is charged only "
			   "if the program made it writable once (mprotect)");
	}
	if (ev->unsure & (1u << FG_UNSURE_ANON))
		fg_puts(b, "; when none is, say so: forkguard check "
			   "--anon-charged, FORKGUARD_ANON_CHARGED=1");
	if (outside)
		fg_puts(b, "; the preloaded library records how each mapping "
			   "is made through libc and settles those at fork");
	fg_puts(b, "; kernels 3.8+ show it exactly (smaps VmFlags ac, nr, "
		   "dc)");
}

static void put_bounds(struct fg_buf *b, const struct fg_result *r)
{
	const struct fg_eval *ev = &r->ev;

	fg_putsize(b, kb(r, ev->charge_min_pages));
	fg_puts(b, " to ");
	fg_putsize(b, kb(r, fg_eval_charge_max(ev)));
}

static size_t text(const struct fg_result *r, const struct fg_event *e,
		   long check_us, char *buf, size_t len)
{
	struct fg_buf b;
	const struct fg_eval *ev = &r->ev;
	const char *out = outcome_name(e);
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
	fg_putsize(&b, kb(r, ev->charge_pages));
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
	if (r->verdict == FG_OK && (ev->mode == 0 || ev->mode == 2))
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
	fg_putsize(&b, kb(r, ev->charge_pages));
	fg_puts(&b, " in ");
	fg_putu(&b, ev->nvmas);
	if (r->tier == FG_TIER_STATM) {
		fg_puts(&b, " (VSZ bound), largest VMA unknown");
	} else {
		fg_puts(&b, " accountable VMAs, largest ");
		fg_putsize(&b, kb(r, ev->largest_pages));
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
	if (uncertain(ev)) {
		fg_puts(&b, "  uncertain: ");
		fg_puts(&b, uncertain(ev));
		fg_puts(&b, ": charge ");
		put_bounds(&b, r);
		if (ev->per_vma) {
			fg_puts(&b, ", largest charged VMA ");
			fg_putsize(&b, kb(r, ev->largest_min_pages));
			fg_puts(&b, " to ");
			fg_putsize(&b, kb(r, ev->largest_pages));
		}
		fg_puts(&b, "; unknown: ");
		put_top(&b, ev->unknown, ev->nunknown, "; ");
		fg_puts(&b, "\n  settle: ");
		put_settle(&b, ev, !strcmp(e->call, "check"));
		fg_putc(&b, '\n');
	}
	if (e->jemalloc.have_stats)
		put_jemalloc(&b, r, &e->jemalloc);
	if (e->nattempts) {
		fg_puts(&b, "  remedies (verdict before them: ");
		fg_puts(&b, fg_verdict_name(e->verdict_before));
		fg_puts(&b, "): ");
		fg_describe_attempts(&b, e);
		fg_putc(&b, '\n');
	}
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

static void json_vma(struct fg_buf *b, const struct fg_vma *v)
{
	fg_puts(b, "{\"start\":\"");
	fg_puthex(b, v->start);
	fg_puts(b, "\",\"end\":\"");
	fg_puthex(b, v->end);
	fg_puts(b, "\",\"kb\":");
	fg_putu(b, vma_kb(v));
	fg_puts(b, ",\"name\":");
	fg_putjs(b, vma_name(v));
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
	fg_json_u(b, "charge_kb", kb(r, ev->charge_pages));
	fg_json_u(b, "charge_min_kb", kb(r, ev->charge_min_pages));
	fg_json_u(b, "charge_max_kb", kb(r, fg_eval_charge_max(ev)));
	/* at the statm tier only total_vm is known: a bound, not a VMA */
	fg_json_key(b, "largest_vma_kb");
	if (r->tier == FG_TIER_STATM)
		fg_puts(b, "null");
	else
		fg_putu(b, kb(r, ev->largest_pages));
	fg_json_key(b, "largest_vma_min_kb");
	if (r->tier == FG_TIER_STATM)
		fg_puts(b, "null");
	else
		fg_putu(b, kb(r, ev->largest_min_pages));
	fg_json_s(b, "uncertain", uncertain(ev));
	fg_json_b(b, "anon_charged", ev->anon_charged);
	fg_json_key(b, "limit_kb");
	if (ev->mode == 0 || ev->mode == 2)
		fg_putu(b, kb(r, ev->limit_pages));
	else
		fg_puts(b, "null");
	fg_json_key(b, "committed_kb");
	if (ev->mode == 2)
		fg_putu(b, kb(r, ev->committed_pages));
	else
		fg_puts(b, "null");
	fg_json_u(b, "band_kb", kb(r, ev->band_pages));
	fg_json_u(b, "vsz_kb", r->task.vsz_kb);
	fg_json_u(b, "rss_kb", r->task.rss_kb);
	fg_json_b(b, "admin", r->task.admin);
	fg_json_s(b, "outcome", outcome_name(e));
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
			if (uncertain(ev)) {
				fg_buf_init(&t, tmp, sizeof(tmp));
				put_settle(&t, ev, !strcmp(e->call, "check"));
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
