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
static int stall; /* calls that sleep 5 ms after reading */

/* from @turn_ns of CLOCK_MONOTONIC on, @extra ticks more per 1000 ns */
static uint64_t turn_ns, extra;

static uint64_t mono_ticks(void)
{
	uint64_t ns = fg_mono_ns(),
		 t = ns * 3u + 1000000000000000ull + ahead - back;

	if (turn_ns && ns > turn_ns)
		t += (ns - turn_ns) * extra / 1000u;

	if (stall > 0) {
		stall--;
		usleep(5000);
	}
	return t;
}

static long mono_us(void)
{
	return (long)(fg_mono_ns() / 1000u);
}

/* the counter in place of the TSC, its rate measured over 30 ms */
static void measured(void)
{
	ahead = back = 0;
	stall = 0;
	turn_ns = extra = 0;
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

/* Between anchors the time is the counter's (no clock read): 1 s ahead,
 * the time is 1 s ahead.  A counter behind its anchor (reset) is not
 * followed: the clock, the rate measured again, and from there the
 * counter. */
static void goes_by_the_counter(void **state)
{
	(void)state;
	measured();
	ahead = 1000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us() - 1000000) < 1000);
	ahead = 0;
	back = 500000000000000ull;
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	usleep(30000);
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	ahead = 1000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us() - 1000000) < 1000);
}

/* A jump past what the rate is carried for (a suspend, a migration) is
 * not followed: the clock; and the rate measured at the next anchor is
 * not the one before, so the counter is dropped for good: measured again
 * and 1 s ahead, it moves nothing. */
static void jump_drops_it(void **state)
{
	(void)state;
	measured();
	ahead = 61000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	usleep(25000);
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
	for (int i = 0; i < 3; i++) {
		usleep(30000);
		assert_true(labs(fg_now_us() - mono_us()) < 1000);
	}
	ahead += 1000000000ull * 3;
	assert_true(labs(fg_now_us() - mono_us()) < 1000);
}

/* A clock read the thread stalled in (preempted, a signal handler) is no
 * anchor: the counter read 5 ms before the clock would put the rate off
 * by a sixth over 30 ms; with it refused, the time keeps within 1 ms. */
static void stalled_read(void **state)
{
	(void)state;
	ahead = back = 0;
	fg_clock_set_ticks(mono_ticks);
	stall = 3;
	(void)fg_now_us();
	usleep(30000);
	(void)fg_now_us();
	usleep(30000);
	(void)fg_now_us();
	for (int i = 0; i < 30; i++) {
		assert_true(labs(fg_now_us() - mono_us()) < 1000);
		usleep(10000);
	}
}

/*
 * The rate measured again at the next anchor (64 times the 30 ms it was
 * first measured over, under 2 s here): one moved by 1 % drops the
 * counter (a counter 1 s ahead then moves nothing); one moved by 0.1 %
 * is taken (1 s ahead: the time 1 s ahead).
 */
static void rate_moved(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		measured();
		turn_ns = fg_mono_ns();
		extra = k ? 3 : 30; /* of 3000 ticks per us */
		usleep(2100000);
		assert_true(labs(fg_now_us() - mono_us()) < 1000);
		ahead = 1000000000ull * 3;
		if (k)
			assert_true(labs(fg_now_us() - mono_us() - 1000000) <
				    2000);
		else
			assert_true(labs(fg_now_us() - mono_us()) < 1000);
	}
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
		cmocka_unit_test(stalled_read),
		cmocka_unit_test(rate_moved),
		cmocka_unit_test(clock_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
