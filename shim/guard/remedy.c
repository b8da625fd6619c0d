/*
 * remedy.c - make a fork that the kernel would refuse pass, before it runs.
 *
 * Called by guard.c in FORKGUARD_MODE=remediate when the exact check says
 * fail or borderline.  Each remedy is tried only where it can change this
 * verdict (KERNEL.md §3, §5), and the exact check is redone after each:
 *
 *   remedy    acts on                      helps in
 *   trim      glibc malloc_trim(0): the    mode 2; mode 0 5.2+ when the
 *             brk heap top (charge, VSZ)   failing VMA is [heap]; mode 0
 *                                          before 5.2 (frees memory)
 *   jemalloc  tcache flush + purge of all  mode 2 (decommit returns the
 *             arenas                       charge); mode 0 5.2+ only for
 *                                          [heap]; mode 0 before 5.2
 *   release   tcmalloc: madvise, RSS only; mode 0 before 5.2; mode 2 for
 *             mimalloc: mi_collect(true)   mimalloc only (tcmalloc returns
 *             also unmaps free segments    no charge)
 *   split     MADV_DONTDUMP on one page    mode 0 (a VMA is judged alone):
 *             per cut (MADV_NOHUGEPAGE     frees nothing
 *             if already VM_DONTDUMP):
 *             VMAs under the limit
 *
 * The order is the list's: the allocator remedies hand back only memory the
 * program already freed and leave no trace; the split is the last resort,
 * because it changes the mapping (one page per cut leaves core dumps) and
 * the memory stays.  MADV_DONTFORK is never used: the child may need any
 * page.  If no remedy makes the fork pass, the check is redone after a
 * doubling delay, FORKGUARD_RETRIES times; then the fork goes ahead and the
 * kernel decides.
 *
 * Allocators are found at run time with dlsym(RTLD_DEFAULT), once per
 * process and only for the remedies FORKGUARD_REMEDY enables; the library
 * has no link dependency on any of them.  No malloc here beyond what the
 * allocators' own calls do and dlsym's error message for a symbol it does
 * not find (measured: 6 allocations at the first remediation with every
 * remedy enabled and no jemalloc/tcmalloc/mimalloc, none after; none at
 * all with FORKGUARD_REMEDY=trim,split).
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fastpath.h"
#include "fmt.h"
#include "forksafe.h"
#include "metrics.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"
#include "remedy.h"

#define FG_JE_PURGE_ALL	   "arena.4096.purge" /* MALLCTL_ARENAS_ALL */
#define FG_SPLIT_ROUNDS	   8
#define FG_SPLIT_MAX_CUTS  256
#define FG_SPLIT_MIN_PAGES 256 /* never cut into pieces under 1 MiB */
#define FG_RETRY_CAP_MS	   10000u
#define FG_HELPED_KB	   1024 /* a margin gained below this is noise */

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static struct {
	unsigned resolved; /* FG_REMEDY_* bits looked up */
	mallctl_fn mallctl;
	int (*malloc_trim)(size_t);
	void (*tc_release)(void);
	void (*mi_collect)(bool);
} sym;

static pid_t busy; /* fg_trylock: one remediation per process at a time */

/* What a remedy may change: the fork's charge, VSZ, RSS, its margin. */
struct gauge {
	uint64_t charge_kb, vsz_kb, rss_kb;
	int64_t margin_kb; /* limit - what the rule compares; < 0: refused */
};

/*
 * Resolve, once per process, the symbols of the remedies in @mask.  Only
 * those: a dlsym that finds nothing allocates its error message, so a
 * remedy that is not enabled costs nothing, not even that.
 */
static void discover(unsigned mask)
{
	mask &= ~sym.resolved;
	if (mask & FG_REMEDY_JEMALLOC) {
		sym.mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "je_mallctl");
		if (!sym.mallctl)
			sym.mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT,
							"mallctl");
	}
	if (mask & FG_REMEDY_TRIM)
		sym.malloc_trim = (int (*)(size_t))dlsym(RTLD_DEFAULT,
							 "malloc_trim");
	if (mask & FG_REMEDY_RELEASE) {
		sym.tc_release = (void (*)(void))dlsym(
		    RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory");
		sym.mi_collect = (void (*)(bool))dlsym(RTLD_DEFAULT,
						       "mi_collect");
	}
	sym.resolved |= mask;
}

