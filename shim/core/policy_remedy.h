/*
 * policy_remedy.h - where each remedy can change a verdict, and what the
 * split would cut (policy_remedy.c), pure.  The guard's remedies act on
 * it (guard/remedy.c), the reports' fixes say it (render/describe.c).
 */
#ifndef FG_POLICY_REMEDY_H
#define FG_POLICY_REMEDY_H

#include <stdbool.h>
#include <stdint.h>

#include "forkguard.h"

/* Why a remedy can, or cannot, change a verdict. */
enum fg_fit {
	FG_FIT_HELPS,	  /* it can */
	FG_FIT_NOT_HEAP,  /* trim: the VMA refused is not the brk heap */
	FG_FIT_NORESERVE, /* jemalloc: its mappings are never charged */
	FG_FIT_NO_CHARGE, /* release, mode 2: RSS freed, no charge returned */
	FG_FIT_RSS_ONLY,  /* release, mode 0 on 5.2+: VMA sizes stay */
	FG_FIT_SUM,	  /* split, mode 2: the pieces add up to the same */
	FG_FIT_TOO_SMALL, /* split: the limit is too small to cut under */
	FG_FIT_SPECIAL,	  /* split: a stack or special mapping */
	FG_FIT_UNKNOWN,	  /* not a remedy */
};

/*
 * fg_remedy_fit - can remedy @bit (FG_REMEDY_*, config.h) change the
 * verdict of @ev?  @mi_collect: the process has mimalloc's mi_collect
 * (which unmaps, and so returns charge).  FG_FIT_HELPS, or why not.
 */
enum fg_fit fg_remedy_fit(unsigned bit, const struct fg_eval *ev,
			  bool mi_collect);

/* fg_split_target - the VMA to split (the refused one, or the largest
 * near the limit), or NULL when there is none to cut (a stack, a special
 * mapping, a VMA excluded from forks). */
const struct fg_vma *fg_split_target(const struct fg_eval *ev);
/* fg_split_piece_pages - pages per piece: 7/8 of what the rule accepts,
 * clear of the band. */
uint64_t fg_split_piece_pages(const struct fg_eval *ev);

/* the smallest piece a split makes (1 MiB of 4 kB pages) */
#define FG_SPLIT_MIN_PAGES 256

#endif /* FG_POLICY_REMEDY_H */
