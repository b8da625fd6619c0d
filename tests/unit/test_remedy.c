/*
 * test_remedy - where each remedy can change a verdict (remedy.c's
 * predicates, through the fg_remedy_helps seam), on synthetic results:
 * the rule, the mode and the VMA the kernel refuses decide, and a remedy
 * ruled out says why.  No allocator is looked up: release's mimalloc
 * branch is the one without mi_collect.  And the plan before a fork
 * under FORKGUARD_COW=abort (plan.c): the back-off an abort starts,
 * doubled by the next, taken back when its signal could not be sent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "plan.h"
#include "policy.h"
#include "remedy.h"

#define GIB (UINT64_C(1) << 30)

/* A host with 16 GiB of RAM, no swap, in @mode under @rule. */
static void host(struct fg_sys *s, int mode, enum fg_rule rule)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->rule = rule;
	s->page_kb = 4;
	s->ncpus = 2;
	s->kmajor = 6;
	s->kminor = 1;
	s->ratio = 50;
	s->mem_total_kb = 16 * 1024 * 1024;
	s->mem_free_kb = 8 * 1024 * 1024;
	s->commit_limit_kb = 8 * 1024 * 1024;
	s->committed_kb = 1024 * 1024;
}

/* @r after one VMA of @gib GiB named @name, from 4 GiB up. */
static void one_vma(struct fg_result *r, int mode, enum fg_rule rule,
		    uint64_t gib, const char *name)
{
	struct fg_vma v = { .start = 4 * GIB, .account = true,
			    .private_ = true, .writable = true };

	memset(r, 0, sizeof(*r));
	host(&r->sys, mode, rule);
	v.end = v.start + gib * GIB;
	strcpy(v.name, name);
	fg_eval_begin(&r->ev, &r->sys, &r->task);
	fg_eval_vma(&r->ev, &v);
	r->verdict = fg_eval_verdict(&r->ev);
	r->exact = true;
	r->tier = FG_TIER_SMAPS;
}

static void ram_swap_rule_heap(void **state)
{
	struct fg_result r;
	const char *why;

	(void)state;
	one_vma(&r, 0, FG_RULE_5_2, 20, "[heap]");
	assert_int_equal(r.verdict, FG_FAIL);
	/* the brk heap shrinks with a trim or a purge */
	assert_true(fg_remedy_helps(FG_REMEDY_TRIM, &r, &why));
	assert_true(fg_remedy_helps(FG_REMEDY_JEMALLOC, &r, &why));
	assert_true(fg_remedy_helps(FG_REMEDY_SPLIT, &r, &why));
	/* freeing RSS does not change a VMA's size */
	assert_false(fg_remedy_helps(FG_REMEDY_RELEASE, &r, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "VMA sizes stay"));
}

static void ram_swap_rule_anon(void **state)
{
	struct fg_result r;
	const char *why;

	(void)state;
	one_vma(&r, 0, FG_RULE_5_2, 20, "");
	assert_int_equal(r.verdict, FG_FAIL);
	assert_false(fg_remedy_helps(FG_REMEDY_TRIM, &r, &why));
	assert_false(fg_remedy_helps(FG_REMEDY_JEMALLOC, &r, &why));
	assert_non_null(strstr(why, "MAP_NORESERVE"));
	assert_true(fg_remedy_helps(FG_REMEDY_SPLIT, &r, &why));
}

static void free_rule_everything_frees(void **state)
{
	struct fg_result r;
	const char *why;

	(void)state;
	/* before 5.2 mode 0 compares with free memory: freeing helps */
	one_vma(&r, 0, FG_RULE_3_10, 12, "");
	assert_int_equal(r.verdict, FG_FAIL);
	assert_true(fg_remedy_helps(FG_REMEDY_TRIM, &r, &why));
	assert_true(fg_remedy_helps(FG_REMEDY_JEMALLOC, &r, &why));
	assert_true(fg_remedy_helps(FG_REMEDY_RELEASE, &r, &why));
	assert_true(fg_remedy_helps(FG_REMEDY_SPLIT, &r, &why));
}

