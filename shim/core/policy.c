/*
 * policy.c - the kernel's overcommit rules as pure functions.
 *
 * At fork, dup_mmap() walks the parent's VMAs in address order and calls
 * __vm_enough_memory() once for every VM_ACCOUNT VMA that is not
 * VM_DONTCOPY.  fg_eval_begin() derives, for the running kernel's era and
 * overcommit mode, the limit that call applies; fg_eval_vma() charges one
 * VMA; fg_eval_verdict() says whether the fork gets through.  Mode 0 judges
 * each VMA alone; mode 2 accumulates, and the first VMA that takes the
 * committed total to `allowed` is refused.  No I/O, no globals.
 *
 * Arithmetic is in pages and signed, like the kernel's (long free,
 * allowed), so a reserve larger than what is free gives a negative limit
 * that refuses everything, as the kernel does.
 */
#include <string.h>

#include "parse.h"
#include "policy.h"
#include "policy_limits.h"

static const char *const rule_names[FG_RULE_COUNT] = {
	[FG_RULE_2_6] = "<=3.0",      [FG_RULE_3_1] = "3.1-3.9",
	[FG_RULE_3_10] = "3.10-4.16", [FG_RULE_4_17] = "4.17-5.1",
	[FG_RULE_5_2] = "5.2+",
};

const char *fg_rule_name(enum fg_rule rule)
{
	return (unsigned)rule < FG_RULE_COUNT ? rule_names[rule] : "?";
}

static int version_code(int major, int minor)
{
	return major * 1000 + minor;
}

static enum fg_rule rule_for_version(int major, int minor)
{
	int v = version_code(major, minor);

	if (v >= version_code(5, 2))
		return FG_RULE_5_2;
	if (v >= version_code(4, 17))
		return FG_RULE_4_17;
	if (v >= version_code(3, 10))
		return FG_RULE_3_10;
	if (v >= version_code(3, 1))
		return FG_RULE_3_1;
	return FG_RULE_2_6;
}

enum fg_rule fg_rule_for_release(const char *release)
{
	int major, minor;

	if (!fg_parse_release(release, &major, &minor))
		return FG_RULE_5_2;
	return rule_for_version(major, minor);
}

enum fg_rule fg_rule_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum fg_rule rule;
	} alias[] = {
		{ "2.6", FG_RULE_2_6 },	  { "3.0", FG_RULE_2_6 },
		{ "3.1", FG_RULE_3_1 },	  { "3.10", FG_RULE_3_10 },
		{ "4.17", FG_RULE_4_17 }, { "5.2", FG_RULE_5_2 },
	};
	size_t i;

	if (!name)
		return FG_RULE_COUNT;
	for (i = 0; i < FG_RULE_COUNT; i++)
		if (!strcmp(name, rule_names[i]))
			return (enum fg_rule)i;
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(name, alias[i].name))
			return alias[i].rule;
	return FG_RULE_COUNT;
}

/*
 * How far the kernel's reading of vm_committed_as can be from the true
 * sum: ncpus x batch, batch = max(RAM / ncpus / 256, 2 ncpus, 32) since
 * 3.11 (mm_compute_batch), max(2 ncpus, 32) before.  Below 5.9 the value
 * in /proc/meminfo is approximate too, so the error doubles.
 */
static int64_t committed_band(const struct fg_sys *s)
{
	int64_t nr = s->ncpus ? s->ncpus : 1;
	int64_t batch = nr * 2 > 32 ? nr * 2 : 32;
	int64_t ram = fg_kb_pages(s->mem_total_kb, s->page_kb);
	int v = version_code(s->kmajor, s->kminor);

	if (v >= version_code(3, 11) && ram / nr / 256 > batch)
		batch = ram / nr / 256;
	return nr * batch * (v >= version_code(5, 9) ? 1 : 2);
}

