/*
 * bench_pass - the fork path's own check, timed alone (run by make bench).
 *
 * fg_guard_pass() is what fork() runs before it tail-calls the real fork
 * when the check says ok: the overcommit fast path (fastpath.c: within its
 * window the size a check of an earlier fork kept, size.c, else one pread
 * of the kept statm) and the copy-on-write quick check (cow.c: RssAnon,
 * from the same statm, against the kept headroom).  Timed right after a
 * fork + _exit + waitpid (the caches and TLB as a forking program leaves
 * them), after the parent's handler (timed too: with nothing due, a
 * flag read), and again
 * at once (warm); right after a fork with no size kept (the check reads
 * statm); the same two after 0.1 s idle (a fork that comes once in a
 * while); the cow quick check alone, reading statm itself; a fork more
 * than a window after the one before (the base and the kept size older
 * than the window: they decide, at half and a quarter, as for a program
 * that forks now and then); then
 * the fast path's two syscalls done bare (the fstat and pread of statm),
 * for the floor, and cold, after 0.1 s idle, with the one it no longer
 * makes (getpid: fg_self) and those of a renewal (overcommit_memory's
 * fstat and pread), and its cgroup read cold, whole (fg_memcg_read) and
 * the usage alone (fg_memcg_renew: the limits kept).  Every timed check must
 * pass (a check that does not pass is not the fast path): otherwise the
 * bench says why it cannot time it and exits 1.  Then what
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

#include "cgroup.h"
#include "clock.h"
#include "config.h"
#include "cow.h"
#include "guard.h"
#include "identity.h"
#include "metrics.h"
#include "self.h"
#include "size.h"

#define N 4000
#define NSLOW 8	 /* forks more than a second apart: NSLOW seconds */
#define NIDLE 16 /* pairs of forks 0.1 s apart */

/* The bench is the only copy of the guard in its process (identity.c). */
bool fg_second_copy(void)
{
	return false;
}

/* right after a fork + _exit + waitpid: the caches as a forker has them */
static void fork_wait(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		perror("bench_pass: fork");
		exit(1);
	}
	waitpid(pid, NULL, 0);
}

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

#if defined(__x86_64__)
#include <x86intrin.h>

/* The clock read after 0.1 s idle, timed by the TSC (a clock read would
 * warm what it times): clock_gettime through the vDSO, and fg_now_us (the
 * TSC carried from an anchor: clock.c).  TSC ticks per ns measured over
 * 0.1 s first. */
static void clock_cold(void)
{
	double ticks_ns, vdso[NSLOW], now[NSLOW];
	struct timespec ts;
	uint64_t c0 = __rdtsc(), c1;
	double t0 = now_ns();

	usleep(100000);
	c1 = __rdtsc();
	ticks_ns = (double)(c1 - c0) / (now_ns() - t0);
	for (int i = 0; i < NSLOW; i++) {
		usleep(100000);
		c0 = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &ts);
		vdso[i] = (double)(__rdtsc() - c0) / ticks_ns;
		usleep(100000);
		c0 = __rdtsc();
		(void)fg_now_us();
		now[i] = (double)(__rdtsc() - c0) / ticks_ns;
	}
	printf("  the clock after 0.1 s idle, timed by the TSC, %d times:\n",
	       NSLOW);
	print("    clock_gettime(CLOCK_MONOTONIC) (vDSO)", vdso, NSLOW);
	print("    fg_now_us (the fork path's: the TSC)", now, NSLOW);
}
#else
static void clock_cold(void)
{
}
#endif