void fg_remedy_init(const struct fg_config *c)
{
	unsigned mask;

	if (!c || c->mode == FG_MODE_OFF || !fg_trylock(&busy, getpid()))
		return;
	/* every mode's diagnosis shows jemalloc's numbers; only remediate
	 * needs the other allocators */
	mask = c->mode == FG_MODE_REMEDIATE ? c->remedies | FG_REMEDY_JEMALLOC
					    : FG_REMEDY_JEMALLOC;
	discover(mask);
	fg_unlock(&busy);
}

static bool risky(const struct fg_result *r)
{
	return fg_verdict_risky(r->verdict);
}

static struct gauge gauge(const struct fg_result *r)
{
	const struct fg_eval *ev = &r->ev;
	struct gauge g = { ev->charge_pages * ev->page_kb, r->task.vsz_kb,
			   r->task.rss_kb, fg_eval_margin_kb(ev) };

	return g;
}

static uint64_t drop(uint64_t before, uint64_t after)
{
	return before > after ? before - after : 0;
}

/* Record one attempt in the event and the metrics. */
static void record(struct fg_event *e, const struct fg_attempt *a)
{
	fg_event_attempt(e, a);
	fg_metrics_remedy(a->name, fg_attempt_result_name(a->result),
			  a->released_kb);
}

/* The exact check again; its time is the event's. */
static void recheck(const struct fg_config *c, struct fg_event *e)
{
	fg_fast_check(c->procfs, c->rule, true, &e->r);
	e->check_us += e->r.check_us;
}

/* --- where each remedy can help (pure) --- */

static bool ram_swap_rule(const struct fg_result *r)
{
	return fg_eval_ram_swap_rule(&r->ev);
}

static bool heap_fails(const struct fg_result *r)
{
	return fg_eval_heap_fails(&r->ev);
}

/*
 * Each returns true when the remedy can change @r's verdict; otherwise it
 * may set *why, which is then recorded (the operator should know that an
 * allocator was found and why it was not asked).
 */
static bool trim_helps(const struct fg_result *r, const char **why)
{
	(void)why;
	return !ram_swap_rule(r) || heap_fails(r);
}

static bool jemalloc_helps(const struct fg_result *r, const char **why)
{
	if (!ram_swap_rule(r) || heap_fails(r))
		return true;
	*why = "mode 0: jemalloc maps MAP_NORESERVE, never charged; "
	       "a purge frees RSS, not this VMA";
	return false;
}

/*
 * tcmalloc only madvises (its brk heap keeps its size and charge);
 * mi_collect(true) unmaps whole free segments, which in mode 2 is charge.
 */
static bool release_helps(const struct fg_result *r, const char **why)
{
	if (r->ev.mode == 0 && !ram_swap_rule(r))
		return true;
	if (r->ev.mode == 2 && sym.mi_collect)
		return true;
	*why = r->ev.mode == 2 ? "mode 2: tcmalloc frees RSS but returns no "
				 "commit charge"
			       : "mode 0: it frees RSS; VMA sizes stay, the "
				 "verdict with them";
	return false;
}

/* The VMA to split: the refused one, or the largest near the limit. */
static const struct fg_vma *split_target(const struct fg_result *r)
{
	const struct fg_vma *v = r->ev.failed ? &r->ev.fail_vma
				 : r->ev.ntop ? &r->ev.top[0]
					      : NULL;

	/* stacks grow, vdso-like areas are special: leave them whole */
	if (!v || v->end <= v->start || v->dontcopy ||
	    (v->name[0] == '[' && strcmp(v->name, "[heap]")))
		return NULL;
	return v;
}

/* Pages per piece: 7/8 of what the rule accepts, clear of the band. */
static uint64_t piece_pages(const struct fg_eval *ev)
{
	uint64_t room = ev->limit_pages > ev->band_pages + 1
			    ? ev->limit_pages - ev->band_pages - 1
			    : 0;

	return room - room / 8;
}