void fg_eval_begin(struct fg_eval *ev, const struct fg_sys *s,
		   const struct fg_task *t)
{
	enum fg_rule rule = (unsigned)s->rule < FG_RULE_COUNT ? s->rule
							      : FG_RULE_5_2;
	struct fg_terms terms;
	int64_t limit = 0;

	memset(ev, 0, sizeof(*ev));
	ev->rule = rule;
	ev->mode = s->mode;
	ev->admin = t->admin;
	ev->page_kb = s->page_kb ? s->page_kb : 4;
	ev->anon_charged = s->anon_charged;
	if (s->mode == 0) {
		ev->per_vma = true;
		ev->or_equal = rule != FG_RULE_5_2;
		fg_limit_terms(s, t, rule, &terms);
		limit = fg_terms_sum(&terms);
		/* free memory moves between the read and the fork: 1 % */
		if (rule != FG_RULE_5_2)
			ev->band_pages =
			    fg_kb_pages(s->mem_total_kb, s->page_kb) / 100;
	} else if (s->mode == 2) {
		ev->or_equal = true;
		fg_limit_terms(s, t, rule, &terms);
		limit = fg_terms_sum(&terms);
		ev->committed_pages = fg_kb_pages(s->committed_kb, s->page_kb);
		ev->band_pages = committed_band(s);
	}
	ev->limit_pages = limit > 0 ? (uint64_t)limit : 0;
	/* every charge of this process is in Committed_AS (as read, +- band) */
	if (s->committed_kb)
		ev->cap_pages = fg_kb_pages(s->committed_kb, s->page_kb) +
				committed_band(s);
}

/*
 * Without VmFlags (before 3.8) VM_ACCOUNT is not shown; what a snapshot
 * still tells, from the 2.6.32 - 3.7 sources:
 * - mm/mmap.c mmap_region()/accountable_mapping(): a private writable
 *   mapping is charged unless VM_NORESERVE (MAP_NORESERVE, honoured by
 *   do_mmap_pgoff() in modes 0 and 1 only) or hugetlb; shared ones never.
 * - mm/mprotect.c mprotect_fixup(): making a private mapping writable
 *   charges it (unless VM_NORESERVE), and nothing un-charges it when it is
 *   made read-only or PROT_NONE again.  So a page written (smaps
 *   Anonymous or Swap: a private copy) proves the mapping was writable,
 *   hence charged unless NORESERVE - whatever its protection now - and a
 *   clean read-only mapping may still be charged if it was writable once.
 * - mm/madvise.c madvise_behavior(): MADV_DONTFORK sets VM_DONTCOPY,
 *   which kernel/fork.c dup_mmap() skips: not visible either.
 * - mm/mmap.c do_brk() and fs/exec.c (VM_STACK_FLAGS has VM_ACCOUNT):
 *   [heap] and [stack] are always charged.  Thread stacks ([stack:TID],
 *   3.4+) come from glibc's allocate_stack() or musl's pthread_create(),
 *   which map them without MAP_NORESERVE.
 * - Private file mappings written or writable are ELF segments (mapped by
 *   fs/binfmt_elf.c elf_map() and glibc's ld.so _dl_map_segments() without
 *   MAP_NORESERVE): charged.
 * - [vdso], [vsyscall], [vvar]: special mappings, never VM_ACCOUNT.
 * Anonymous mappings stay unsure: an allocator may map them NORESERVE
 * (jemalloc >= 4.2 in modes 0/1, glibc's thread-arena heaps before 2.37 in
 * modes 0/1) and a program may MADV_DONTFORK them.
 */
void fg_vma_estimate(struct fg_vma *v, bool written)
{
	static const char *const special[] = { "[vdso]", "[vsyscall]",
					       "[vvar]" };
	bool file = v->name[0] == '/';
	size_t i;

	v->account = false;
	v->dontcopy = false;
	v->unsure = FG_SURE;
	if (!v->private_)
		return;
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (!v->writable && !written && !strcmp(v->name, special[i]))
			return;
	v->account = true;
	if (!strcmp(v->name, "[heap]") || !strncmp(v->name, "[stack", 6))
		return;
	if (!v->writable && !written)
		v->unsure = FG_UNSURE_CLEAN;
	else if (!file)
		v->unsure = FG_UNSURE_ANON;
}

