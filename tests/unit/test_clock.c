/*
 * test_clock - fg_now_us carried forward by a tick counter (clock.c):
 * the counter given here in place of the TSC (fg_clock_set_ticks), so
 * that a test can make it run at its own rate, stop, go back or jump.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* a counter of 3 ticks per ns of CLOCK_MONOTONIC, @ahead ticks ahead and
 * @back behind (from 1e15 ticks: room to go back) */
static uint64_t ahead, back;

static uint64_t mono_ticks(void)
{
	return fg_mono_ns() * 3u + 1000000000000000ull + ahead - back;
}

static long mono_us(void)
{
	return (long)(fg_mono_ns() / 1000u);
}

/* the counter in place of the TSC, its rate measured over 30 ms */
static void measured(void)
{
	ahead = back = 0;
	fg_clock_set_ticks(mono_ticks);
	(void)fg_now_us();
	usleep(30000);
	(void)fg_now_us();
}

/* The counter carries the clock: it agrees with CLOCK_MONOTONIC within
 * 1 ms over a second, and never goes back. */
static void tracks_the_clock(void **state)
{
	long prev = 0, t;

	(void)state;
	measured();
	for (int i = 0; i < 100; i++) {
		t = fg_now_us();
		assert_true(t >= prev);
		assert_true(labs(t - mono_us()) < 1000);
		prev = t;
		usleep(10000);
	}
}

/* Between anchors the time is the counter's (no clock read): 3 s ahead,
 * the time is 3 s ahead.  A counter behind its anchor (reset) is not
 * followed: the clock, anchored again, and from there the counter. */
static void goes_by_the_counter(void **state)
{
	(void)state;
	measured();
	ahead = 3000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us() - 3000000) < 1000);
	ahead = 0;
	back = 500000000000000ull;
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	usleep(10000);
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	ahead = 2000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us() - 2000000) < 1000);
}

/* A counter that jumps over a minute ahead (a suspend, a migration) is
 * not followed: the clock; and the rate measured at the next anchor is
 * not the one before, so the counter is dropped for good: a counter 2 s
 * ahead then moves nothing. */
static void jump_drops_it(void **state)
{
	(void)state;
	measured();
	ahead = 61000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	usleep(25000);
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	ahead = 2000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	usleep(25000);
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
}

/* No counter: the clock at every call. */
static void clock_only(void **state)
{
	(void)state;
	fg_clock_set_ticks(NULL);
	for (int i = 0; i < 10; i++) {
		assert_true(labs(fg_now_us() - mono_us()) < 1000);
		usleep(1000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tracks_the_clock),
		cmocka_unit_test(goes_by_the_counter),
		cmocka_unit_test(jump_drops_it),
		cmocka_unit_test(clock_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
