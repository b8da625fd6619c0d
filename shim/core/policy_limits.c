/*
 * policy_limits.c - the limit of each overcommit rule, as named terms.
 *
 * Mode 0 (the heuristic, per kernel era) and mode 2 (never) each derive
 * one limit from the snapshot; here every rule builds it as a list of
 * signed terms (pages) whose sum is the limit.  policy.c compares with the
 * sum, report_rule.c prints the same terms: what the operator reads adds
 * up to what the verdict used.  Kernel facts: mm/util.c
 * __vm_enough_memory and vm_commit_limit of each era (README "What it
 * models"), and each function's comment.  Pure: no I/O, no globals.
 */
#include "policy_limits.h"

/* NR_FILE_PAGES: page cache, swap cache and buffers (Cached has shmem). */
static int64_t file_pages(const struct fg_sys *s)
{
	return fg_kb_pages(s->cached_kb + s->swap_cached_kb + s->buffers_kb,
			   s->page_kb);
}

static void term(struct fg_terms *ts, const char *name, int64_t p)
{
	if (ts->n < FG_TERMS_MAX) {
		ts->t[ts->n].name = name;
		ts->t[ts->n].pages = p;
		ts->n++;
	}
}

int64_t fg_terms_sum(const struct fg_terms *ts)
{
	int64_t v = 0;
	unsigned i;

	for (i = 0; i < ts->n; i++)
		v += ts->t[i].pages;
	return v;
}

/*
 * Mode 0, 5.2+ (commit 8c7829b04c52): a VMA is refused only when it alone
 * is larger than all RAM and swap.  Admin or not makes no difference.
 */
static void guess_5_2(const struct fg_sys *s, bool admin, struct fg_terms *ts)
{
	(void)admin;
	term(ts, "MemTotal", fg_kb_pages(s->mem_total_kb, s->page_kb));
	term(ts, "SwapTotal", fg_kb_pages(s->swap_total_kb, s->page_kb));
}

/*
 * Mode 0, 3.1 - 5.1: "free" is free + file - shmem + swap free + reclaimable
 * slab (+ misc reclaimable from 4.17/4.20), less totalreserve_pages; then a
 * non-admin loses admin_reserve_kbytes (3.10+) or free/32 (3.1 - 3.9).
 * The VMA is refused when pages >= free (a free not above the reserve
 * leaves nothing: the sum is then floored at 0).
 */
static void guess_free(const struct fg_sys *s, bool admin, bool misc,
		       bool admin_reserve, struct fg_terms *ts)
{
	int64_t free;

	term(ts, "MemFree", fg_kb_pages(s->mem_free_kb, s->page_kb));
	term(ts, "file", file_pages(s));
	term(ts, "shmem", -fg_kb_pages(s->shmem_kb, s->page_kb));
	term(ts, "SwapFree", fg_kb_pages(s->swap_free_kb, s->page_kb));
	term(ts, "SReclaimable", fg_kb_pages(s->sreclaimable_kb, s->page_kb));
	if (misc && s->kreclaimable_kb > s->sreclaimable_kb)
		term(ts, "KReclaimable-SReclaimable",
		     fg_kb_pages(s->kreclaimable_kb - s->sreclaimable_kb,
				 s->page_kb));
	term(ts, "totalreserve", -fg_kb_pages(s->totalreserve_kb, s->page_kb));
	free = fg_terms_sum(ts);
	if (admin || free <= 0)
		return;
	if (admin_reserve)
		term(ts, "admin_reserve",
		     -fg_kb_pages(s->admin_reserve_kb, s->page_kb));
	else
		term(ts, "free/32", -(free / 32));
}

static void guess_3_1(const struct fg_sys *s, bool admin, struct fg_terms *ts)
{
	guess_free(s, admin, false, false, ts);
}

static void guess_3_10(const struct fg_sys *s, bool admin, struct fg_terms *ts)
{
	guess_free(s, admin, false, true, ts);
}

static void guess_4_17(const struct fg_sys *s, bool admin, struct fg_terms *ts)
{
	guess_free(s, admin, true, true, ts);
}

/*
 * Mode 0, <= 3.0 (2.6.32): two passes.  First file + swap free + reclaimable
 * slab (shmem not subtracted), -3 % for non-admin; if short, add free pages
 * above totalreserve, -3 % for non-admin.  Refused when pages >= the sum.
 */
