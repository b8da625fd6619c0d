/*
 * bench_pass - the fork path's own check, timed alone (run by make bench).
 *
 * fg_guard_pass() is what fork() runs before it tail-calls the real fork
 * when the check says ok.  Timed right after a fork + _exit + waitpid (the
 * caches and TLB as a forking program leaves them) and again at once
 * (warm); then the same five syscalls done bare, for the floor.  Then what
 * FORKGUARD_METRICS adds (metrics.h): before a fork, two clock reads
 * around the check and the counters' adds; after it, a tick that is not
 * due (a clock read and a compare); once per interval, the file's write.
 * No assertions: this prints figures; README quotes them.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "metrics.h"

#define N 4000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-52s median %6.2f us, p90 %6.2f us\n", what, t[n / 2] / 1e3,
	       t[n * 9 / 10] / 1e3);
}

int main(void)
{
	static double cold[N], warm[N], sys[N], madd[N], mtick[N], mwrite[N];
	int mode = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
	int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	unsigned passed = 0;
	char buf[128];
	struct stat st;

	/* metrics on (the first fg_config() reads it), every tick due */
	setenv("FORKGUARD_METRICS", "/tmp", 1);
	setenv("FORKGUARD_METRICS_INTERVAL", "0", 1);
	fg_metrics_init();
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();
		double t0, t1, t2;

		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			perror("bench_pass: fork");
			return 1;
		}
		waitpid(pid, NULL, 0);
		t0 = now_ns();
		passed += fg_guard_pass();
		t1 = now_ns();
		passed += fg_guard_pass();
		t2 = now_ns();
		cold[i] = t1 - t0;
		warm[i] = t2 - t1;
	}
	for (int i = 0; i < N; i++) {
		double t0 = now_ns();

		getpid();
		fstat(mode, &st);
		pread(mode, buf, 32, 0);
		fstat(statm, &st);
		pread(statm, buf, 128, 0);
		sys[i] = now_ns() - t0;
	}
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();
		double t0, t1, t2, t3;
		uint64_t c;

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		t0 = now_ns();
		c = fg_metrics_clock();
		fg_metrics_attempt("fork", FG_OK, fg_metrics_clock() - c);
		t1 = now_ns();
		c = fg_metrics_clock();
		t2 = now_ns();
		fg_metrics_tick();
		t3 = now_ns();
		madd[i] = t1 - t0;
		mtick[i] = t2 - t1;
		mwrite[i] = t3 - t2;
	}
	printf("the fork path's check (fg_guard_pass), %d times; it passed "
	       "%u of %d\n",
	       N, passed, 2 * N);
	print("  right after a fork", cold, N);
	print("  at once again (warm)", warm, N);
	print("  its five syscalls alone (warm)", sys, N);
	printf("FORKGUARD_METRICS, right after a fork, %d times\n", N);
	print("  before it: clock reads and counter adds", madd, N);
	print("  after it: a tick not due (a clock read)", mtick, N);
	print("  once per interval: the file written (tick due)", mwrite, N);
	return 0;
}
