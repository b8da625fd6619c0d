/*
 * occasional - what the guard costs a fork that comes once in a while.
 *
 * Services fork seldom (Redis saves every few seconds or minutes): every
 * cache of the guard is then older than it is in a loop of forks.  Each
 * round starts fresh workers, one per variant: no preload, an empty
 * library preloaded, the guard, the guard under FORKGUARD_MODE=off.  A
 * worker builds its memory (none, or 1 GiB touched, MADV_NOHUGEPAGE so
 * that where the loader put the mapping cannot hand one variant huge
 * pages and not another), forks once untimed (a process's first fork opens
 * what the guard keeps), then waits.  The driver asks the workers in turn,
 * in an order fixed for the round (it rotates from round to round), for
 * one fork each, sleeping gap / variants before every request: each worker
 * forks exactly @gap apart, and each fork comes after the same idle time.
 * (An order rotating from cycle to cycle would move each worker one slot a
 * cycle: forks 3/4 of the gap apart, and 7/4 once in four.)  A fork is
 * timed alone in its worker: fork + _exit + waitpid.  Per round, the
 * median over the cycles of each cycle's ratio; printed: the median over
 * rounds and their range, the p90 and slowest fork of each variant over
 * all rounds (the guard's renewals are there), the minor faults the worker
 * took within the fork call (getrusage), per fork, and how far apart a
 * worker's forks came.
 * Run it pinned (-c CPU, default 1): on a shared machine the other CPU's
 * load then reaches the ratios only through the caches.
 *
 * usage: occasional [-r rounds] [-n forks] [-c cpu] [-w size@gap[:rounds],...]
 *        occasional serve SIZE          (internal)
 * SIZE: tiny or rss1g; :rounds overrides -r for that workload (the forks
 * 0.1 s apart are cheap and move most from round to round).  No assertions: this prints figures; README quotes
 * them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "common.h"

#define GiB	   (1UL << 30)
#define MAX_ROUNDS 50
#define MAX_FORKS  200

enum variant { BARE, EMPTY, GUARD, OFF, NVARIANTS };
static const char *const vname[NVARIANTS] = { "bare", "empty", "guard", "off" };

/* a target: guard / empty at a gap (0: no target) */
static double target(const char *size, double gap)
{
	if (!strcmp(size, "tiny"))
		return gap < 0.5 ? 1.05 : gap < 2 ? 1.10 : 0;
	return gap > 1 && gap < 2 ? 1.01 : 0;
}

static long minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_minflt;
}

static int serve(const char *size)
{
	double reply = 0;
	int k;

	if (!strcmp(size, "rss1g")) {
		char *p = mmap(NULL, GiB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || madvise(p, GiB, MADV_NOHUGEPAGE))
			reply = -1;
		for (size_t i = 0; reply == 0 && i < GiB; i += 4096)
			p[i] = 1;
	}
	while (reply == 0 && full_read(0, &k, sizeof(k))) {
		long f0 = minflt();
		double t0 = now_us(), out[2];
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		/* the parent's faults in the fork call: each page the fork
		 * path writes that the last fork write-protected is one */
		out[1] = (double)(minflt() - f0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
			perror("occasional: fork");
			reply = -1;
			break;
		}
		out[0] = now_us() - t0;
		if (write(1, out, sizeof(out)) != sizeof(out))
			return 2;
	}
	if (reply < 0) {
		double out[2] = { -1, 0 };

		(void)!write(1, out, sizeof(out));
	}
	return reply < 0 ? 1 : 0;
}

struct worker {
	pid_t pid;
	int to, from;
};

