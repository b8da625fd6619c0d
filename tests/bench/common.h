/*
 * common.h - what the fork benchmarks share (bench.c, occasional.c): a
 * monotonic clock, medians and ranges, whole reads on a pipe, one CPU.
 */
#ifndef FG_BENCH_COMMON_H
#define FG_BENCH_COMMON_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_VALUES 10000

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n values (n <= BENCH_MAX_VALUES; sorts a copy). */
static inline double median(const double *v, int n)
{
	double c[BENCH_MAX_VALUES];

	if (n <= 0)
		return 0;
	memcpy(c, v, sizeof(*v) * (size_t)n);
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

/* The value that a fraction @q (0-1) of the @n values is at or below
 * (nearest rank; n <= BENCH_MAX_VALUES; sorts a copy). */
static inline double quantile(const double *v, int n, double q)
{
	double c[BENCH_MAX_VALUES];
	int k;

	if (n <= 0)
		return 0;
	memcpy(c, v, sizeof(*v) * (size_t)n);
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	k = (int)(q * n + 0.999999) - 1;
	return c[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static inline void range(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

static inline bool full_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len) == (ssize_t)len;
}

/* Pin the calling process (and the workers it starts) to @cpu; -1: not. */
static inline int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * This program's path into @self, the guard (../libforkguard.so) into
 * @lib and the empty library beside it into @empty (each @len bytes);
 * then pin to @cpu (-1: not), and say so on stderr if it cannot.  -1: no
 * path; else the CPU pinned to, or -1.
 */
static inline int bench_setup(char *self, char *lib, char *empty, size_t len,
			      int cpu)
{
	ssize_t n = readlink("/proc/self/exe", self, len - 1);
	int dir;

	if (n <= 0)
		return -2;
	self[n] = '\0';
	dir = (int)(strrchr(self, '/') - self);
	snprintf(lib, len, "%.*s/../libforkguard.so", dir, self);
	snprintf(empty, len, "%.*s/libfg_empty.so", dir, self);
	if (pin_cpu(cpu)) {
		perror("bench: sched_setaffinity");
		return -1;
	}
	return cpu;
}

#endif /* FG_BENCH_COMMON_H */