void fg_vma_settle(struct fg_vma *v, enum fg_known k)
{
	if (k == FG_KNOWN_NONE)
		return;
	v->unsure = FG_SURE;
	v->account = k == FG_KNOWN_CHARGED;
}

static uint64_t vma_bytes(const struct fg_vma *v)
{
	return v->end - v->start;
}

/* Keep the FG_TOP_VMAS largest VMAs in @top, largest first. */
static void keep_top(struct fg_vma *top, unsigned *ntop,
		     const struct fg_vma *vma)
{
	uint64_t size = vma_bytes(vma);
	unsigned i = *ntop;

	if (i == FG_TOP_VMAS) {
		if (vma_bytes(&top[i - 1]) >= size)
			return;
		i--;
	} else {
		(*ntop)++;
	}
	while (i > 0 && vma_bytes(&top[i - 1]) < size) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = *vma;
}

/* Is a charge of @charge pages refused?  Is it closer than the band? */
static bool refused(const struct fg_eval *ev, uint64_t charge)
{
	return ev->or_equal ? charge >= ev->limit_pages
			    : charge > ev->limit_pages;
}

static bool within_band(const struct fg_eval *ev, uint64_t charge)
{
	uint64_t d = charge > ev->limit_pages ? charge - ev->limit_pages
					      : ev->limit_pages - charge;

	return d < ev->band_pages;
}

void fg_eval_vma(struct fg_eval *ev, const struct fg_vma *vma)
{
	uint64_t n, seen;
	bool sure = vma->unsure == FG_SURE ||
		    (vma->unsure == FG_UNSURE_ANON && ev->anon_charged);

	if (!vma->account || vma->dontcopy || vma->end <= vma->start)
		return;
	n = (vma->end - vma->start) / (ev->page_kb * 1024);
	/* unsure and larger than everything committed: not charged (the
	 * operator's statement does not outweigh Committed_AS) */
	if (vma->unsure != FG_SURE && ev->cap_pages && n > ev->cap_pages)
		return;
	ev->nvmas++;
	ev->charge_pages += n;
	if (n > ev->largest_pages)
		ev->largest_pages = n;
	keep_top(ev->top, &ev->ntop, vma);
	if (sure) {
		ev->charge_min_pages += n;
		if (n > ev->largest_min_pages)
			ev->largest_min_pages = n;
	} else if (!ev->per_vma || refused(ev, n) || within_band(ev, n)) {
		/* mode 0: only a VMA that would fail (or nearly) matters */
		ev->unsure |= 1u << vma->unsure;
		keep_top(ev->unknown, &ev->nunknown, vma);
	}
	if (ev->mode != 0 && ev->mode != 2)
		return;
	/* the VMA where the kernel surely refuses: sure charges only */
	seen = ev->per_vma ? n : ev->committed_pages + ev->charge_min_pages;
	if (sure && !ev->failed && refused(ev, seen)) {
		ev->failed = true;
		ev->fail_vma = *vma;
	}
	if (within_band(
		ev, ev->per_vma ? n : ev->committed_pages + ev->charge_pages))
		ev->near = true;
}

uint64_t fg_eval_charge_max(const struct fg_eval *ev)
{
	if (ev->cap_pages && ev->charge_pages > ev->cap_pages)
		return ev->cap_pages;
	return ev->charge_pages;
}

int64_t fg_eval_margin_kb(const struct fg_eval *ev)
{
	uint64_t seen = ev->per_vma ? ev->largest_pages
				    : ev->committed_pages + ev->charge_pages;

	/* saturated: a snapshot's page counts may be anything up to 2^64 */
	bool neg = seen > ev->limit_pages;
	uint64_t d = neg ? seen - ev->limit_pages : ev->limit_pages - seen;

	if (ev->page_kb && d > (uint64_t)INT64_MAX / ev->page_kb)
		return neg ? INT64_MIN : INT64_MAX;
	return neg ? -(int64_t)(d * ev->page_kb) : (int64_t)(d * ev->page_kb);
}

/* A decided verdict from the bounds: fail when the lower one surely
 * fails, ok when the upper one surely passes, else borderline. */
