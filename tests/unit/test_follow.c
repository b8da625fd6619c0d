/*
 * test_follow - the pure half of FORKGUARD_COW=abort (core/follow.c):
 * the decision at each look (room, rate, margin -> continue or abort, and
 * when to look again) and the copy to expect from a process's recent
 * forks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "follow.h"

#define MIB 1024u

static struct fg_follow_out step(uint64_t room, uint64_t prev, uint64_t dt_us,
				 uint64_t rate, uint64_t floor)
{
	struct fg_follow_in in = { room, prev, dt_us, rate, floor };
	struct fg_follow_out out;

	fg_follow_step(&in, &out);
	return out;
}

static void wide_room_looks_slowly(void **state)
{
	struct fg_follow_out o = step(500 * MIB, 0, 0, 0, 16 * MIB);

	(void)state;
	assert_false(o.abort);
	assert_int_equal(o.rate_kb_s, 0);
	assert_int_equal(o.margin_kb, 16 * MIB);
	assert_int_equal(o.next_ms, FG_FOLLOW_MAX_MS);
	/* a tight room and no rate yet: as soon as a burst could eat it,
	 * 32 - 16 MiB at 1 GiB/s */
	o = step(32 * MIB, 0, 0, 0, 16 * MIB);
	assert_false(o.abort);
	assert_int_equal(o.next_ms, 15);
}

static void at_the_floor_aborts(void **state)
{
	struct fg_follow_out o = step(16 * MIB, 0, 0, 0, 16 * MIB);

	(void)state;
	assert_true(o.abort);
	o = step(16 * MIB + 1, 0, 0, 0, 16 * MIB);
	assert_false(o.abort);
}

static void falling_room_looks_sooner(void **state)
{
	/* 10 MiB in 100 ms: 100 MiB/s; margin 16 MiB + 2 x 5 ms of it */
	struct fg_follow_out o =
	    step(90 * MIB, 100 * MIB, 100000, 0, 16 * MIB);

	(void)state;
	assert_int_equal(o.rate_kb_s, 100 * MIB);
	assert_int_equal(o.margin_kb, 16 * MIB + 1 * MIB);
	assert_false(o.abort);
	/* (90 - 17) MiB at 100 MiB/s is 730 ms, a quarter: 182 ms; at
	 * the peak rate (1 GiB/s) 71 ms: the sooner */
	assert_int_equal(o.next_ms, 71);
	/* 1000 MiB left, the same rate: a quarter of 9.8 s, or 0.96 s at
	 * the peak: the slowest look */
	o = step(1000 * MIB, 1010 * MIB, 100000, 0, 16 * MIB);
	assert_int_equal(o.next_ms, FG_FOLLOW_MAX_MS);
	/* 300 MiB at 1000 MiB/s measured: 274 MiB over the margin is 274
	 * ms at that rate, a quarter: 68 ms (267 ms at the peak) */
	o = step(300 * MIB, 400 * MIB, 100000, 0, 16 * MIB);
	assert_int_equal(o.rate_kb_s, 1000 * MIB);
	assert_int_equal(o.margin_kb, 26 * MIB);
	assert_int_equal(o.next_ms, 68);
	/* the same fall with 18 MiB left: 1 MiB over the margin, 10 ms
	 * at that rate, a quarter of it is below the fastest look */
	o = step(18 * MIB, 28 * MIB, 100000, 0, 16 * MIB);
	assert_false(o.abort);
	assert_int_equal(o.next_ms, FG_FOLLOW_MIN_MS);
}

static void the_rate_widens_the_margin(void **state)
{
	/* 10 MiB in 10 ms, 1000 MiB/s: two 5 ms looks copy 10 MiB; 20 MiB
	 * left is below 16 + 10 */
	struct fg_follow_out o =
	    step(20 * MIB, 30 * MIB, 10000, 0, 16 * MIB);

	(void)state;
	assert_int_equal(o.rate_kb_s, 1000 * MIB);
	assert_int_equal(o.margin_kb, 26 * MIB);
	assert_true(o.abort);
	assert_int_equal(o.next_ms, FG_FOLLOW_MIN_MS);
}

static void the_rate_rises_at_once_and_decays_by_half(void **state)
{
	struct fg_follow_out o;

	(void)state;
	/* no fall since the last look: the old rate halves */
	o = step(200 * MIB, 200 * MIB, 100000, 64 * MIB, 16 * MIB);
	assert_int_equal(o.rate_kb_s, 32 * MIB);
	/* a room that grows back (reclaim, a freed child) is no copy */
	o = step(210 * MIB, 200 * MIB, 100000, 32 * MIB, 16 * MIB);
	assert_int_equal(o.rate_kb_s, 16 * MIB);
	/* a faster fall replaces it */
	o = step(190 * MIB, 200 * MIB, 100000, 16 * MIB, 16 * MIB);
	assert_int_equal(o.rate_kb_s, 100 * MIB);
	/* the first look has no rate of its own */
	o = step(190 * MIB, 0, 0, 7, 16 * MIB);
	assert_int_equal(o.rate_kb_s, 7);
}

static void expected_from_history(void **state)
{
	struct fg_fork_cost h[3] = {
		{ 1000, 400 }, /* 40 % */
		{ 2000, 500 }, /* 25 % */
		{ 0, 900 },    /* no worst case known: skipped */
	};

	(void)state;
	assert_true(fg_copy_expected_kb(h, 0, 5000) == UINT64_MAX);
	assert_int_equal(fg_copy_expected_kb(h, 3, 5000), 2000);
	assert_int_equal(fg_copy_expected_kb(h + 1, 1, 5000), 1250);
	/* only the skipped one: no history */
	assert_true(fg_copy_expected_kb(h + 2, 1, 5000) == UINT64_MAX);
	/* a copy above the worst case (the parent grew) caps at worst */
	h[0].copy_kb = 3000;
	assert_int_equal(fg_copy_expected_kb(h, 2, 5000), 5000);
	/* large sizes do not overflow: 1 TiB worst at 40 % */
	h[0] = (struct fg_fork_cost){ 1000, 400 };
	assert_int_equal(fg_copy_expected_kb(h, 1, UINT64_C(1) << 30),
			 (UINT64_C(1) << 30) / 1000 * 400 +
			     (UINT64_C(1) << 30) % 1000 * 400 / 1000);
}

static void cause_names(void **state)
{
	(void)state;
	assert_string_equal(fg_child_cause_name(FG_END_ABORT), "abort");
	assert_string_equal(fg_child_cause_name(FG_END_OOM), "oom_kill");
	assert_string_equal(fg_child_cause_name(FG_END_CAUSES), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wide_room_looks_slowly),
		cmocka_unit_test(at_the_floor_aborts),
		cmocka_unit_test(falling_room_looks_sooner),
		cmocka_unit_test(the_rate_widens_the_margin),
		cmocka_unit_test(the_rate_rises_at_once_and_decays_by_half),
		cmocka_unit_test(expected_from_history),
		cmocka_unit_test(cause_names),
	};

	return cmocka_run_group_tests_name("follow", tests, NULL, NULL);
}