static bool split_helps(const struct fg_result *r, const char **why)
{
	const struct fg_vma *v;
	uint64_t piece;

	if (!r->ev.per_vma) {
		*why = "mode 2 charges the sum of the VMAs: the pieces of a "
		       "split add up to the same";
		return false;
	}
	v = split_target(r);
	piece = piece_pages(&r->ev);
	if (v && piece >= FG_SPLIT_MIN_PAGES &&
	    (v->end - v->start) / (r->ev.page_kb * 1024) > piece)
		return true;
	*why = v ? "the limit is too small to cut under"
		 : "the VMA is a stack or special mapping";
	return false;
}

/* --- the remedies --- */

static int do_trim(const struct fg_config *c, struct fg_event *e,
		   struct fg_attempt *a)
{
	(void)c;
	(void)e;
	if (!sym.malloc_trim(0))
		a->why = "malloc_trim found nothing to return";
	return 0;
}

static bool je_read_kb(const char *name, uint64_t *kb)
{
	size_t v = 0, sz = sizeof(v);

	if (sym.mallctl(name, &v, &sz, NULL, 0))
		return false;
	*kb = v / 1024;
	return true;
}

static void je_stats(struct fg_alloc_stats *s)
{
	uint64_t epoch = 1;
	size_t sz = sizeof(epoch);

	memset(s, 0, sizeof(*s));
	s->found = true;
	if (sym.mallctl("epoch", &epoch, &sz, &epoch, sz))
		return;
	/* ENOENT without --enable-stats; "retained" is 5.0+ */
	s->have_stats = je_read_kb("stats.mapped", &s->mapped_kb);
	if (!s->have_stats)
		return;
	je_read_kb("stats.allocated", &s->allocated_kb);
	je_read_kb("stats.active", &s->active_kb);
	je_read_kb("stats.resident", &s->resident_kb);
	je_read_kb("stats.retained", &s->retained_kb);
}

static int do_jemalloc(const struct fg_config *c, struct fg_event *e,
		       struct fg_attempt *a)
{
	int rc;

	(void)c;
	(void)e;
	/* EFAULT when the thread has no tcache: nothing to flush */
	sym.mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	rc = sym.mallctl(FG_JE_PURGE_ALL, NULL, NULL, NULL, 0);
	if (rc) {
		a->why = FG_JE_PURGE_ALL " failed";
		a->err = rc;
		return -rc;
	}
	return 0;
}

static int do_release(const struct fg_config *c, struct fg_event *e,
		      struct fg_attempt *a)
{
	(void)c;
	(void)e;
	if (sym.tc_release) {
		sym.tc_release();
		a->why = "tcmalloc MallocExtension_ReleaseFreeMemory";
	}
	if (sym.mi_collect) {
		sym.mi_collect(true);
		a->why = sym.tc_release ? "tcmalloc and mimalloc released"
					: "mimalloc mi_collect(true)";
	}
	return 0;
}

struct span {
	uint64_t lo, hi;
	unsigned inside;
};

static void count_line(const char *line, size_t n, void *arg)
{
	struct span *s = arg;
	struct fg_vma v;

	if (fg_parse_maps_line(line, n, &v) && v.start >= s->lo &&
	    v.end <= s->hi)
		s->inside++;
}

/* How many VMAs the kernel now has in [lo, hi); 0 if maps is unreadable. */
static unsigned vmas_in(const char *root, uint64_t lo, uint64_t hi)
{
	char path[FG_PATH_MAX], buf[4096];
	struct span s = { lo, hi, 0 };

	if (fg_path(path, sizeof(path), root, 0, "maps") ||
	    fg_lines(path, buf, sizeof(buf), count_line, &s))
		return 0;
	return s.inside;
}

/*
 * Cut @v into pieces of at most @piece pages by giving one page per cut
 * the flag @advice sets.  Returns the number of cuts, or -errno: -E2BIG
 * (too many, nothing done), -ENOTSUP (the VMA already had that flag: the
 * kernel's maps show no split), or madvise's error.
 */
