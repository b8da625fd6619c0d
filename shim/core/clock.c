/*
 * clock.c - the clocks, in one place: a monotonic one for intervals, the
 * real-time one for dates (clock.h).
 */
#include <time.h>

#include "clock.h"

static uint64_t ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t fg_mono_ns(void)
{
	return ns(CLOCK_MONOTONIC);
}

long fg_now_us(void)
{
	return (long)(fg_mono_ns() / 1000u);
}

uint64_t fg_real_ns(void)
{
	return ns(CLOCK_REALTIME);
}

uint64_t fg_thread_cpu_us(void)
{
	return ns(CLOCK_THREAD_CPUTIME_ID) / 1000u;
}
