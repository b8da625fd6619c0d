/*
 * clock.h - the clocks (clock.c): CLOCK_MONOTONIC for every interval
 * (check times, caches, rate limits, metrics), CLOCK_REALTIME for what
 * is shown as a date.  Through the vDSO: no syscall.
 */
#ifndef FG_CLOCK_H
#define FG_CLOCK_H

#include <stdint.h>

/* fg_mono_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t fg_mono_ns(void);
/* fg_now_us - CLOCK_MONOTONIC in microseconds; on x86-64 with an invariant
 * TSC carried forward by it from a clock read at most a minute old (the
 * vDSO's page not touched: clock.c). */
long fg_now_us(void);
/* fg_clock_set_ticks - for tests: @fn in place of the TSC (NULL: the
 * clock at every call); the anchor and rate are forgotten. */
void fg_clock_set_ticks(uint64_t (*fn)(void));
/* fg_real_ns - CLOCK_REALTIME in nanoseconds since the epoch. */
uint64_t fg_real_ns(void);
/* fg_thread_cpu_us - the calling thread's CPU time in microseconds (what
 * the watcher thread costs). */
uint64_t fg_thread_cpu_us(void);

#endif /* FG_CLOCK_H */
