/*
 * fuzz_report - fg_report_json() and fg_report_text() on any result.
 *
 * A struct fg_result is built from the input: every number, flag and enum
 * (in range or not), and names of arbitrary bytes (comm, release, call,
 * VMA names, remedy entries).  The JSON is rendered into exactly-sized
 * heap buffers of many sizes, among them the full length and one byte
 * less: the output is one valid JSON object and a newline, or empty, never
 * a cut object, and the length returned is the string's.  The text form
 * is always terminated inside the buffer and a prefix of the whole text.
 */
#include "fuzz.h"
#include "fg_internal.h"
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

/* Remedy entries as remedy.c records them: whole objects, or none. */
static void fill_remedies(struct fz *f, char *dst, size_t size)
{
	unsigned n = (unsigned)fz_bits(f, 1) % 8, i;
	char name[64], note[128], tmp[256];
	struct fg_buf b;
	size_t at = 0;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		fz_cstr(f, name, sizeof(name));
		fz_cstr(f, note, sizeof(note));
		fg_buf_init(&b, tmp, sizeof(tmp));
		if (at)
			fg_putc(&b, ',');
		fg_puts(&b, "{\"name\":");
		fg_putjs(&b, name);
		fg_puts(&b, ",\"released_kb\":");
		fg_putu(&b, fz_num(f));
		fg_puts(&b, ",\"note\":");
		fg_putjs(&b, note);
		fg_putc(&b, '}');
		if (!b.full && at + b.at < size) {
			memcpy(dst + at, tmp, b.at + 1);
			at += b.at;
		}
	}
}

static void fill(struct fz *f, struct fg_result *r, char *call)
{
	static const char *const calls[] = {"fork",   "_Fork", "clone",
					    "daemon", "check", NULL};
	struct fg_sys *s = &r->sys;
	struct fg_eval *ev = &r->ev;
	unsigned i, sel;

	memset(r, 0, sizeof(*r));
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
		r->call = calls[sel];
	} else {
		fz_cstr(f, call, 64);
		r->call = call;
	}
	r->outcome_errno = (int)(int32_t)fz_bits(f, 4);
	r->refused = fz_bool(f);
	r->mismatch = fz_bool(f);
	r->read_after = fz_bool(f);
	r->check_us = (long)(int64_t)fz_bits(f, 8);
	r->read_error = -(int)(uint8_t)fz_bits(f, 1);
	r->jemalloc.have_stats = fz_bool(f);
	r->jemalloc.allocated_kb = fz_num(f);
	r->jemalloc.retained_kb = fz_num(f);
	fill_remedies(f, r->remedies, sizeof(r->remedies));
	/* read last, so that older corpus entries keep their meaning */
	r->jemalloc.active_kb = fz_num(f);
	r->jemalloc.resident_kb = fz_num(f);
	r->jemalloc.mapped_kb = fz_num(f);
	r->have_limits = fz_bool(f);
	r->limits.nproc_limit = (int64_t)fz_bits(f, 8);
	r->limits.pids_max = (int64_t)fz_bits(f, 8);
	r->limits.pids_current = (int64_t)fz_bits(f, 8);
	r->limits.threads_max = (int64_t)fz_bits(f, 8);
	r->limits.threads = (int64_t)fz_bits(f, 8);
}

/* One rendering into exactly @len bytes; returns the length written. */
static size_t json_into(const struct fg_result *r, size_t len, const char *full,
			size_t full_n)
{
	char *buf = malloc(len);
	size_t n = fg_report_json(r, buf, len);

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

static void text_into(const struct fg_result *r, size_t len, const char *full,
		      size_t full_n)
{
	char *buf = malloc(len);
	size_t n = fg_report_text(r, buf, len);

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
	struct fg_result *r = malloc(sizeof(*r));
	char call[64], *full = malloc(FULL), *text = malloc(FULL);
	size_t n, t, len[4];
	unsigned i;

	fill(&f, r, call);
	for (i = 0; i < 4; i++)
		len[i] = (size_t)fz_bits(&f, 2) % 2048;

	n = fg_report_json(r, full, FULL);
	FZ_ASSERT(n > 0 && n < FULL && strlen(full) == n);
	FZ_ASSERT(js_object_line(full, n));
	json_into(r, n + 1, full, n);
	json_into(r, n, NULL, 0);
	json_into(r, n - 1, NULL, 0);
	for (i = 0; i < 4; i++)
		json_into(r, len[i], full, n);
	json_into(r, 0, full, n);
	json_into(r, 1, full, n);

	t = fg_report_text(r, text, FULL);
	FZ_ASSERT(t < FULL && strlen(text) == t);
	text_into(r, t + 1, text, t);
	text_into(r, t, text, t);
	for (i = 0; i < 4; i++)
		text_into(r, len[i], text, t);
	text_into(r, 0, text, t);

	free(text);
	free(full);
	free(r);
	return 0;
}