static void strict_mode_sums(void **state)
{
	struct fg_result r;
	const char *why;

	(void)state;
	one_vma(&r, 2, FG_RULE_5_2, 12, "");
	assert_int_equal(r.verdict, FG_FAIL);
	assert_true(fg_remedy_helps(FG_REMEDY_TRIM, &r, &why));
	assert_true(fg_remedy_helps(FG_REMEDY_JEMALLOC, &r, &why));
	/* tcmalloc returns no charge; without mi_collect nothing does */
	assert_false(fg_remedy_helps(FG_REMEDY_RELEASE, &r, &why));
	assert_non_null(strstr(why, "no commit charge"));
	/* the pieces of a split add up to the same charge */
	assert_false(fg_remedy_helps(FG_REMEDY_SPLIT, &r, &why));
	assert_non_null(strstr(why, "add up to the same"));
}

static void split_leaves_stacks_whole(void **state)
{
	struct fg_result r;
	const char *why;

	(void)state;
	one_vma(&r, 0, FG_RULE_5_2, 20, "[stack]");
	assert_int_equal(r.verdict, FG_FAIL);
	assert_false(fg_remedy_helps(FG_REMEDY_SPLIT, &r, &why));
	assert_non_null(strstr(why, "stack or special"));
}

static void unknown_remedy(void **state)
{
	struct fg_result r;
	const char *why = "x";

	(void)state;
	one_vma(&r, 0, FG_RULE_5_2, 20, "[heap]");
	assert_false(fg_remedy_helps(0x100, &r, &why));
	assert_null(why);
}

/* The plan for a fork judged @verdict under FORKGUARD_COW=abort (back-off
 * 30 s); one judged cow ok ends a streak. */
static struct fg_cow_fork plan(enum fg_cow_verdict verdict)
{
	struct fg_config c;
	struct fg_cow cow;
	struct fg_cow_fork f;

	memset(&c, 0, sizeof(c));
	memset(&cow, 0, sizeof(cow));
	memset(&f, 0, sizeof(f));
	c.cow = FG_COW_ABORT;
	c.cow_backoff_s = 30;
	cow.verdict = verdict;
	cow.worst_kb = verdict == FG_COW_RISK ? 1024 : 0;
	fg_follow_plan(&c, &cow, &f);
	return f;
}

static void abort_backoff(void **state)
{
	struct fg_cow_fork f;
	struct fg_abort_mark was, was2;

	(void)state;
	f = plan(FG_COW_RISK);
	assert_true(f.follow && !f.refuse);
	/* learnt (before the signal goes): the next risky fork is refused */
	was = fg_follow_learn_abort();
	f = plan(FG_COW_RISK);
	assert_true(f.refuse && !f.follow);
	assert_true(f.backoff_s >= 29 && f.backoff_s <= 31);
	/* a second abort in a row doubles it */
	was2 = fg_follow_learn_abort();
	f = plan(FG_COW_RISK);
	assert_true(f.refuse && f.backoff_s >= 59 && f.backoff_s <= 61);
	/* its signal could not be sent: back to the first one's */
	fg_follow_unlearn_abort(was2);
	f = plan(FG_COW_RISK);
	assert_true(f.refuse && f.backoff_s >= 29 && f.backoff_s <= 31);
	fg_follow_unlearn_abort(was);
	f = plan(FG_COW_RISK);
	assert_true(f.follow && !f.refuse);
	/* a fork judged cow ok ends the streak between an abort and its
	 * failed signal: taking it back leaves 0, and the next abort still
	 * starts a back-off */
	was = fg_follow_learn_abort();
	plan(FG_COW_OK);
	fg_follow_unlearn_abort(was);
	f = plan(FG_COW_RISK);
	assert_true(f.follow && !f.refuse);
	was = fg_follow_learn_abort();
	f = plan(FG_COW_RISK);
	assert_true(f.refuse && f.backoff_s >= 29 && f.backoff_s <= 31);
	/* an abort after the failed one keeps its own time */
	was2 = fg_follow_learn_abort();
	fg_follow_unlearn_abort(was);
	f = plan(FG_COW_RISK);
	assert_true(f.refuse && f.backoff_s >= 29 && f.backoff_s <= 31);
	fg_follow_unlearn_abort(was2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ram_swap_rule_heap),
		cmocka_unit_test(ram_swap_rule_anon),
		cmocka_unit_test(free_rule_everything_frees),
		cmocka_unit_test(strict_mode_sums),
		cmocka_unit_test(split_leaves_stacks_whole),
		cmocka_unit_test(unknown_remedy),
		cmocka_unit_test(abort_backoff),
	};

	return cmocka_run_group_tests_name("remedy", tests, NULL, NULL);
}
