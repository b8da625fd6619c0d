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
	struct fg_follow_in in = { .room_kb = room,
				   .prev_room_kb = prev,
				   .dt_us = dt_us,
				   .rate_kb_s = rate,
				   .floor_kb = floor };
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
	/* 10 MiB in 100 ms: 100 MiB/s; margin 16 MiB + 55 ms of it (a 5 ms
	 * look, no lateness, a child's end at its 50 ms floor): 5.5 MiB */
	struct fg_follow_out o =
	    step(90 * MIB, 100 * MIB, 100000, 0, 16 * MIB);

	(void)state;
	assert_int_equal(o.rate_kb_s, 100 * MIB);
	assert_int_equal(o.margin_kb, 16 * MIB + 5632);
	assert_false(o.abort);
	/* (90 - 21.5) MiB at 100 MiB/s is 685 ms, a quarter: 171 ms; at
	 * the peak rate (1 GiB/s) 66 ms: the sooner */
	assert_int_equal(o.next_ms, 66);
	/* 1000 MiB left, the same rate: a quarter of 9.8 s, or 0.96 s at
	 * the peak: the slowest look */
	o = step(1000 * MIB, 1010 * MIB, 100000, 0, 16 * MIB);
	assert_int_equal(o.next_ms, FG_FOLLOW_MAX_MS);
	/* 300 MiB at 1000 MiB/s measured: margin 16 + 55 MiB; 229 MiB
	 * over it is 229 ms at that rate, a quarter: 57 ms (223 at the
	 * peak) */
	o = step(300 * MIB, 400 * MIB, 100000, 0, 16 * MIB);
	assert_int_equal(o.rate_kb_s, 1000 * MIB);
	assert_int_equal(o.margin_kb, 16 * MIB + 56320);
	assert_int_equal(o.next_ms, 57);
	/* the same fall with 80 MiB left: 9 MiB over the margin, 9 ms at
	 * that rate, a quarter of it is below the fastest look */
	o = step(80 * MIB, 180 * MIB, 100000, 0, 16 * MIB);
	assert_false(o.abort);
	assert_int_equal(o.next_ms, FG_FOLLOW_MIN_MS);
}

