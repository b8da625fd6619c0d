/*
 * fuzz_report - fg_event_json() and fg_event_text() on any event.
 *
 * A struct fg_event (its result included) is built from the input: every
 * number, flag and enum (in range or not), and names of arbitrary bytes
 * (comm, release, call, VMA names, remedy attempts).  The JSON is rendered into exactly-sized
 * heap buffers of many sizes, among them the full length and one byte
 * less: the output is one valid JSON object and a newline, or empty, never
 * a cut object, and the length returned is the string's.  The text form
 * is always terminated inside the buffer and a prefix of the whole text.
 */
#include "fuzz.h"
#include "event.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"
#include "fmt.h"

#define FULL 16384

static void fill_vma(struct fz *f, struct fg_vma *v)
{
	v->start = fz_num(f);
	v->end = fz_bool(f) ? v->start + fz_num(f) : fz_num(f);
	v->account = fz_bool(f);
	v->writable = fz_bool(f);
	v->private_ = fz_bool(f);
	v->dontcopy = fz_bool(f);
	fz_cstr(f, v->name, sizeof(v->name));
}

/* Names and notes of the attempts: arbitrary bytes. */
struct strings {
	char call[64];
	char name[FG_ATTEMPTS_MAX][64], why[FG_ATTEMPTS_MAX][128];
};

/* Remedy attempts as remedy.c records them, any numbers and enums. */
static void fill_attempts(struct fz *f, struct fg_event *e, struct strings *st)
{
	unsigned n = (unsigned)fz_bits(f, 1) % (FG_ATTEMPTS_MAX + 1), i;

	for (i = 0; i < n; i++) {
		struct fg_attempt a = { 0 };

		fz_cstr(f, st->name[i], sizeof(st->name[i]));
		fz_cstr(f, st->why[i], sizeof(st->why[i]));
		a.name = st->name[i];
		a.why = st->why[i];
		a.released_kb = fz_num(f);
		a.result = (enum fg_attempt_result)(int8_t)fz_bits(f, 1);
		a.note = (enum fg_attempt_note)(uint8_t)fz_bits(f, 1) % 4;
		a.err = (int)(int32_t)fz_bits(f, 4);
		a.rss_kb = fz_num(f);
		a.us = (long)(int64_t)fz_bits(f, 8);
		a.stop = (enum fg_split_stop)(uint8_t)fz_bits(f, 1) % 5;
		a.cuts = (unsigned)fz_bits(f, 4);
		a.piece_kb = fz_num(f);
		a.thp = fz_bool(f);
		a.rechecks = (unsigned)fz_bits(f, 4);
		a.delay_ms = (unsigned)fz_bits(f, 4);
		fg_event_attempt(e, &a);
	}
}