static int cut(const char *root, const struct fg_vma *v, uint64_t piece,
	       uint64_t page, int advice)
{
	uint64_t step = piece * page, at;
	int cuts = 0;

	if ((v->end - v->start) / step > FG_SPLIT_MAX_CUTS)
		return -E2BIG;
	for (at = v->start + step; at + page <= v->end; at += step) {
		if (madvise((void *)(uintptr_t)at, page, advice))
			return -errno;
		cuts++;
	}
	if (cuts && vmas_in(root, v->start, v->end) < (unsigned)(2 * cuts + 1))
		return -ENOTSUP;
	return cuts;
}

static void split_record(struct fg_attempt *a, int rc, int cuts,
			 uint64_t piece_kb, bool thp)
{
	a->note = FG_NOTE_SPLIT;
	a->stop = rc == -ENOTSUP ? FG_SPLIT_FLAGGED
		  : rc == -E2BIG ? FG_SPLIT_TOO_MANY
		  : rc		 ? FG_SPLIT_MADVISE
				 : FG_SPLIT_OK;
	a->cuts = (unsigned)cuts;
	a->piece_kb = piece_kb;
	a->thp = thp;
}

static int do_split(const struct fg_config *c, struct fg_event *e,
		    struct fg_attempt *a)
{
	struct fg_result *r = &e->r;
	uint64_t page = r->ev.page_kb * 1024, piece = 0;
	const struct fg_vma *v;
	struct fg_vma target;
	int round, rc = 0, cuts = 0;
	bool thp = false;
	long t0, spent = 0;

	for (round = 0; round < FG_SPLIT_ROUNDS && risky(r); round++) {
		v = split_target(r);
		piece = piece_pages(&r->ev);
		if (!v || piece < FG_SPLIT_MIN_PAGES ||
		    (v->end - v->start) / page <= piece)
			break;
		target = *v;
		t0 = fg_now_us();
		/* VM_DONTDUMP on one page: only the core dump changes */
		rc = cut(c->procfs, &target, piece, page, MADV_DONTDUMP);
		if (rc == -ENOTSUP) {
			/* the program excluded it from dumps: keep that */
			rc = cut(c->procfs, &target, piece, page,
				 MADV_NOHUGEPAGE);
			thp = thp || rc > 0;
		}
		spent += fg_now_us() - t0;
		if (rc <= 0)
			break;
		cuts += rc;
		rc = 0;
		recheck(c, e);
	}
	a->us = spent;
	split_record(a, rc, cuts, piece * r->ev.page_kb, thp);
	return rc < 0 ? rc : cuts ? 0 : -ENOENT;
}

static const struct remedy {
	const char *name;
	unsigned bit;
	bool (*helps)(const struct fg_result *, const char **);
	int (*apply)(const struct fg_config *, struct fg_event *,
		     struct fg_attempt *);
	bool rechecks;	     /* apply re-checks and times itself */
	const char *symbols; /* what it needs from the process, if anything */
} remedies[] = {
	{ "trim", FG_REMEDY_TRIM, trim_helps, do_trim, false, "malloc_trim" },
	{ "jemalloc", FG_REMEDY_JEMALLOC, jemalloc_helps, do_jemalloc, false,
	  "je_mallctl or mallctl" },
	{ "release", FG_REMEDY_RELEASE, release_helps, do_release, false,
	  "MallocExtension_ReleaseFreeMemory or mi_collect" },
	{ "split", FG_REMEDY_SPLIT, split_helps, do_split, true, NULL },
};

static bool available(const struct remedy *m)
{
	switch (m->bit) {
	case FG_REMEDY_TRIM: return sym.malloc_trim != NULL;
	case FG_REMEDY_JEMALLOC: return sym.mallctl != NULL;
	case FG_REMEDY_RELEASE: return sym.tc_release || sym.mi_collect;
	default: return true;
	}
}

