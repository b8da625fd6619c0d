/*
 * remedy.c - make a fork that the kernel would refuse pass, before it runs.
 *
 * Called by guard.c in FORKGUARD_MODE=remediate when the exact check says
 * fail or borderline.  Each remedy is tried only where it can change this
 * verdict (policy_remedy.c says where: README "Remediation"), and the
 * exact check is redone after each.  The order is the table's: the
 * allocator remedies (remedy_alloc.c) hand back only memory the program
 * already freed and leave no trace; the split (remedy_split.c) is the
 * last resort, because it changes the mapping (one page per cut leaves
 * core dumps) and the memory stays.  If no remedy makes the fork pass, the
 * check is redone after a doubling delay, FORKGUARD_RETRIES times; then
 * the fork goes ahead and the kernel decides.  One remediation per process
 * at a time (a lock, never waited for).
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "describe.h"
#include "forksafe.h"
#include "metrics.h"
#include "policy.h"
#include "policy_remedy.h"
#include "remedy.h"
#include "remedy_alloc.h"
#include "remedy_split.h"

#define FG_RETRY_CAP_MS 10000u
#define FG_HELPED_KB	1024 /* a margin gained below this is noise */

static pid_t busy; /* fg_trylock: one remediation per process at a time */

/* What a remedy may change: the fork's charge, VSZ, RSS, its margin. */
struct gauge {
	uint64_t charge_kb, vsz_kb, rss_kb;
	int64_t margin_kb; /* limit - what the rule compares; < 0: refused */
};

void fg_remedy_init(const struct fg_config *c)
{
	unsigned mask;

	if (!c || c->mode == FG_MODE_OFF || !fg_trylock(&busy, getpid()))
		return;
	/* every mode's diagnosis shows jemalloc's numbers; only remediate
	 * needs the other allocators */
	mask = c->mode == FG_MODE_REMEDIATE ? c->remedies | FG_REMEDY_JEMALLOC
					    : FG_REMEDY_JEMALLOC;
	fg_alloc_discover(mask);
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

static const struct remedy {
	const char *name;
	unsigned bit;
	int (*apply)(const struct fg_config *, struct fg_event *,
		     struct fg_attempt *);
	bool rechecks;	     /* apply re-checks and times itself */
	const char *symbols; /* what it needs from the process, if anything */
} remedies[] = {
	{ "trim", FG_REMEDY_TRIM, fg_remedy_trim, false, "malloc_trim" },
	{ "jemalloc", FG_REMEDY_JEMALLOC, fg_remedy_jemalloc, false,
	  "je_mallctl or mallctl" },
	{ "release", FG_REMEDY_RELEASE, fg_remedy_release, false,
	  "MallocExtension_ReleaseFreeMemory or mi_collect" },
	{ "split", FG_REMEDY_SPLIT, fg_remedy_split, true, NULL },
};

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
		fg_remedy_recheck(c, e);
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
		fg_remedy_recheck(c, e);
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
		    fg_alloc_has(m->bit))
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
	if (fg_alloc_has(FG_REMEDY_JEMALLOC) && fg_trylock(&busy, getpid())) {
		fg_alloc_je_stats(&e->jemalloc);
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
	fg_alloc_discover(c->remedies);
	if ((c->remedies & FG_REMEDY_JEMALLOC) &&
	    fg_alloc_has(FG_REMEDY_JEMALLOC))
		fg_alloc_je_stats(&e->jemalloc);
	for (i = 0; i < sizeof(remedies) / sizeof(remedies[0]) && risky(r);
	     i++) {
		const struct remedy *m = &remedies[i];

		if (!(c->remedies & m->bit) || !fg_alloc_has(m->bit))
			continue;
		if (fg_remedy_helps(m->bit, r, &why)) {
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
	enum fg_fit fit = fg_remedy_fit(bit, &r->ev, fg_alloc_mi_collect());

	*why = fg_describe_fit(fit);
	return fit == FG_FIT_HELPS;
}