static void fill(struct fz *f, struct fg_event *e, struct strings *st)
{
	struct fg_result *r = &e->r;
	static const char *const calls[] = {"fork",   "_Fork", "clone",
					    "daemon", "check", NULL};
	struct fg_sys *s = &r->sys;
	struct fg_eval *ev = &r->ev;
	unsigned i, sel;

	memset(e, 0, sizeof(*e));
	s->mode = (int)(int8_t)fz_bits(f, 1);
	s->ratio = fz_num(f);
	s->kbytes = fz_num(f);
	s->admin_reserve_kb = fz_num(f);
	s->user_reserve_kb = fz_num(f);
	s->mem_total_kb = fz_num(f);
	s->mem_free_kb = fz_num(f);
	s->cached_kb = fz_num(f);
	s->swap_cached_kb = fz_num(f);
	s->buffers_kb = fz_num(f);
	s->shmem_kb = fz_num(f);
	s->swap_total_kb = fz_num(f);
	s->swap_free_kb = fz_num(f);
	s->sreclaimable_kb = fz_num(f);
	s->commit_limit_kb = fz_num(f);
	s->totalreserve_kb = fz_num(f);
	fz_cstr(f, s->release, sizeof(s->release));

	r->task.pid = (pid_t)fz_bits(f, 4);
	fz_cstr(f, r->task.comm, sizeof(r->task.comm));
	r->task.vsz_kb = fz_num(f);
	r->task.rss_kb = fz_num(f);
	r->task.admin = fz_bool(f);

	ev->rule = (enum fg_rule)(int8_t)fz_bits(f, 1);
	ev->mode = (int)(int8_t)fz_bits(f, 1);
	ev->admin = fz_bool(f);
	ev->limit_pages = fz_num(f);
	ev->committed_pages = fz_num(f);
	ev->band_pages = fz_num(f);
	ev->page_kb = fz_num(f);
	ev->charge_pages = fz_num(f);
	ev->largest_pages = fz_num(f);
	ev->nvmas = fz_num(f);
	ev->failed = fz_bool(f);
	if (ev->failed)
		fill_vma(f, &ev->fail_vma);
	ev->ntop = (unsigned)fz_bits(f, 1) % (FG_TOP_VMAS + 1);
	for (i = 0; i < ev->ntop; i++)
		fill_vma(f, &ev->top[i]);
	/* the estimate tier's bounds and unknown VMAs */
	ev->charge_min_pages = fz_num(f);
	ev->largest_min_pages = fz_num(f);
	ev->cap_pages = fz_num(f);
	ev->unsure = (unsigned)fz_bits(f, 1);
	ev->anon_charged = fz_bool(f);
	ev->nunknown = (unsigned)fz_bits(f, 1) % (FG_TOP_VMAS + 1);
	for (i = 0; i < ev->nunknown; i++)
		fill_vma(f, &ev->unknown[i]);

	r->verdict = (enum fg_verdict)(int8_t)fz_bits(f, 1);
	r->tier = (enum fg_tier)(int8_t)fz_bits(f, 1);
	r->exact = fz_bool(f);
	sel = (unsigned)fz_bits(f, 1) % 8;
	if (sel < 6) {
		e->call = calls[sel];
	} else {
		fz_cstr(f, st->call, sizeof(st->call));
		e->call = st->call;
	}
	e->outcome_errno = (int)(int32_t)fz_bits(f, 4);
	e->refused = fz_bool(f);
	e->mismatch = fz_bool(f);
	e->read_after = fz_bool(f);
	e->check_us = (long)(int64_t)fz_bits(f, 8);
	r->read_error = -(int)(uint8_t)fz_bits(f, 1);
	e->jemalloc.have_stats = fz_bool(f);
	e->jemalloc.allocated_kb = fz_num(f);
	e->jemalloc.retained_kb = fz_num(f);
	fill_attempts(f, e, st);
	/* read last, so that older corpus entries keep their meaning */
	e->jemalloc.active_kb = fz_num(f);
	e->jemalloc.resident_kb = fz_num(f);
	e->jemalloc.mapped_kb = fz_num(f);
	e->have_limits = fz_bool(f);
	e->limits.nproc_limit = (int64_t)fz_bits(f, 8);
	e->limits.pids_max = (int64_t)fz_bits(f, 8);
	e->limits.pids_current = (int64_t)fz_bits(f, 8);
	e->limits.threads_max = (int64_t)fz_bits(f, 8);
	e->limits.threads = (int64_t)fz_bits(f, 8);
}

/* One rendering into exactly @len bytes; returns the length written. */
static size_t json_into(const struct fg_event *r, size_t len, const char *full,
			size_t full_n)
{
	char *buf = malloc(len);
	size_t n = fg_event_json(r, buf, len);

	FZ_ASSERT(n < len || (n == 0 && len == 0));
	if (len) {
		FZ_ASSERT(fz_terminated(buf, len));
		FZ_ASSERT(strlen(buf) == n);
	}
	if (n)
		FZ_ASSERT(js_object_line(buf, n));
	if (full && len > full_n)
		FZ_ASSERT(n == full_n && !memcmp(buf, full, n + 1));
	free(buf);
	return n;
}

static void text_into(const struct fg_event *r, size_t len, const char *full,
		      size_t full_n)
{
	char *buf = malloc(len);
	size_t n = fg_event_text(r, buf, len);

	if (!len) {
		FZ_ASSERT(n == 0);
	} else {
		FZ_ASSERT(n < len && fz_terminated(buf, len));
		FZ_ASSERT(strlen(buf) == n);
		FZ_ASSERT(n <= full_n && !memcmp(buf, full, n));
		if (len > full_n)
			FZ_ASSERT(n == full_n);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct fg_event *r = malloc(sizeof(*r));
	struct strings *st = malloc(sizeof(*st));
	char *full = malloc(FULL), *text = malloc(FULL);
	size_t n, t, len[4];
	unsigned i;

	fill(&f, r, st);
	for (i = 0; i < 4; i++)
		len[i] = (size_t)fz_bits(&f, 2) % 2048;

	n = fg_event_json(r, full, FULL);
	FZ_ASSERT(n > 0 && n < FULL && strlen(full) == n);
	FZ_ASSERT(js_object_line(full, n));
	json_into(r, n + 1, full, n);
	json_into(r, n, NULL, 0);
	json_into(r, n - 1, NULL, 0);
	for (i = 0; i < 4; i++)
		json_into(r, len[i], full, n);
	json_into(r, 0, full, n);
	json_into(r, 1, full, n);

	t = fg_event_text(r, text, FULL);
	FZ_ASSERT(t < FULL && strlen(text) == t);
	text_into(r, t + 1, text, t);
	text_into(r, t, text, t);
	for (i = 0; i < 4; i++)
		text_into(r, len[i], text, t);
	text_into(r, 0, text, t);

	free(text);
	free(full);
	free(st);
	free(r);
	return 0;
}