/* One remedy: apply, re-check, record what changed. */
static void attempt(const struct fg_config *c, struct fg_event *e,
		    const struct remedy *m)
{
	struct fg_attempt a = { .name = m->name };
	const struct fg_result *r = &e->r;
	struct gauge before = gauge(r), after;
	long t0 = fg_now_us();
	int rc;

	rc = m->apply(c, e, &a);
	if (!m->rechecks) {
		a.us = fg_now_us() - t0;
		recheck(c, e);
	}
	after = gauge(r);
	a.released_kb = drop(before.charge_kb, after.charge_kb);
	if (drop(before.vsz_kb, after.vsz_kb) > a.released_kb)
		a.released_kb = drop(before.vsz_kb, after.vsz_kb);
	a.rss_kb = drop(before.rss_kb, after.rss_kb);
	if (r->verdict == FG_OK)
		a.result = FG_ATTEMPT_PASS;
	else if (rc)
		a.result = FG_ATTEMPT_FAILED;
	else if (after.margin_kb - before.margin_kb >= FG_HELPED_KB)
		a.result = FG_ATTEMPT_HELPED;
	else
		a.result = FG_ATTEMPT_NO_EFFECT;
	record(e, &a);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL); /* a signal cuts the wait short: fine */
}

/* No remedy was enough: wait for memory to come back, doubling. */
static void retry(const struct fg_config *c, struct fg_event *e)
{
	struct fg_attempt a = { .name = "retry", .note = FG_NOTE_RETRY };
	long t0 = fg_now_us();
	unsigned i, ms,
	    cap = c->retry_delay_ms > FG_RETRY_CAP_MS ? c->retry_delay_ms
						      : FG_RETRY_CAP_MS;

	for (i = 0; i < c->retries && risky(&e->r); i++) {
		ms = c->retry_delay_ms << (i < 16 ? i : 16);
		sleep_ms(ms < cap ? ms : cap);
		recheck(c, e);
	}
	a.us = fg_now_us() - t0;
	a.result = e->r.verdict == FG_OK ? FG_ATTEMPT_PASS : FG_ATTEMPT_FAIL;
	a.rechecks = i;
	a.delay_ms = c->retry_delay_ms;
	record(e, &a);
}

size_t fg_remedy_missing(const struct fg_config *c, char *buf, size_t len)
{
	struct fg_buf b;
	unsigned i;

	fg_buf_init(&b, buf, len);
	if (!c || c->mode != FG_MODE_REMEDIATE)
		return 0;
	for (i = 0; i < sizeof(remedies) / sizeof(remedies[0]); i++) {
		const struct remedy *m = &remedies[i];

		if (!m->symbols || !(c->remedies_asked & m->bit) ||
		    available(m))
			continue;
		fg_puts(&b, "forkguard: FORKGUARD_REMEDY names ");
		fg_puts(&b, m->name);
		fg_puts(&b, ", but this process has no ");
		fg_puts(&b, m->symbols);
		fg_puts(&b, ": that remedy is skipped\n");
	}
	return b.full ? 0 : b.at;
}

void fg_remedy_stats(struct fg_event *e)
{
	if (sym.mallctl && fg_trylock(&busy, getpid())) {
		je_stats(&e->jemalloc);
		fg_unlock(&busy);
	}
}

void fg_remedy_run(const struct fg_config *c, struct fg_event *e)
{
	const struct fg_result *r = &e->r;
	int err = errno;
	const char *why;
	unsigned i;

	if (!risky(r) || !fg_trylock(&busy, getpid()))
		return;
	discover(c->remedies);
	if ((c->remedies & FG_REMEDY_JEMALLOC) && sym.mallctl)
		je_stats(&e->jemalloc);
	for (i = 0; i < sizeof(remedies) / sizeof(remedies[0]) && risky(r);
	     i++) {
		const struct remedy *m = &remedies[i];

		if (!(c->remedies & m->bit) || !available(m))
			continue;
		why = NULL;
		if (m->helps(r, &why)) {
			attempt(c, e, m);
		} else if (why) {
			struct fg_attempt a = { .name = m->name,
						.result =
						    FG_ATTEMPT_CANNOT_HELP,
						.why = why };

			record(e, &a);
		}
	}
	if (risky(r) && c->retries)
		retry(c, e);
	fg_unlock(&busy);
	errno = err;
}

bool fg_remedy_helps(unsigned bit, const struct fg_result *r, const char **why)
{
	unsigned i;

	*why = NULL;
	for (i = 0; i < sizeof(remedies) / sizeof(remedies[0]); i++)
		if (remedies[i].bit == bit)
			return remedies[i].helps(r, why);
	return false;
}
