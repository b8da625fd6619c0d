/*
 * test_policy - the kernel rules of policy.c at both sides of every limit.
 *
 * Each case builds a host (struct fg_sys) and a process, feeds VMAs in
 * address order as dup_mmap would, and checks the verdict one page below,
 * at, and one page above the limit the kernel source gives for that era.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "parse.h"
#include "policy.h"
#include "procfs.h"

#define GiB (1024ULL * 1024)	/* in kB */
#define PAGE 4096ULL

static struct fg_sys host(int mode, enum fg_rule rule)
{
	struct fg_sys s;

	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.rule = rule;
	s.page_kb = 4;
	s.ncpus = 2;
	s.kmajor = rule == FG_RULE_5_2 ? 6 : 3;
	s.kminor = rule == FG_RULE_5_2 ? 1 : 10;
	s.mem_total_kb = 24 * GiB;
	s.swap_total_kb = 2 * GiB;
	s.ratio = 50;
	s.admin_reserve_kb = 8192;
	s.user_reserve_kb = 131072;
	return s;
}

static struct fg_task task(uint64_t vsz_kb, bool admin)
{
	struct fg_task t;

	memset(&t, 0, sizeof(t));
	t.vsz_kb = vsz_kb;
	t.admin = admin;
	return t;
}

static struct fg_vma vma(uint64_t start, uint64_t pages, bool ac)
{
	struct fg_vma v;

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = start + pages * PAGE;
	v.account = ac;
	return v;
}

/* Verdict for one accountable VMA of @pages on @s. */
static enum fg_verdict one(const struct fg_sys *s, const struct fg_task *t,
			   uint64_t pages)
{
	struct fg_eval ev;
	struct fg_vma v = vma(0x10000000, pages, true);

	fg_eval_begin(&ev, s, t);
	fg_eval_vma(&ev, &v);
	return fg_eval_verdict(&ev);
}

static void mode0_5_2_limit_is_ram_plus_swap(void **state)
{
	struct fg_sys s = host(0, FG_RULE_5_2);
	struct fg_task t = task(0, false);
	uint64_t limit = (24 * GiB + 2 * GiB) / 4;

	(void)state;
	assert_int_equal(one(&s, &t, limit), FG_OK);	/* > fails, = passes */
	assert_int_equal(one(&s, &t, limit + 1), FG_FAIL);
	assert_int_equal(one(&s, &t, limit - 1), FG_OK);
	t.admin = true;	/* root makes no difference on 5.2+ */
	assert_int_equal(one(&s, &t, limit + 1), FG_FAIL);
}

static void mode0_5_2_judges_each_vma_alone(void **state)
{
	struct fg_sys s = host(0, FG_RULE_5_2);
	struct fg_task t = task(40 * GiB, false);
	struct fg_eval ev;
	struct fg_vma a = vma(0x100000000, 20 * GiB / 4, true);
	struct fg_vma b = vma(0x600000000, 20 * GiB / 4, true);
	struct fg_vma c = vma(0xb00000000, 27 * GiB / 4, true);

	(void)state;
	fg_eval_begin(&ev, &s, &t);
	fg_eval_vma(&ev, &a);
	fg_eval_vma(&ev, &b);
	assert_int_equal(fg_eval_verdict(&ev), FG_OK);	/* 40 GiB in two */
	fg_eval_vma(&ev, &c);
	assert_int_equal(fg_eval_verdict(&ev), FG_FAIL);
	assert_true(ev.failed);
	assert_int_equal(ev.fail_vma.start, c.start);
	assert_int_equal(ev.charge_pages, 67 * GiB / 4);
	assert_int_equal(ev.top[0].start, c.start);
}

