/*
 * stages.c - the stages of a quiet fork, timed (stages.h).  Compiled empty
 * unless FG_STAGES: only `make bench-stages` builds it in.
 *
 * Stamps, by the TSC (x86-64; elsewhere CLOCK_MONOTONIC in ns):
 *   0 fork() entered                          (the wrapper)
 *   1 the check passed, the real fork next    (the wrapper)
 *   2 the prepare handlers done, _Fork next   (ours, registered first)
 *   3 _Fork returned in the parent            (ours, registered first)
 *   4 the parent handlers done                (ours, registered last)
 * and per quiet fork the spans 0-1 (the check), 1-2 (libc's fork and the
 * prepare handlers), 2-3 (the kernel's fork), 3-4 (the parent handlers).
 * A fork that goes the whole way has no stamp 1 and records nothing.  Linked
 * into an empty library (make bench-stages: tests/bench/empty.c, this file
 * and self.c), with no wrapper to stamp, it records the span 2-3 alone:
 * the kernel's fork of a process without the guard, to set beside it.
 */
#include "stages.h"

#ifdef FG_STAGES
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "self.h"

#define MAX_FORKS 256
#define SPANS	  4

static const char *const span_name[SPANS] = { "check", "libc+prepare",
					      "kernel fork",
					      "parent handlers" };

struct stages {
	uint64_t at[4];
	unsigned entries, n;
	uint32_t span[MAX_FORKS][SPANS];
};

static struct stages *page; /* wiped in every child */
static uint64_t tsc0, ns0;
static bool last_registered;
static bool wrapper; /* fork's wrapper stamps: the guard, not the empty one */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t stamp(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	return mono_ns();
#endif
}

static void stage_before(void)
{
	if (page)
		page->at[2] = stamp();
}

static void stage_after(void)
{
	struct stages *p = page;

	if (!p)
		return;
	p->at[3] = stamp();
	/* the empty library of make bench-stages: the kernel's fork alone */
	if (!wrapper && p->at[2] && p->n < MAX_FORKS) {
		memset(p->span[p->n], 0, sizeof(p->span[0]));
		p->span[p->n++][2] = (uint32_t)(p->at[3] - p->at[2]);
		memset(p->at, 0, sizeof(p->at));
	}
}

static void stage_done(void)
{
	uint64_t end = stamp();
	struct stages *p = page;
	bool all = true;

	if (!p)
		return;
	for (int k = 0; k < 4; k++)
		all = all && p->at[k];
	if (all && p->n < MAX_FORKS) {
		for (int k = 0; k < SPANS; k++)
			p->span[p->n][k] =
			    (uint32_t)((k + 1 < 4 ? p->at[k + 1] : end) -
				       p->at[k]);
		p->n++;
	}
	memset(p->at, 0, sizeof(p->at));
}

/* before the guard's constructor: its handlers run inside ours */
__attribute__((constructor(101))) static void stages_init(void)
{
	page = fg_wipe_map(sizeof(*page));
	tsc0 = stamp();
	ns0 = mono_ns();
	pthread_atfork(stage_before, stage_after, NULL);
}

void fg_stage(enum fg_stage s)
{
	if (!page)
		return;
	if (!wrapper)
		wrapper = true;
	if (s == FG_STAGE_PASSED) {
		page->at[1] = stamp();
		return;
	}
	/* the guard's late set came in at the first fork: ours after it */
	if (page->entries++ == 1 && !last_registered) {
		last_registered = true;
		pthread_atfork(NULL, stage_done, NULL);
	}
	page->at[0] = stamp();
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

__attribute__((destructor)) static void stages_print(void)
{
	struct stages *p = page;
	double per_us = (double)(stamp() - tsc0) / (double)(mono_ns() - ns0) *
			1000.0;
	uint32_t col[MAX_FORKS];
	unsigned n = p ? p->n : 0;
	const char *mode;

	if (n < 3 || per_us <= 0)
		return;
	mode = getenv("FORKGUARD_MODE");
	fprintf(stderr,
		"forkguard stages: pid %d%s%s, %u quiet forks, median (p90):",
		(int)getpid(),
		!wrapper ? ", the empty library"
		: mode	 ? ", FORKGUARD_MODE="
			 : "",
		wrapper && mode ? mode : "", n);
	for (int k = wrapper ? 0 : 2, first = k; k < (wrapper ? SPANS : 3);
	     k++) {
		for (unsigned i = 0; i < n; i++)
			col[i] = p->span[i][k];
		qsort(col, n, sizeof(col[0]), cmp_u32);
		fprintf(stderr, "%s %s %.2f (p90 %.2f) us",
			k > first ? "," : "", span_name[k], col[n / 2] / per_us,
			col[n * 9 / 10] / per_us);
	}
	fputc('\n', stderr);
}
#else
typedef int fg_stages_off; /* a translation unit is not empty */
#endif