int main(void)
{
	static double cold[N], warm[N], cow[N], slow[NSLOW], sys[N];
	static double after[N], reads[N], idle_kept[NIDLE], idle_read[NIDLE];
	static double madd[N], mtick[N], mwrite[N];
	static double idle[5][NSLOW], walk[2][NSLOW];
	struct fg_memcg cg;
	unsigned limited = 0;
	int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	int mode = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
	const struct fg_config *cfg;
	unsigned passed = 0, cow_passed = 0, slow_passed = 0;
	char buf[128];
	struct stat st;

	/* metrics on (the first fg_config() reads it), every tick due */
	setenv("FORKGUARD_METRICS", "/tmp", 1);
	setenv("FORKGUARD_METRICS_INTERVAL", "0", 1);
	fg_metrics_init();
	cfg = fg_config();
	if (!cfg || cfg->mode == FG_MODE_OFF || cfg->cow == FG_COW_OFF ||
	    cfg->report == FG_REPORT_ALL) {
		fprintf(stderr, "bench_pass: the environment turns the fast path "
				"or its cow check off (FORKGUARD_MODE, "
				"FORKGUARD_COW, FORKGUARD_REPORT): unset them\n");
		return 1;
	}
	/* the pid from the wiped page, as the library has it (guard.c:
	 * fg_guard_init); without it every check made a getpid, 3 us cold */
	fg_self_init();
	for (int i = 0; i < N; i++) {
		double t0, t1, t2, t3;

		/* the size kept by a check before the fork, as in a program
		 * that forks more than once a window */
		passed += fg_guard_pass();
		fork_wait();
		t0 = now_ns();
		/* the parent's handler with nothing due (guard.c; without
		 * its metrics tick: timed below) */
		if (fg_after_take())
			fg_cow_after(cfg);
		t1 = now_ns();
		passed += fg_guard_pass();
		t2 = now_ns();
		passed += fg_guard_pass();
		t3 = now_ns();
		after[i] = t1 - t0;
		cold[i] = t2 - t1;
		warm[i] = t3 - t2;
		/* and with no size kept: the check reads statm */
		fork_wait();
		fg_size_forget();
		t0 = now_ns();
		passed += fg_guard_pass();
		reads[i] = now_ns() - t0;
	}
	/* after 0.1 s idle, as a fork that comes once in a while: going by
	 * the size a check kept, and reading statm */
	for (int i = 0; i < NIDLE; i++) {
		double t0;

		passed += fg_guard_pass();
		fork_wait();
		fg_cow_after(cfg);
		usleep(100000);
		t0 = now_ns();
		passed += fg_guard_pass();
		idle_kept[i] = now_ns() - t0;
		fork_wait();
		fg_cow_after(cfg);
		fg_size_forget();
		usleep(100000);
		t0 = now_ns();
		passed += fg_guard_pass();
		idle_read[i] = now_ns() - t0;
	}
	for (int i = 0; i < N; i++) {
		double t0;

		fork_wait();
		t0 = now_ns();
		cow_passed += fg_cow_quick(cfg, FG_ANON_UNREAD, 0);
		cow[i] = now_ns() - t0;
	}
	for (int i = 0; i < NSLOW; i++) {
		double t0;

		usleep(1100000); /* the kept mode is older than the window */
		fork_wait();
		t0 = now_ns();
		slow_passed += fg_guard_pass();
		slow[i] = now_ns() - t0;
	}
	for (int i = 0; i < N; i++) {
		double t0 = now_ns();

		/* the overcommit fast path within its window: statm,
		 * whose RssAnon the cow quick check takes */
		fstat(statm, &st);
		pread(statm, buf, 128, 0);
		sys[i] = now_ns() - t0;
	}
	/* the same syscalls after 0.1 s idle, each alone: what a fork that
	 * comes once in a while pays for each read on its path */
	for (int i = 0; i < NSLOW; i++) {
		double t[6];

		usleep(100000);
		t[0] = now_ns();
		getpid();
		t[1] = now_ns();
		fstat(statm, &st);
		t[2] = now_ns();
		pread(statm, buf, 128, 0);
		t[3] = now_ns();
		fstat(mode, &st);
		t[4] = now_ns();
		pread(mode, buf, 32, 0);
		t[5] = now_ns();
		for (int k = 0; k < 5; k++)
			idle[k][i] = t[k + 1] - t[k];
	}
	/* a renewal's cgroup read, cold: the whole walk, and the usage
	 * alone (cow.c keeps the limits for a minute) */
	for (int i = 0; i < NSLOW; i++) {
		double t0;

		usleep(100000);
		t0 = now_ns();
		fg_memcg_read(cfg->procfs, cfg->sysfs, 0, &cg);
		walk[0][i] = now_ns() - t0;
		usleep(100000);
		t0 = now_ns();
		fg_memcg_renew(cfg->sysfs, &cg);
		walk[1][i] = now_ns() - t0;
	}
	for (unsigned l = 0; l < cg.nlvl; l++)
		limited += cg.lvl[l].max_kb != FG_COW_NONE ||
			   cg.lvl[l].high_kb != FG_COW_NONE;
	for (int i = 0; i < N; i++) {
		double t0, t1, t2, t3;
		uint64_t c;

		fork_wait();
		t0 = now_ns();
		c = fg_metrics_clock();
		fg_metrics_attempt("fork", FG_OK, fg_metrics_clock() - c);
		t1 = now_ns();
		c = fg_metrics_clock();
		t2 = now_ns();
		if (fg_metrics_tick())
			fg_metrics_write(NULL);
		t3 = now_ns();
		madd[i] = t1 - t0;
		mtick[i] = t2 - t1;
		mwrite[i] = t3 - t2;
	}
	printf("the fork path's check as a quiet fork runs it (fg_guard_pass: "
	       "overcommit fast path + cow quick check), %d times; it passed "
	       "%u of %d\n",
	       N, passed, 4 * N + 3 * NIDLE);
	if (passed != 4 * N + 3 * NIDLE || cow_passed != N || slow_passed != NSLOW) {
		printf("bench_pass: the check did not pass every time (cow quick "
		       "check alone: %u of %d; a second apart: %u of %d): these "
		       "would not be the fast path's figures.  Is the process "
		       "near a memory limit (forkguard explain: cow)?\n",
		       cow_passed, N, slow_passed, NSLOW);
		return 1;
	}
	print("  right after a fork (the size kept, no syscall)", cold, N);
	print("  at once again (warm)", warm, N);
	print("  right after a fork, reading statm (none kept)", reads, N);
	print("  the parent's handler after a fork, nothing due", after, N);
	printf("  after 0.1 s idle, %d times:\n", NIDLE);
	print("    the size kept, no syscall", idle_kept, NIDLE);
	print("    reading statm (none kept)", idle_read, NIDLE);
	print("  the cow quick check alone (its own statm), after a fork", cow,
	      N);
	printf("  %d forks more than a window apart (the base and the kept "
	       "size older than the window):\n",
	       NSLOW);
	print("    right after a fork", slow, NSLOW);
	print("  its two syscalls alone, statm's fstat and pread (warm)", sys,
	      N);
	printf("  each syscall alone after 0.1 s idle (cold), %d times:\n",
	       NSLOW);
	print("    fstat of the kept statm fd (every fork)", idle[1], NSLOW);
	print("    pread of statm (every fork)", idle[2], NSLOW);
	print("    getpid (spared: fg_self)", idle[0], NSLOW);
	print("    fstat of the kept overcommit_memory fd (renewal)", idle[3],
	      NSLOW);
	print("    pread of overcommit_memory (renewal)", idle[4], NSLOW);
	printf("  a renewal's cgroup read after 0.1 s idle, %d times (cgroup "
	       "v%d, %u levels, %u of them limited):\n",
	       NSLOW, cg.version, cg.nlvl, limited);
	print("    the whole walk (the limits, the usage)", walk[0], NSLOW);
	print("    the usage alone (the limits kept)", walk[1], NSLOW);
	clock_cold();
	printf("FORKGUARD_METRICS, right after a fork, %d times\n", N);
	print("  before it: clock reads and counter adds", madd, N);
	print("  after it: a tick not due (a clock read)", mtick, N);
	print("  once per interval: the file written (tick due)", mwrite, N);
	return 0;
}
