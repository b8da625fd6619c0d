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

static long mono_us(void)
{
	return (long)(fg_mono_ns() / 1000u);
}

/*
 * fg_now_us on x86-64: CLOCK_MONOTONIC carried forward by the TSC.  The
 * first read of the vDSO's clock after an idle spell costs about 2.5 us
 * in a VM (its data page found cold: bench_pass), a third of the fork
 * path's check on a fork that comes once in a while; the TSC is read
 * without touching memory.
 * - An anchor: a clock read between two TSC reads at most GAP_MAX ticks
 *   apart (a read the thread was preempted in, or a signal handler ran
 *   in, anchors nothing), the TSC taken at their middle.
 * - The rate: measured between two anchors at least CAL_MIN_US apart, and
 *   carried for at most CARRY times the span it was measured over, and
 *   never past ANCHOR_MAX_US: the first over 20 ms is used for 1.28 s,
 *   the next over that span for a minute.  Then the clock is read, anchors
 *   again, and the rate is measured again over the whole span; a rate that
 *   moved by more than 1/256 (a TSC the kernel no longer trusts, a jump, a
 *   host of another frequency) turns the TSC off for good.  With the
 *   anchor's TSC within GAP_MAX of the clock's, the first rate is off by
 *   at most about 2e-3 (1 us of truncation and 2.5 us of gap over 20 ms),
 *   3 ms over its 1.28 s; the next ones by microseconds.  At an anchor the
 *   time steps back or forward by what the rate was off.
 * - A TSC behind its anchor (reset, another machine) reads the clock and
 *   measures the rate again.  A jump forward of less than the carry is
 *   followed until the next anchor, which then drops the TSC.
 * - Readers copy the anchor under a sequence count and read the clock
 *   while a writer is at it; a writer takes the count odd by CAS, and
 *   writes only when an anchor is due.
 * Without a TSC whose rate is invariant (CPUID 0x80000007 EDX bit 8), and
 * elsewhere than x86-64: the clock at every call.
 */
#define CAL_MIN_US    20000L
#define ANCHOR_MAX_US 60000000L
#define CARRY	      64u
#define GAP_MAX	      20000u /* ticks: 20 us at 1 GHz, 4 us at 5 GHz */
#define RESETS_MAX    8	     /* a TSC that keeps going back: off */

static uint64_t (*ticks_fn)(void); /* tests: fg_clock_set_ticks */

static struct {
	unsigned seq;	    /* odd: a writer is at it */
	int state;	    /* 0 not tried, 1 measuring, 2 on, -1 off */
	unsigned resets;    /* anchors taken over a TSC that went back */
	uint64_t tsc, us;   /* the anchor (tsc 0: none yet) */
	uint64_t mult;	    /* us per tick << 32 (state 2) */
	uint64_t max_ticks; /* how far the rate is carried (state 2) */
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

/* A rate measured over @span ticks and @dus us, against the one before. */
static void rated(uint64_t span, uint64_t dus)
{
	uint64_t mult = (dus << 32) / span, old = LOAD(tsc.mult), max;

	if (!mult || (LOAD(tsc.state) == 2 &&
		      (mult > old + (old >> 8) || mult < old - (old >> 8)))) {
		STORE(tsc.state, -1);
		return;
	}
	max = ((uint64_t)ANCHOR_MAX_US << 32) / mult;
	STORE(tsc.mult, mult);
	STORE(tsc.max_ticks, span < max / CARRY ? span * CARRY : max);
	STORE(tsc.state, 2);
}

/* The clock read; the anchor again when none is kept, the TSC went back,
 * or the span since the last is long enough to measure the rate over. */
static long anchor(void)
{
	uint64_t t = ticks(), us = (uint64_t)mono_us(), t1 = ticks(), dus;
	unsigned seq = LOAD(tsc.seq);
	bool back;

	if (t1 < t || t1 - t > GAP_MAX)
		return (long)us; /* the reads were far apart: no anchor */
	t += (t1 - t) / 2;
	back = t <= LOAD(tsc.tsc) || us < LOAD(tsc.us);
	dus = us - LOAD(tsc.us);
	if (LOAD(tsc.tsc) && !back && dus < (uint64_t)CAL_MIN_US)
		return (long)us; /* too soon to measure: nothing written */
	if ((seq & 1) ||
	    !__atomic_compare_exchange_n(&tsc.seq, &seq, seq + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return (long)us; /* another thread is at it */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (!LOAD(tsc.tsc) || back) {
		/* the first, or the TSC went back: measured again */
		if (LOAD(tsc.tsc) && ++tsc.resets > RESETS_MAX)
			STORE(tsc.state, -1);
		else if (LOAD(tsc.state) == 2)
			STORE(tsc.state, 1);
	} else if (!(dus >> 31)) { /* over half an hour: too long */
		rated(t - LOAD(tsc.tsc), dus);
	}
	STORE(tsc.tsc, t);
	STORE(tsc.us, us);
	__atomic_store_n(&tsc.seq, seq + 2, __ATOMIC_RELEASE);
	return (long)us;
}

long fg_now_us(void)
{
	uint64_t t, t0, us, mult, max;
	unsigned seq;
	int state = LOAD(tsc.state), none = 0;

	if (state == 0) {
		state = tsc_usable() ? 1 : -1;
		if (!__atomic_compare_exchange_n(&tsc.state, &none, state,
						 false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			state = none;
	}
	if (state < 0)
		return mono_us();
	t = ticks();
	seq = __atomic_load_n(&tsc.seq, __ATOMIC_ACQUIRE);
	t0 = LOAD(tsc.tsc);
	us = LOAD(tsc.us);
	mult = LOAD(tsc.mult);
	max = LOAD(tsc.max_ticks);
	state = LOAD(tsc.state);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((seq & 1) || seq != LOAD(tsc.seq))
		return mono_us();
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