static void dontcopy_and_unaccounted_are_free(void **state)
{
	struct fg_sys s = host(0, FG_RULE_5_2);
	struct fg_task t = task(0, false);
	struct fg_eval ev;
	struct fg_vma big = vma(0x100000000, 30 * GiB / 4, true);
	struct fg_vma nr = vma(0x900000000, 30 * GiB / 4, false);

	(void)state;
	big.dontcopy = true;
	fg_eval_begin(&ev, &s, &t);
	fg_eval_vma(&ev, &big);
	fg_eval_vma(&ev, &nr);
	assert_int_equal(fg_eval_verdict(&ev), FG_OK);
	assert_int_equal(ev.charge_pages, 0);
}

static void mode1_never_fails(void **state)
{
	struct fg_sys s = host(1, FG_RULE_5_2);
	struct fg_task t = task(0, false);

	(void)state;
	assert_int_equal(one(&s, &t, 1ULL << 40), FG_OK);
}

/* mode 2 on 3.10+: allowed = limit - admin_reserve - min(tvm/32, user). */
static void mode2_cumulative_with_reserves(void **state)
{
	struct fg_sys s = host(2, FG_RULE_5_2);
	struct fg_task t = task(4 * GiB, false);
	int64_t commit = (24 * GiB / 4) * 50 / 100 + 2 * GiB / 4;
	int64_t allowed = commit - 8192 / 4 - (4 * GiB / 4) / 32;
	struct fg_eval ev;
	struct fg_vma a, b;

	(void)state;
	s.committed_kb = 6 * GiB;
	/* fails when committed + charge >= allowed; a 0-band host */
	s.ncpus = 1;
	s.mem_total_kb = 24 * GiB;
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal((int64_t)ev.limit_pages, allowed);
	ev.band_pages = 0;
	a = vma(0x100000000, (uint64_t)(allowed - 6 * GiB / 4) / 2, true);
	b = vma(0x200000000, (uint64_t)(allowed - 6 * GiB / 4) / 2 - 1, true);
	fg_eval_vma(&ev, &a);
	fg_eval_vma(&ev, &b);
	assert_int_equal(fg_eval_verdict(&ev), FG_OK);
	b = vma(0x300000000, 1, true);	/* reaches allowed: refused */
	fg_eval_vma(&ev, &b);
	assert_int_equal(fg_eval_verdict(&ev), FG_FAIL);
	assert_int_equal(ev.fail_vma.start, 0x300000000);
	/* an admin keeps the admin reserve */
	t.admin = true;
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal((int64_t)ev.limit_pages, allowed + 8192 / 4);
}

static void mode2_user_reserve_caps_tvm(void **state)
{
	struct fg_sys s = host(2, FG_RULE_5_2);
	struct fg_task t = task(64 * GiB, true);	/* tvm/32 = 2 GiB */
	struct fg_eval ev;
	int64_t commit = (24 * GiB / 4) * 50 / 100 + 2 * GiB / 4;

	(void)state;
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal((int64_t)ev.limit_pages, commit - 131072 / 4);
}

static void mode2_kbytes_and_hugetlb(void **state)
{
	struct fg_sys s = host(2, FG_RULE_5_2);
	struct fg_task t = task(0, true);
	struct fg_eval ev;

	(void)state;
	s.hugetlb_kb = 4 * GiB;
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal(ev.limit_pages,
			 (20 * GiB / 4) * 50 / 100 + 2 * GiB / 4);
	s.kbytes = 10 * GiB;	/* overcommit_kbytes wins over the ratio */
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal(ev.limit_pages, 10 * GiB / 4 + 2 * GiB / 4);
}

static void mode2_already_over_fails_any_fork(void **state)
{
	struct fg_sys s = host(2, FG_RULE_5_2);
	struct fg_task t = task(1024, true);

	(void)state;
	s.committed_kb = 30 * GiB;
	assert_int_equal(one(&s, &t, 1), FG_FAIL);
}

