/*
 * policy_remedy.c - where each remedy can change a verdict, from the
 * kernel's rules (README "Remediation"; mm/util.c __vm_enough_memory):
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
 *             per cut: VMAs under the      frees nothing
 *             limit
 *
 * Pure: no I/O, no globals.  The sentence of each reason is describe.c's.
 */
#include <string.h>

#include "config.h"
#include "policy.h"
#include "policy_remedy.h"

/* trim and a purge shrink the brk heap and hand back charge; on 5.2+ a
 * single VMA is refused (in mode 0, and by the same era in mode 1), and
 * only the heap's size changes with them */
static bool frees_the_refusal(const struct fg_eval *ev)
{
	return ev->mode == FG_OVERCOMMIT_NEVER || ev->rule != FG_RULE_5_2 ||
	       fg_eval_heap_fails(ev);
}

/*
 * tcmalloc only madvises (its brk heap keeps its size and charge);
 * mi_collect(true) unmaps whole free segments, which in mode 2 is charge.
 */
static enum fg_fit release_fit(const struct fg_eval *ev, bool mi_collect)
{
	if (ev->mode == FG_OVERCOMMIT_GUESS && !fg_eval_ram_swap_rule(ev))
		return FG_FIT_HELPS;
	if (ev->mode == FG_OVERCOMMIT_NEVER && mi_collect)
		return FG_FIT_HELPS;
	return ev->mode == FG_OVERCOMMIT_NEVER ? FG_FIT_NO_CHARGE
					       : FG_FIT_RSS_ONLY;
}

const struct fg_vma *fg_split_target(const struct fg_eval *ev)
{
	const struct fg_vma *v = ev->failed ? &ev->fail_vma
				 : ev->ntop ? &ev->top[0]
					    : NULL;

	/* stacks grow, vdso-like areas are special: leave them whole */
	if (!v || v->end <= v->start || v->dontcopy ||
	    (v->name[0] == '[' && strcmp(v->name, "[heap]")))
		return NULL;
	return v;
}

uint64_t fg_split_piece_pages(const struct fg_eval *ev)
{
	uint64_t room = ev->limit_pages > ev->band_pages + 1
			    ? ev->limit_pages - ev->band_pages - 1
			    : 0;

	return room - room / 8;
}

static enum fg_fit split_fit(const struct fg_eval *ev)
{
	const struct fg_vma *v;
	uint64_t piece;

	if (!ev->per_vma)
		return FG_FIT_SUM;
	v = fg_split_target(ev);
	piece = fg_split_piece_pages(ev);
	if (v && piece >= FG_SPLIT_MIN_PAGES &&
	    (v->end - v->start) / (ev->page_kb * 1024) > piece)
		return FG_FIT_HELPS;
	return v ? FG_FIT_TOO_SMALL : FG_FIT_SPECIAL;
}

enum fg_fit fg_remedy_fit(unsigned bit, const struct fg_eval *ev,
			  bool mi_collect)
{
	switch (bit) {
	case FG_REMEDY_TRIM:
		return frees_the_refusal(ev) ? FG_FIT_HELPS : FG_FIT_NOT_HEAP;
	case FG_REMEDY_JEMALLOC:
		return frees_the_refusal(ev) ? FG_FIT_HELPS : FG_FIT_NORESERVE;
	case FG_REMEDY_RELEASE: return release_fit(ev, mi_collect);
	case FG_REMEDY_SPLIT: return split_fit(ev);
	default: return FG_FIT_UNKNOWN;
	}
}