static void the_rate_widens_the_margin(void **state)
{
	/* 10 MiB in 10 ms, 1000 MiB/s: a 5 ms look and a 50 ms end copy
	 * 55 MiB; 20 MiB left is below 16 + 55 */
	struct fg_follow_out o =
	    step(20 * MIB, 30 * MIB, 10000, 0, 16 * MIB);

	(void)state;
	assert_int_equal(o.rate_kb_s, 1000 * MIB);
	assert_int_equal(o.margin_kb, 16 * MIB + 56320);
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

static struct fg_follow_out step_t(uint64_t room, uint64_t rate,
				   uint64_t late_us, uint64_t end_us,
				   uint64_t signal_us)
{
	struct fg_follow_in in = { .room_kb = room,
				   .rate_kb_s = rate,
				   .floor_kb = 16 * MIB,
				   .late_us = late_us,
				   .end_us = end_us,
				   .signal_us = signal_us };
	struct fg_follow_out out;

	fg_follow_step(&in, &out);
	return out;
}

static void lateness_and_the_end_widen_the_margin(void **state)
{
	struct fg_follow_out o;

	(void)state;
	/* 100 MiB/s over 5 ms + 20 ms late + a 400 ms end: 42.5 MiB */
	o = step_t(100 * MIB, 100 * MIB, 20000, 400000, 0);
	assert_int_equal(o.margin_kb, 16 * MIB + 43520);
	assert_false(o.abort);
	o = step_t(16 * MIB + 43520, 100 * MIB, 20000, 400000, 0);
	assert_true(o.abort);
	assert_false(o.kill);
	/* an end measured below the floor counts as the floor (50 ms) */
	assert_int_equal(step_t(100 * MIB, 100 * MIB, 0, 10000, 0).margin_kb,
			 step_t(100 * MIB, 100 * MIB, 0, 0, 0).margin_kb);
	assert_int_equal(step_t(100 * MIB, 100 * MIB, 0, 0, 0).margin_kb,
			 16 * MIB + 5632);
}

static void after_the_signal_fast_looks_then_kill(void **state)
{
	struct fg_follow_out o;

	(void)state;
	/* signalled 1 ms ago, the room back above the margin: no kill, and
	 * the next look at the fastest interval all the same */
	o = step_t(100 * MIB, 0, 0, 0, 1000);
	assert_false(o.abort);
	assert_false(o.kill);
	assert_int_equal(o.next_ms, FG_FOLLOW_MIN_MS);
	/* below the margin, at or over half of it: wait for the end */
	o = step_t(8 * MIB, 0, 0, 0, 1000);
	assert_true(o.abort);
	assert_false(o.kill);
	/* below half the margin (16 MiB / 2): SIGKILL */
	o = step_t(8 * MIB - 1, 0, 0, 0, 1000);
	assert_true(o.kill);
	/* the grace over, with room: SIGKILL too */
	assert_false(step_t(100 * MIB, 0, 0, 0,
			    FG_FOLLOW_GRACE_MS * 1000 - 1).kill);
	assert_true(step_t(100 * MIB, 0, 0, 0, FG_FOLLOW_GRACE_MS * 1000).kill);
	/* not signalled yet: never a kill, however low the room */
	o = step_t(1, 0, 0, 0, 0);
	assert_true(o.abort);
	assert_false(o.kill);
}

static void worst_of_a_ring(void **state)
{
	uint32_t r[4] = { 3000, 0, 17000, 900 };

	(void)state;
	assert_int_equal(fg_follow_worst_us(r, 4), 17000);
	assert_int_equal(fg_follow_worst_us(r, 2), 3000);
	assert_int_equal(fg_follow_worst_us(r, 0), 0);
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

static void share_of_history(void **state)
{
	struct fg_fork_cost h[3] = { { 1000, 400 }, { 2000, 500 }, { 0, 9 } };
	uint64_t c = 7, w = 7;

	(void)state;
	assert_false(fg_copy_share(h, 0, &c, &w));
	assert_false(fg_copy_share(h + 2, 1, &c, &w));
	assert_int_equal(c, 7); /* untouched without history */
	assert_true(fg_copy_share(h, 3, &c, &w));
	assert_int_equal(c, 400);
	assert_int_equal(w, 1000);
	h[1].copy_kb = 2500; /* above its worst case: the share caps at 1 */
	assert_true(fg_copy_share(h, 3, &c, &w));
	assert_int_equal(c, 2000);
	assert_int_equal(w, 2000);
}

static void what_a_limit_holds(void **state)
{
	(void)state;
	/* worst case (every page copied): room 600 MiB, 200 MiB now:
	 * A + A <= 800 MiB, A = 400 MiB */
	assert_int_equal(fg_save_holds_kb(600 << 10, 200 << 10, 0, 1, 1),
			 400 << 10);
	/* a quarter copied: A * 1.25 <= 800 MiB, A = 640 MiB */
	assert_int_equal(
	    fg_save_holds_kb(600 << 10, 200 << 10, 0, 256 << 10, 1024 << 10),
	    640 << 10);
	/* the margin kept comes off first: (800 - 16) / 1.25 */
	assert_int_equal(
	    fg_save_holds_kb(600 << 10, 200 << 10, 16 << 10, 1, 4),
	    (784 << 10) * 4 / 5);
	/* nothing copied: all of the room */
	assert_int_equal(fg_save_holds_kb(600, 200, 0, 0, 1000), 800);
	/* no room left at all, even for an empty process */
	assert_int_equal(fg_save_holds_kb(10, 0, 16, 1, 1), 0);
	/* a process over what it holds: the answer is below its size */
	assert_int_equal(fg_save_holds_kb(100, 900, 0, 1, 1), 500);
	/* a copy above its worst case counts as the worst case */
	assert_int_equal(fg_save_holds_kb(600, 200, 0, 5, 1), 400);
	/* 1 TiB of room and memory do not overflow */
	assert_int_equal(fg_save_holds_kb(UINT64_C(1) << 30, UINT64_C(1) << 30,
					  0, 1, 1),
			 UINT64_C(1) << 30);
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
		cmocka_unit_test(share_of_history),
		cmocka_unit_test(what_a_limit_holds),
		cmocka_unit_test(at_the_floor_aborts),
		cmocka_unit_test(falling_room_looks_sooner),
		cmocka_unit_test(the_rate_widens_the_margin),
		cmocka_unit_test(the_rate_rises_at_once_and_decays_by_half),
		cmocka_unit_test(lateness_and_the_end_widen_the_margin),
		cmocka_unit_test(after_the_signal_fast_looks_then_kill),
		cmocka_unit_test(worst_of_a_ring),
		cmocka_unit_test(expected_from_history),
		cmocka_unit_test(cause_names),
	};

	return cmocka_run_group_tests_name("follow", tests, NULL, NULL);
}