static enum fg_verdict bounded(const struct fg_eval *ev, uint64_t lo,
			       uint64_t hi, bool near)
{
	if (refused(ev, lo) && !within_band(ev, lo))
		return FG_FAIL;
	if (!refused(ev, hi) && !within_band(ev, hi) && !near)
		return FG_OK;
	return FG_BORDERLINE;
}

enum fg_verdict fg_eval_verdict(const struct fg_eval *ev)
{
	if (ev->mode == 1)
		return FG_OK;
	if (ev->mode != 0 && ev->mode != 2)
		return FG_UNKNOWN;
	if (ev->mode == 2 && !ev->nvmas)
		return FG_OK;
	/* mode 0: the largest VMA decides; nearby ones make it uncertain */
	if (ev->per_vma)
		return bounded(ev, ev->largest_min_pages, ev->largest_pages,
			       ev->near);
	return bounded(ev, ev->committed_pages + ev->charge_min_pages,
		       ev->committed_pages + fg_eval_charge_max(ev), false);
}

const char *fg_verdict_name(enum fg_verdict v)
{
	static const char *const names[] = { "ok", "fail", "borderline",
					     "unknown" };

	return (unsigned)v < 4 ? names[v] : "unknown";
}

const char *fg_tier_name(enum fg_tier t)
{
	static const char *const names[] = { "none", "statm", "maps", "smaps",
					     "estimate" };

	return (unsigned)t < 5 ? names[t] : "none";
}

bool fg_verdict_risky(enum fg_verdict v)
{
	return v == FG_FAIL || v == FG_BORDERLINE;
}

bool fg_rule_reads_free(int mode, enum fg_rule rule)
{
	return mode == 2 || (mode == 0 && rule != FG_RULE_5_2);
}

bool fg_rule_reads_admin(int mode, enum fg_rule rule)
{
	return mode == 2 || rule != FG_RULE_5_2;
}

bool fg_rule_reads_totalreserve(int mode, enum fg_rule rule)
{
	return fg_mode_reads_totalreserve(mode) && rule != FG_RULE_5_2;
}

bool fg_mode_reads_totalreserve(int mode)
{
	return mode == 0;
}

bool fg_mode_refuses(int mode)
{
	return mode == 0 || mode == 2;
}

void fg_eval_bound(struct fg_eval *ev, uint64_t kb)
{
	struct fg_vma v;

	memset(&v, 0, sizeof(v));
	v.end = kb * 1024;
	v.account = true;
	strcpy(v.name, "[total_vm bound]");
	fg_eval_vma(ev, &v);
}

uint64_t fg_eval_pass_kb(const struct fg_sys *s, int mode, enum fg_rule rule)
{
	uint64_t lo = 0, hi = UINT64_C(1) << 52, mid; /* kB: 4 EiB */
	struct fg_task t = { 0 };
	struct fg_sys m = *s;
	struct fg_eval ev;

	if (mode == 1)
		return UINT64_MAX;
	if (fg_rule_reads_free(mode, rule))
		return 0;
	m.mode = mode;
	m.rule = rule;
	/* the verdict only grows with the size: a binary search */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		fg_eval_begin(&ev, &m, &t);
		fg_eval_bound(&ev, mid);
		if (fg_eval_verdict(&ev) == FG_OK)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

uint64_t fg_eval_vma_max_pages(const struct fg_eval *ev)
{
	return ev->or_equal && ev->limit_pages ? ev->limit_pages - 1
					       : ev->limit_pages;
}

uint64_t fg_eval_room_pages(const struct fg_eval *ev)
{
	return ev->limit_pages > ev->committed_pages
		   ? ev->limit_pages - ev->committed_pages
		   : 0;
}

bool fg_eval_ram_swap_rule(const struct fg_eval *ev)
{
	return ev->mode == 0 && ev->rule == FG_RULE_5_2;
}

bool fg_eval_heap_fails(const struct fg_eval *ev)
{
	return ev->failed && !strcmp(ev->fail_vma.name, "[heap]");
}