static void guess_2_6(const struct fg_sys *s, bool admin, struct fg_terms *ts)
{
	int64_t n = fg_kb_pages(s->mem_free_kb, s->page_kb);
	int64_t reserve = fg_kb_pages(s->totalreserve_kb, s->page_kb);

	term(ts, "file", file_pages(s));
	term(ts, "SwapFree", fg_kb_pages(s->swap_free_kb, s->page_kb));
	term(ts, "SReclaimable", fg_kb_pages(s->sreclaimable_kb, s->page_kb));
	if (!admin)
		term(ts, "3%", -(fg_terms_sum(ts) / 32));
	if (n > reserve) {
		term(ts, "MemFree", n);
		term(ts, "totalreserve", -reserve);
		if (!admin)
			term(ts, "3%", -((n - reserve) / 32));
	}
}

/* vm_commit_limit(): overcommit_kbytes (3.14+) or RAM-hugetlb x ratio. */
static int64_t commit_limit(const struct fg_sys *s)
{
	int64_t limit;

	if (s->kbytes)
		limit = fg_kb_pages(s->kbytes, s->page_kb);
	else
		limit = (fg_kb_pages(s->mem_total_kb, s->page_kb) -
			 fg_kb_pages(s->hugetlb_kb, s->page_kb)) *
			(int64_t)s->ratio / 100;
	return limit + fg_kb_pages(s->swap_total_kb, s->page_kb);
}

/*
 * Mode 2, 3.10+: allowed = vm_commit_limit() - admin_reserve (non-admin)
 * - min(total_vm / 32, user_reserve).  The fork is refused at the first
 * VMA after which committed >= allowed.
 */
static void never_3_10(const struct fg_sys *s, const struct fg_task *t,
		       bool admin, struct fg_terms *ts)
{
	int64_t tvm = fg_kb_pages(t->vsz_kb, s->page_kb) / 32;
	int64_t user = fg_kb_pages(s->user_reserve_kb, s->page_kb);

	term(ts, "CommitLimit", commit_limit(s));
	if (!admin)
		term(ts, "admin_reserve",
		     -fg_kb_pages(s->admin_reserve_kb, s->page_kb));
	if (tvm < user)
		term(ts, "VSZ/32", -tvm);
	else
		term(ts, "user_reserve", -user);
}

/* Mode 2, <= 3.9: (RAM-hugetlb) x ratio, -3 % non-admin, + swap - tvm/32. */
static void never_2_6(const struct fg_sys *s, const struct fg_task *t,
		      bool admin, struct fg_terms *ts)
{
	int64_t ram = (fg_kb_pages(s->mem_total_kb, s->page_kb) -
		       fg_kb_pages(s->hugetlb_kb, s->page_kb)) *
		      (int64_t)s->ratio / 100;

	term(ts, "(RAM-hugetlb)xratio", ram);
	if (!admin)
		term(ts, "3%", -(ram / 32));
	term(ts, "SwapTotal", fg_kb_pages(s->swap_total_kb, s->page_kb));
	term(ts, "VSZ/32", -(fg_kb_pages(t->vsz_kb, s->page_kb) / 32));
}

static const struct {
	void (*guess)(const struct fg_sys *, bool, struct fg_terms *);
	void (*never)(const struct fg_sys *, const struct fg_task *, bool,
		      struct fg_terms *);
} rules[FG_RULE_COUNT] = {
	[FG_RULE_2_6] = { guess_2_6, never_2_6 },
	[FG_RULE_3_1] = { guess_3_1, never_2_6 },
	[FG_RULE_3_10] = { guess_3_10, never_3_10 },
	[FG_RULE_4_17] = { guess_4_17, never_3_10 },
	[FG_RULE_5_2] = { guess_5_2, never_3_10 },
};

void fg_limit_terms(const struct fg_sys *s, const struct fg_task *t,
		    enum fg_rule rule, struct fg_terms *out)
{
	out->n = 0;
	if ((unsigned)rule >= FG_RULE_COUNT)
		rule = FG_RULE_5_2;
	if (s->mode == 0)
		rules[rule].guess(s, t->admin, out);
	else if (s->mode == 2)
		rules[rule].never(s, t, t->admin, out);
}