static int start(struct worker *w, const char *self, const char *preload,
		 bool off, const char *size)
{
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	w->pid = fork();
	if (w->pid < 0)
		return -1;
	if (w->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		else
			unsetenv("LD_PRELOAD");
		if (off)
			setenv("FORKGUARD_MODE", "off", 1);
		execl(self, self, "serve", size, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->to = in[1];
	w->from = out[0];
	return 0;
}

/* One fork in @w: its time, us (-1 on failure), and the worker's page
 * faults in the fork call into @faults. */
static double ask(struct worker *w, double *faults)
{
	int k = 1;
	double in[2];

	if (write(w->to, &k, sizeof(k)) != sizeof(k) ||
	    !full_read(w->from, in, sizeof(in)))
		return -1;
	*faults = in[1];
	return in[0];
}

static void stop(struct worker *w)
{
	close(w->to);
	close(w->from);
	waitpid(w->pid, NULL, 0);
}

static void pause_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* per round, what one workload measured */
struct figures {
	double t[NVARIANTS][MAX_ROUNDS * MAX_FORKS];
	double faults[NVARIANTS];  /* summed over the timed forks */
	double apart_lo, apart_hi; /* s between two forks of one worker */
	double ge[MAX_ROUNDS], gb[MAX_ROUNDS], oe[MAX_ROUNDS];
	int nt;
};

/* the time between this fork of worker @v and its last: what the gap
 * turned out to be (printed: a driver that drifts shows) */
static void apart(struct figures *f, double *last, int v, int i)
{
	double t = now_us() / 1e6;

	if (i) {
		if (!f->apart_hi || t - last[v] < f->apart_lo)
			f->apart_lo = t - last[v];
		if (t - last[v] > f->apart_hi)
			f->apart_hi = t - last[v];
	}
	last[v] = t;
}

static int round_of(const char *self, const char *lib, const char *empty,
		    const char *size, double gap, int nv, int nforks, int r,
		    struct figures *f)
{
	const char *preload[NVARIANTS] = { NULL, empty, lib, lib };
	struct worker wk[NVARIANTS];
	double t[NVARIANTS][MAX_FORKS], ge[MAX_FORKS], gb[MAX_FORKS],
	    oe[MAX_FORKS], last[NVARIANTS];
	int rc = 0, started = 0;
	double faults;

	for (int i = 0; i < nv && !rc; i++, started++) {
		int v = (i + r) % nv;

		rc = start(&wk[v], self, preload[v], v == OFF, size);
	}
	for (int v = 0; v < nv && !rc; v++) /* the first fork, untimed */
		rc = ask(&wk[v], &faults) < 0;
	for (int i = 0; i < nforks && !rc; i++) {
		for (int j = 0; j < nv && !rc; j++) {
			int v = (j + r) % nv;

			pause_s(gap / nv);
			apart(f, last, v, i);
			t[v][i] = ask(&wk[v], &faults);
			rc = t[v][i] < 0;
			f->faults[v] += faults;
		}
		if (rc)
			break;
		ge[i] = t[GUARD][i] / t[EMPTY][i];
		gb[i] = t[GUARD][i] / t[BARE][i];
		oe[i] = nv > OFF ? t[OFF][i] / t[EMPTY][i] : 0;
		for (int v = 0; v < nv; v++)
			f->t[v][f->nt] = t[v][i];
		f->nt++;
	}
	if (!rc) {
		f->ge[r] = median(ge, nforks);
		f->gb[r] = median(gb, nforks);
		f->oe[r] = median(oe, nforks);
	}
	for (int i = 0; i < started; i++)
		stop(&wk[(i + r) % nv]);
	return rc;
}

static void ratio(const char *what, const double *v, int n)
{
	double lo, hi;

	range(v, n, &lo, &hi);
	printf("  %s %.3f (%.3f-%.3f)", what, median(v, n), lo, hi);
}

int main(int argc, char **argv)
{
	static struct figures f;
	const char *list = "tiny@0.1:16,tiny@1.1,tiny@5,rss1g@1.1";
	char self[1024], lib[1024], empty[1024], spec[64];
	int rounds = 3, nforks = 9, cpu = 1, opt;
	struct utsname u;

	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	while ((opt = getopt(argc, argv, "r:n:c:w:")) != -1) {
		switch (opt) {
		case 'r': rounds = atoi(optarg); break;
		case 'n': nforks = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'w': list = optarg; break;
		default: return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || nforks < 1 ||
	    nforks > MAX_FORKS) {
		fprintf(stderr, "occasional: -r 1-%d, -n 1-%d\n", MAX_ROUNDS,
			MAX_FORKS);
		return 2;
	}
	cpu = bench_setup(self, lib, empty, sizeof(self), cpu);
	if (cpu < -1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	uname(&u);
	printf("forkguard occasional forks: kernel %s, %s%d, %d rounds x %d "
	       "forks per variant,\neach fork timed alone (fork+_exit+waitpid, "
	       "us); ratios: median over rounds of the\nmedian per-cycle "
	       "ratio (range: lowest-highest round)\n",
	       u.release, cpu < 0 ? "not pinned" : "pinned to CPU ",
	       cpu < 0 ? 0 : cpu, rounds, nforks);
	for (const char *p = list; p;
	     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		size_t len = strcspn(p, ",");
		char *at, *colon;
		double gap;
		int nv, wr = rounds;

		snprintf(spec, sizeof(spec), "%.*s", (int)len, p);
		at = strchr(spec, '@');
		if (at)
			*at = '\0';
		if (!at || (strcmp(spec, "tiny") && strcmp(spec, "rss1g"))) {
			fprintf(stderr, "occasional: bad workload %s\n", p);
			return 2;
		}
		gap = atof(at + 1);
		colon = strchr(at + 1, ':');
		if (colon)
			wr = atoi(colon + 1);
		if (gap <= 0 || wr < 1 || wr > MAX_ROUNDS) {
			fprintf(stderr, "occasional: bad workload %s (gap > 0, "
				"rounds 1-%d)\n", p, MAX_ROUNDS);
			return 2;
		}
		nv = strcmp(spec, "tiny") ? OFF : NVARIANTS;
		f.nt = 0;
		memset(f.faults, 0, sizeof(f.faults));
		f.apart_lo = f.apart_hi = 0;
		for (int r = 0; r < wr; r++)
			if (round_of(self, lib, empty, spec, gap, nv, nforks, r,
				     &f)) {
				printf("%s@%g failed to run\n", spec, gap);
				return 1;
			}
		printf("%-6s %4.1f s apart", spec, gap);
		if (wr != rounds)
			printf(" (%d rounds)", wr);
		putchar(':');
		for (int v = 0; v < nv; v++)
			printf(" %s %.0f", vname[v], median(f.t[v], f.nt));
		printf(" us\n");
		ratio("guard/empty", f.ge, wr);
		if (target(spec, gap) > 0)
			printf(" [target %.2f]", target(spec, gap));
		ratio(" guard/bare", f.gb, wr);
		if (nv > OFF)
			ratio(" off/empty", f.oe, wr);
		/* the slow tail: a guard's fork that renews after it (the
		 * base, the cgroup walk) is one of these */
		printf("\n  p90 / slowest fork:");
		for (int v = 0; v < nv; v++)
			printf(" %s %.0f / %.0f", vname[v],
			       quantile(f.t[v], f.nt, 0.9),
			       quantile(f.t[v], f.nt, 1));
		printf(
		    " us\n  the parent's page faults in the fork call, per fork:");
		for (int v = 0; v < nv; v++)
			printf(" %s %.2f", vname[v], f.faults[v] / f.nt);
		printf("\n  a worker's forks were %.3f-%.3f s apart\n",
		       f.apart_lo, f.apart_hi);
		fflush(stdout);
	}
	return 0;
}