static void mode2_band_makes_borderline(void **state)
{
	struct fg_sys s = host(2, FG_RULE_5_2);
	struct fg_task t = task(0, true);
	struct fg_eval ev;
	uint64_t band;

	(void)state;
	s.kminor = 9;	/* 6.9: exact Committed_AS, band = ncpus * batch */
	fg_eval_begin(&ev, &s, &t);
	band = ev.band_pages;
	/* RAM/256 = 24 GiB/256 in pages */
	assert_int_equal(band, (24 * GiB / 4) / 256);
	assert_int_equal(one(&s, &t, ev.limit_pages - band / 2), FG_BORDERLINE);
	assert_int_equal(one(&s, &t, ev.limit_pages + band / 2), FG_BORDERLINE);
	assert_int_equal(one(&s, &t, ev.limit_pages - band - 1), FG_OK);
	assert_int_equal(one(&s, &t, ev.limit_pages + band), FG_FAIL);
}

/* mode 2 before 3.10: (RAM-hugetlb) x ratio, -3 % non-root, + swap - tvm/32 */
static void mode2_pre_3_10(void **state)
{
	struct fg_sys s = host(2, FG_RULE_3_1);
	struct fg_task t = task(32 * GiB, false);
	struct fg_eval ev;
	int64_t a = (24 * GiB / 4) * 50 / 100;

	(void)state;
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal((int64_t)ev.limit_pages,
			 a - a / 32 + 2 * GiB / 4 - (32 * GiB / 4) / 32);
	s.rule = FG_RULE_2_6;
	t.admin = true;
	fg_eval_begin(&ev, &s, &t);
	assert_int_equal((int64_t)ev.limit_pages,
			 a + 2 * GiB / 4 - (32 * GiB / 4) / 32);
}

static struct fg_sys free_host(int mode, enum fg_rule rule)
{
	struct fg_sys s = host(mode, rule);

	s.mem_free_kb = 10 * GiB;
	s.cached_kb = 6 * GiB;	/* includes shmem */
	s.swap_cached_kb = 0;
	s.buffers_kb = 1 * GiB;
	s.shmem_kb = 2 * GiB;
	s.swap_free_kb = 1 * GiB;
	s.sreclaimable_kb = 1 * GiB;
	s.kreclaimable_kb = 3 * GiB;
	s.totalreserve_kb = 1 * GiB;
	return s;
}

/* the free-based eras: refused when pages >= free */
static void check_free_limit(struct fg_sys *s, bool admin, int64_t free)
{
	struct fg_task t = task(0, admin);
	struct fg_eval ev;

	fg_eval_begin(&ev, s, &t);
	assert_int_equal((int64_t)ev.limit_pages, free);
	ev.band_pages = 0;
	{
		struct fg_vma v = vma(0x1000000, (uint64_t)free, true);
		struct fg_vma w = vma(0x1000000, (uint64_t)free - 1, true);

		fg_eval_vma(&ev, &v);
		assert_int_equal(fg_eval_verdict(&ev), FG_FAIL);
		fg_eval_begin(&ev, s, &t);
		ev.band_pages = 0;
		fg_eval_vma(&ev, &w);
		assert_int_equal(fg_eval_verdict(&ev), FG_OK);
	}
}

static void mode0_4_17(void **state)
{
	struct fg_sys s = free_host(0, FG_RULE_4_17);
	/* free 10 + file 7 - shmem 2 + swap 1 + slab 1 + misc 2 - reserve 1 */
	int64_t free = 18 * GiB / 4;

	(void)state;
	check_free_limit(&s, true, free);
	check_free_limit(&s, false, free - 8192 / 4);
}

static void mode0_3_10(void **state)
{
	struct fg_sys s = free_host(0, FG_RULE_3_10);
	int64_t free = 16 * GiB / 4;

	(void)state;
	check_free_limit(&s, true, free);
	check_free_limit(&s, false, free - 8192 / 4);
}

static void mode0_3_1(void **state)
{
	struct fg_sys s = free_host(0, FG_RULE_3_1);
	int64_t free = 16 * GiB / 4;

	(void)state;
	check_free_limit(&s, true, free);
	check_free_limit(&s, false, free - free / 32);
}

