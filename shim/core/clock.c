/*
 * clock.c - the clocks, in one place: a monotonic one for intervals, the
 * real-time one for dates (clock.h).
 */
#include <stdbool.h>
#include <string.h>
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

/*
 * fg_now_us on x86-64: CLOCK_MONOTONIC carried forward by the TSC.  The
 * first read of the vDSO's clock after an idle spell costs about 2 us in
 * a VM (its data page found cold: bench_pass), the fork path's check
 * about a third of its time on a fork that comes once in a while; the TSC
 * is read without touching memory.  An anchor (a clock read and the TSC
 * at it) and the rate between two anchors at least CAL_MIN_US apart; a
 * time is the anchor's carried forward by the TSC, for at most
 * ANCHOR_MAX_US: past that (or a TSC behind the anchor: reset, another
 * machine), the clock is read and becomes the anchor, with the TSC read
 * right after it, and the rate is measured again over the whole span (an
 * anchor moves back by what the rate was off: at most about 0.3 ms after
 * the first 20 ms, microseconds after a minute).  A rate that moved by more than
 * 1/256 (a TSC the kernel no longer trusts, a host that changed its
 * frequency) turns the TSC off for good.  Without a TSC whose rate is
 * invariant (CPUID 0x80000007 EDX bit 8), and elsewhere than x86-64: the
 * clock at every call.  Readers copy the anchor under a sequence count
 * and read the clock when a writer is at it.
 */
#define CAL_MIN_US    20000L
#define ANCHOR_MAX_US 60000000L

static uint64_t (*ticks_fn)(void); /* tests: fg_clock_set_ticks */

static struct {
	unsigned seq;	    /* odd: a writer is at it */
	int state;	    /* 0 not tried, 1 measuring, 2 on, -1 off */
	uint64_t tsc, us;   /* the anchor (tsc 0: none yet) */
	uint64_t mult;	    /* us per tick << 32 (state 2) */
	uint64_t max_ticks; /* ANCHOR_MAX_US in ticks (state 2) */
} tsc;

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <x86intrin.h>

static uint64_t ticks(void)
{
	return ticks_fn ? ticks_fn() : __rdtsc();
}

static bool tsc_usable(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(0x80000007u, &a, &b, &c, &d) && (d & (1u << 8));
}
#else
static uint64_t ticks(void)
{
	return ticks_fn ? ticks_fn() : 0;
}

static bool tsc_usable(void)
{
	return false;
}
#endif

void fg_clock_set_ticks(uint64_t (*fn)(void))
{
	memset(&tsc, 0, sizeof(tsc));
	ticks_fn = fn;
	__atomic_store_n(&tsc.state, fn ? 1 : -1, __ATOMIC_RELAXED);
}

#define LOAD(x)	    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* The clock read, and the TSC right after it (the clock's own read of it
 * is the last thing the vDSO does): the anchor again once the span since
 * the last one is long enough to measure the rate over, or the TSC went
 * back; the time read. */
static long anchor(void)
{
	uint64_t us = fg_mono_ns() / 1000u, t = ticks(), dus, mult, old;
	unsigned seq = LOAD(tsc.seq);

	if ((seq & 1) ||
	    !__atomic_compare_exchange_n(&tsc.seq, &seq, seq + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return (long)us; /* another thread is at it */
	dus = us - LOAD(tsc.us);
	old = LOAD(tsc.mult);
	if (!LOAD(tsc.tsc) || t <= LOAD(tsc.tsc) || us < LOAD(tsc.us)) {
		STORE(tsc.tsc, t); /* the first, or the TSC went back */
		STORE(tsc.us, us);
	} else if (dus >= (uint64_t)CAL_MIN_US && dus >> 31) {
		STORE(tsc.tsc, t); /* over half an hour: too long to measure */
		STORE(tsc.us, us);
	} else if (dus >= (uint64_t)CAL_MIN_US) {
		mult = (dus << 32) / (t - LOAD(tsc.tsc));
		if (!mult ||
		    (LOAD(tsc.state) == 2 &&
		     (mult > old + (old >> 8) || mult < old - (old >> 8)))) {
			STORE(tsc.state, -1);
		} else {
			STORE(tsc.mult, mult);
			STORE(tsc.max_ticks,
			      ((uint64_t)ANCHOR_MAX_US << 32) / mult);
			STORE(tsc.state, 2);
		}
		STORE(tsc.tsc, t);
		STORE(tsc.us, us);
	}
	__atomic_store_n(&tsc.seq, seq + 2, __ATOMIC_RELEASE);
	return (long)us;
}

long fg_now_us(void)
{
	uint64_t t, t0, us, mult, max;
	unsigned seq;
	int state = LOAD(tsc.state);

	if (state == 0) {
		state = tsc_usable() ? 1 : -1;
		STORE(tsc.state, state);
	}
	if (state < 0)
		return (long)(fg_mono_ns() / 1000u);
	t = ticks();
	seq = __atomic_load_n(&tsc.seq, __ATOMIC_ACQUIRE);
	t0 = LOAD(tsc.tsc);
	us = LOAD(tsc.us);
	mult = LOAD(tsc.mult);
	max = LOAD(tsc.max_ticks);
	state = LOAD(tsc.state);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((seq & 1) || seq != LOAD(tsc.seq))
		return (long)(fg_mono_ns() / 1000u);
	if (state != 2 || t < t0 || t - t0 > max)
		return anchor();
	/* t - t0 <= max_ticks: the product is at most 60 s in us << 32 */
	return (long)(us +
		      (uint64_t)(((unsigned __int128)(t - t0) * mult) >> 32));
}

uint64_t fg_real_ns(void)
{
	return ns(CLOCK_REALTIME);
}

uint64_t fg_thread_cpu_us(void)
{
	return ns(CLOCK_THREAD_CPUTIME_ID) / 1000u;
}
