/*
 * remedy_split.c - the split: a VMA the kernel's per-VMA rule (mode 0)
 * refuses is cut into pieces it accepts, by giving one page per cut a
 * flag of its own (MADV_DONTDUMP, or MADV_NOHUGEPAGE when the program
 * had already excluded it from dumps), so that the kernel keeps the page
 * in a VMA of its own.  The memory stays; the pieces are checked against
 * the kernel's own maps.  MADV_DONTFORK is never used: the child may need
 * any page.  Where it can help and what it cuts: policy_remedy.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "parse.h"
#include "policy.h"
#include "policy_remedy.h"
#include "procfs.h"
#include "remedy_split.h"

#define FG_SPLIT_ROUNDS	  8
#define FG_SPLIT_MAX_CUTS 256

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

int fg_remedy_split(const struct fg_config *c, struct fg_event *e,
		    struct fg_attempt *a)
{
	struct fg_result *r = &e->r;
	uint64_t page = r->ev.page_kb * 1024, piece = 0;
	const struct fg_vma *v;
	struct fg_vma target;
	int round, rc = 0, cuts = 0;
	bool thp = false;
	long t0, spent = 0;

	for (round = 0; round < FG_SPLIT_ROUNDS && fg_verdict_risky(r->verdict);
	     round++) {
		v = fg_split_target(&r->ev);
		piece = fg_split_piece_pages(&r->ev);
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
		fg_remedy_recheck(c, e);
	}
	a->us = spent;
	split_record(a, rc, cuts, piece * r->ev.page_kb, thp);
	return rc < 0 ? rc : cuts ? 0 : -ENOENT;
}