/* 2.6.32: file + swap + slab (no shmem subtraction), then free pages */
static void mode0_2_6(void **state)
{
	struct fg_sys s = free_host(0, FG_RULE_2_6);
	int64_t p1 = 9 * GiB / 4, n = 9 * GiB / 4;

	(void)state;
	check_free_limit(&s, true, p1 + n);
	check_free_limit(&s, false, p1 - p1 / 32 + n - n / 32);
	s.mem_free_kb = 512 * 1024;	/* below totalreserve: pass 1 only */
	check_free_limit(&s, true, p1);
}

static void free_below_reserve_refuses_everything(void **state)
{
	struct fg_sys s = free_host(0, FG_RULE_3_10);
	struct fg_task t = task(0, false);

	(void)state;
	s.mem_free_kb = s.cached_kb = s.buffers_kb = s.swap_free_kb = 0;
	s.sreclaimable_kb = s.shmem_kb = 0;
	/* nothing passes, but free memory moves: within 1 % of RAM it is
	 * borderline, beyond it a failure */
	assert_int_equal(one(&s, &t, 1), FG_BORDERLINE);
	assert_int_equal(one(&s, &t, 24 * GiB / 4 / 50), FG_FAIL);
}

static void rule_selection(void **state)
{
	(void)state;
	assert_int_equal(fg_rule_for_release("2.6.32-754.el6.x86_64"),
			 FG_RULE_2_6);
	assert_int_equal(fg_rule_for_release("3.0.101"), FG_RULE_2_6);
	assert_int_equal(fg_rule_for_release("3.9.11"), FG_RULE_3_1);
	assert_int_equal(fg_rule_for_release("3.10.0-1160.el7.x86_64"),
			 FG_RULE_3_10);
	assert_int_equal(fg_rule_for_release("4.16.18"), FG_RULE_3_10);
	assert_int_equal(fg_rule_for_release("4.19.0-27-amd64"), FG_RULE_4_17);
	assert_int_equal(fg_rule_for_release("5.1.21"), FG_RULE_4_17);
	assert_int_equal(fg_rule_for_release("5.2.0"), FG_RULE_5_2);
	assert_int_equal(fg_rule_for_release("6.18.44-fc-v669"), FG_RULE_5_2);
	assert_int_equal(fg_rule_for_release("garbage"), FG_RULE_5_2);
	assert_int_equal(fg_rule_from_name("<=3.0"), FG_RULE_2_6);
	assert_int_equal(fg_rule_from_name("2.6"), FG_RULE_2_6);
	assert_int_equal(fg_rule_from_name("4.17-5.1"), FG_RULE_4_17);
	assert_int_equal(fg_rule_from_name("7"), FG_RULE_COUNT);
	assert_string_equal(fg_rule_name(FG_RULE_3_10), "3.10-4.16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mode0_5_2_limit_is_ram_plus_swap),
		cmocka_unit_test(mode0_5_2_judges_each_vma_alone),
		cmocka_unit_test(dontcopy_and_unaccounted_are_free),
		cmocka_unit_test(mode1_never_fails),
		cmocka_unit_test(mode2_cumulative_with_reserves),
		cmocka_unit_test(mode2_user_reserve_caps_tvm),
		cmocka_unit_test(mode2_kbytes_and_hugetlb),
		cmocka_unit_test(mode2_already_over_fails_any_fork),
		cmocka_unit_test(mode2_band_makes_borderline),
		cmocka_unit_test(mode2_pre_3_10),
		cmocka_unit_test(mode0_4_17),
		cmocka_unit_test(mode0_3_10),
		cmocka_unit_test(mode0_3_1),
		cmocka_unit_test(mode0_2_6),
		cmocka_unit_test(free_below_reserve_refuses_everything),
		cmocka_unit_test(rule_selection),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
