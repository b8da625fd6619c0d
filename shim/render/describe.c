/*
 * describe.c - the sentences: the fixes that fit a verdict, why a remedy
 * cannot help, what each remedy did, the outcome's name, why an estimate
 * is uncertain and how to settle it.  One home for each, used by the
 * reports (report.c, report_json.c) and the guard's remedies.  The rule
 * in words is report_rule.c's.
 * Numbers in, text out through a fixed buffer: no stdio, no heap.
 */
#include <string.h>

#include "config.h"
#include "describe.h"
#include "policy.h"
#include "policy_remedy.h"

const char *fg_describe_outcome(const struct fg_event *e)
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

const char *fg_describe_uncertain(const struct fg_eval *ev)
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

void fg_describe_settle(struct fg_buf *b, const struct fg_eval *ev,
			bool outside)
{
	if (ev->unsure & (1u << FG_UNSURE_ANON)) {
		fg_puts(
		    b,
		    "an anonymous mapping is charged unless it was mapped "
		    "MAP_NORESERVE (jemalloc >= 4.2 and glibc < 2.37 "
		    "thread arenas do so in modes 0/1; jemalloc <= 4.1, "
		    "as bundled with Redis 3.x and 4.x, does not; Redis: INFO "
		    "memory mem_allocator) or madvised MADV_DONTFORK");
		if (ev->mode == FG_OVERCOMMIT_NEVER)
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

const char *fg_describe_fit(enum fg_fit fit)
{
	switch (fit) {
	case FG_FIT_NORESERVE:
		return "mode 0: jemalloc maps MAP_NORESERVE, never charged; "
		       "a purge frees RSS, not this VMA";
	case FG_FIT_NO_CHARGE:
		return "mode 2: tcmalloc frees RSS but returns no commit "
		       "charge";
	case FG_FIT_RSS_ONLY:
		return "mode 0: it frees RSS; VMA sizes stay, the verdict with "
		       "them";
	case FG_FIT_SUM:
		return "mode 2 charges the sum of the VMAs: the pieces of a "
		       "split add up to the same";
	case FG_FIT_TOO_SMALL: return "the limit is too small to cut under";
	case FG_FIT_SPECIAL: return "the VMA is a stack or special mapping";
	/* trim is in every glibc process: that it does not fit is no news */
	case FG_FIT_NOT_HEAP:
	default: return NULL;
	}
}

static void split_note(struct fg_buf *b, const struct fg_attempt *a)
{
	if (a->stop == FG_SPLIT_FLAGGED)
		fg_puts(b, "no split: the VMA already had VM_DONTDUMP and "
			   "VM_NOHUGEPAGE");
	else if (a->stop == FG_SPLIT_TOO_MANY)
		fg_puts(b, "more than 256 cuts needed: not split");
	else if (a->stop == FG_SPLIT_MADVISE)
		fg_puts(b, "madvise failed (vm.max_map_count?)");
	if (!a->cuts)
		return;
	if (a->stop != FG_SPLIT_OK)
		fg_puts(b, "; ");
	fg_putu(b, a->cuts);
	fg_puts(b, " cut(s), pieces <= ");
	fg_putsize(b, a->piece_kb);
	fg_puts(b, a->thp ? "; 1 page per cut may not use THP (MADV_NOHUGEPAGE)"
			  : "; 1 page per cut is left out of core dumps "
			    "(MADV_DONTDUMP)");
}

/* The note of one attempt, in a sentence ("" when it has none). */
static void attempt_note(struct fg_buf *b, const struct fg_attempt *a)
{
	switch (a->note) {
	case FG_NOTE_SPLIT: split_note(b, a); return;
	case FG_NOTE_RETRY:
		fg_putu(b, a->rechecks);
		fg_puts(b, " re-check(s) from ");
		fg_putu(b, a->delay_ms);
		fg_puts(b, a->result == FG_ATTEMPT_PASS
			       ? " ms"
			       : " ms; the fork goes ahead");
		return;
	default:
		if (!a->why)
			return;
		fg_puts(b, a->why);
		if (a->err) {
			fg_puts(b, ", ");
			fg_puterrno(b, a->err);
		}
	}
}

/* one field of a remedy: JSON ,"key":value, or text SEP value */
static void field(struct fg_buf *b, bool json, const char *key, const char *sep,
		  const char *s, uint64_t kb, bool size)
{
	fg_puts(b, json ? ",\"" : sep);
	if (json) {
		fg_puts(b, key);
		fg_puts(b, "\":");
	}
	if (s && json)
		fg_putjs(b, s);
	else if (s)
		fg_puts(b, s);
	else if (size && !json)
		fg_putsize(b, kb);
	else
		fg_putu(b, kb);
}

/* @e's remedies, as the body of a JSON array or in words */
static void attempts(struct fg_buf *b, const struct fg_event *e, bool json)
{
	char note[112];
	struct fg_buf n;
	unsigned i;

	for (i = 0; i < e->nattempts; i++) {
		const struct fg_attempt *a = &e->attempts[i];

		fg_puts(b, !i ? "" : json ? "," : "; ");
		fg_puts(b, json ? "{\"name\":" : "");
		if (json)
			fg_putjs(b, a->name);
		else
			fg_puts(b, a->name);
		field(b, json, "result", " ", fg_attempt_result_name(a->result),
		      0, false);
		field(b, json, "released_kb", ", released ", NULL,
		      a->released_kb, true);
		if (a->rss_kb)
			field(b, json, "rss_kb", ", RSS ", NULL, a->rss_kb,
			      true);
		field(b, json, "us", ", ", NULL,
		      a->us > 0 ? (uint64_t)a->us : 0, false);
		fg_puts(b, json ? "" : " us");
		fg_buf_init(&n, note, sizeof(note));
		attempt_note(&n, a);
		if (note[0])
			field(b, json, "note", " (", note, 0, false);
		fg_puts(b, json ? "}" : note[0] ? ")" : "");
	}
}

void fg_describe_attempts(struct fg_buf *b, const struct fg_event *e)
{
	attempts(b, e, true);
}

void fg_describe_attempts_text(struct fg_buf *b, const struct fg_event *e)
{
	attempts(b, e, false);
}

#define FG_FREED_KB 65536 /* freed memory worth a purge */

void fg_describe_fixes(struct fg_buf *b, const struct fg_result *r,
		       const struct fg_event *e, const char *sep)
{
	const struct fg_alloc_stats *je = &e->jemalloc;
	const struct fg_eval *ev = &r->ev;
	uint64_t vsz = r->task.vsz_kb, rss = r->task.rss_kb;

	if (fg_eval_ram_swap_rule(ev)) {
		fg_puts(b,
			"split or shrink the oversized mapping (FORKGUARD_MODE="
			"remediate splits it), map it MAP_NORESERVE, or add "
			"swap");
		fg_puts(b, sep);
	}
	if (ev->mode == FG_OVERCOMMIT_NEVER && r->sys.kbytes) {
		/* overcommit_kbytes, once set, replaces the ratio */
		fg_puts(b, "raise vm.overcommit_kbytes (now ");
		fg_putu(b, r->sys.kbytes);
		fg_puts(b, "), or add swap");
		fg_puts(b, sep);
	} else if (ev->mode == FG_OVERCOMMIT_NEVER) {
		fg_puts(b, "raise vm.overcommit_ratio (now ");
		fg_putu(b, r->sys.ratio);
		fg_puts(b, ") or set vm.overcommit_kbytes, or add swap");
		fg_puts(b, sep);
	}
	/* mode 2: jemalloc's freed pages stay committed until purged */
	if (ev->mode == FG_OVERCOMMIT_NEVER && je->have_stats &&
	    je->mapped_kb > je->active_kb + FG_FREED_KB) {
		fg_puts(b, "jemalloc holds ");
		fg_putsize(b, je->mapped_kb - je->active_kb);
		fg_puts(b,
			" of freed pages that stay committed (stats.mapped - "
			"stats.active): a purge returns them (Redis: MEMORY "
			"PURGE; mallctl arena.4096.purge) - FORKGUARD_MODE="
			"remediate does this before the fork");
		fg_puts(b, sep);
	} else if (vsz > 2 * rss + 1048576 &&
		   fg_remedy_fit(FG_REMEDY_TRIM, ev, false) == FG_FIT_HELPS) {
		/* retained allocator memory: in mode 0 on 5.2+ only [heap] */
		fg_puts(b, "VSZ ");
		fg_putsize(b, vsz);
		fg_puts(b, " is far above RSS ");
		fg_putsize(b, rss);
		fg_puts(b,
			": the allocator keeps freed memory mapped; purge it "
			"(jemalloc: mallctl arena.4096.purge, MALLOC_CONF="
			"retain:false; glibc: malloc_trim) - FORKGUARD_MODE="
			"remediate does this before the fork");
		fg_puts(b, sep);
	}
	if (ev->mode != FG_OVERCOMMIT_ALWAYS) {
		fg_puts(b, "vm.overcommit_memory=1 lets this fork pass (risk: "
			   "memory is then promised freely and the OOM killer, "
			   "not ENOMEM, ends an overrun); it is host-wide and "
			   "cannot be set from inside a container");
	}
}
