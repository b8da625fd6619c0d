/*
 * bench - what the guard costs a fork, as ratios measured in one run.
 *
 * Each round starts one worker process per variant: without a preload,
 * with LD_PRELOAD=libforkguard.so (plus any FORKGUARD_* variables of the
 * caller), and, for the small workloads, with an empty library preloaded
 * (what any LD_PRELOAD costs a fork, more VMAs to copy and tear down, is
 * then told apart from the guard's own work).  A worker builds the
 * workload's memory layout, then serves batches: the driver asks each
 * worker in turn (the order rotating) for K timed fork + _exit + waitpid
 * and gets the batch's median back.  Adjacent batches of the variants run
 * within milliseconds of each other, so the machine's drift cancels in
 * their ratio; fresh workers every round average over address-space
 * layouts (ASLR moves the fork's cost by several per cent from one process
 * to the next).  Per round: the median of the per-batch ratios; printed:
 * the median over rounds and their range.
 *
 * usage: bench [-r rounds] [-c cpu] [-w workload,...]   (make bench: -c 1)
 *        bench serve WORKLOAD                  (internal)
 * No assertions: this prints figures; README quotes them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define GiB (1UL << 30)
#define MAX_ROUNDS 100
#define MAX_BATCHES 64

struct workload {
	const char *name;
	int per_batch, batches; /* forks per batch, batches per round */
	double target;		/* guarded / unguarded */
	const char *guard_env;	/* extra env for the guarded run */
	const char *what;
	bool floor;		/* also run it with an empty library preloaded */
};

static const struct workload loads[] = {
	{ "tiny", 10, 40, 1.05, NULL, "fork+_exit+wait of a small process",
	  true },
	{ "rss1g", 2, 8, 1.01, NULL, "1 GiB of touched private memory", false },
	{ "vmas60k", 1, 10, 1.10, NULL, "60 000 VMAs, little RSS", false },
	{ "maps60k", 1, 8, 0, NULL,
	  "maps path: 2 x 16 GiB NORESERVE + 60 000 VMAs", false },
	{ "exact1g", 1, 10, 1.50, NULL,
	  "smaps path: 32 GiB NORESERVE + 1 GiB touched", false },
	{ "exact60k", 1, 6, 1.50, NULL,
	  "smaps path: 32 GiB NORESERVE + 60 000 VMAs", false },
	{ "off", 10, 40, 1.01, "FORKGUARD_MODE=off", "tiny, FORKGUARD_MODE=off",
	  true },
	/* counters on every fork, the file at the first one (15 s interval) */
	{ "metrics", 10, 40, 1.05, "FORKGUARD_METRICS=/tmp",
	  "tiny, FORKGUARD_METRICS=/tmp", true },
};

/* How a worker runs: without a preload, with the guard, with an empty one. */
enum variant { BARE, GUARD, EMPTY, NVARIANTS };

/* --- the worker --- */

static void touch(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

static int many_vmas(int n)
{
	/* n one-page mappings with holes between them: they never merge */
	char *base = mmap(NULL, (size_t)n * 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED)
		return -1;
	for (int i = 0; i < n; i++)
		if (munmap(base + ((size_t)i * 2 + 1) * 4096, 4096))
			return -1;
	return 0;
}

static int setup(const char *name)
{
	char *p;

	if (!strncmp(name, "exact", 5)) {
		p = mmap(NULL, 32 * GiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		p[0] = 1;
	}
	if (!strncmp(name, "maps", 4)) {
		/* over RAM + swap in total, no VMA over it alone: the maps walk
		 * decides; a hole keeps the two halves apart */
		p = mmap(NULL, 32 * GiB + 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED || munmap(p + 16 * GiB, 4096))
			return -1;
	}
	if (strstr(name, "1g")) {
		/* no huge pages: where the mapping lands (what is preloaded
		 * moves it) would decide which variant gets them */
		p = mmap(NULL, GiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || madvise(p, GiB, MADV_NOHUGEPAGE))
			return -1;
		touch(p, GiB);
	}
	if (strstr(name, "60k") && many_vmas(60000))
		return -1;
	return 0;
}

/* out[0] VmRSS, out[1] RssAnon of this process, kB (libmem.c: the
 * library's own mappings) */
static void rss_kb(double out[3])
{
	char line[512];
	long kb;
	FILE *f = fopen("/proc/self/status", "r");

	out[0] = out[1] = -1;
	out[2] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			out[0] = (double)kb;
		if (sscanf(line, "RssAnon: %ld", &kb) == 1)
			out[1] = (double)kb;
	}
	if (f)
		fclose(f);
}

/*
 * Serve the driver on stdin/stdout: an int K > 0 asks for K timed forks
 * (answer: their median, us), K < 0 for -K forks through libc's own fork,
 * past any preloaded one; K == 0 for rss_kb().  EOF: exit.  A reply of -1
 * reports a failure.
 */
static int serve(const char *name)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	pid_t (*libc_fork)(void) = libc ? (pid_t(*)(void))dlsym(libc, "fork")
				      : NULL;
	double t[1000], reply[3];
	int k;

	if (setup(name)) {
		perror("bench: setup");
		reply[0] = reply[1] = reply[2] = -1;
		write(1, reply, sizeof(reply));
		return 2;
	}
	reply[0] = reply[1] = reply[2] = 0;
	(void)!write(1, reply, sizeof(reply)); /* ready */
	while (full_read(0, &k, sizeof(k))) {
		if (k == 0) {
			rss_kb(reply);
		} else {
			pid_t (*fn)(void) = k < 0 ? libc_fork : fork;

			k = k < 0 ? -k : k;
			if (k > 1000)
				k = 1000;
			reply[0] = fn ? 0 : -1;
			for (int i = 0; i < k && reply[0] == 0; i++) {
				double t0 = now_us();
				pid_t pid = fn();

				if (pid == 0)
					_exit(0);
				if (pid < 0) {
					perror("bench: fork");
					reply[0] = -1;
					break;
				}
				waitpid(pid, NULL, 0);
				t[i] = now_us() - t0;
			}
			if (reply[0] == 0)
				reply[0] = median(t, k);
		}
		if (write(1, reply, sizeof(reply)) != sizeof(reply))
			return 2;
	}
	return 0;
}

/* --- the driver --- */

struct worker {
	pid_t pid;
	int to, from;
};

static int start(struct worker *w, const char *self, const char *preload,
		 const char *extra_env, const char *name)
{
	int in[2], out[2];
	double ready[3];

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	w->pid = fork();
	if (w->pid < 0)
		return -1;
	if (w->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		else
			unsetenv("LD_PRELOAD");
		if (extra_env)
			putenv((char *)extra_env);
		execl(self, self, "serve", name, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->to = in[1];
	w->from = out[0];
	if (!full_read(w->from, ready, sizeof(ready)) || ready[0] < 0)
		return -1;
	return 0;
}

static double ask(struct worker *w, int k, double more[2])
{
	double reply[3];

	if (write(w->to, &k, sizeof(k)) != sizeof(k) ||
	    !full_read(w->from, reply, sizeof(reply)))
		return -1;
	if (more) {
		more[0] = reply[1];
		more[1] = reply[2];
	}
	return reply[0];
}

static void stop(struct worker *w)
{
	if (w->pid <= 0)
		return;
	close(w->to);
	close(w->from);
	waitpid(w->pid, NULL, 0);
	w->pid = 0;
}

/* Is @name in the comma-separated @list? */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

/* What one workload measured over all rounds. */
struct figures {
	double t[NVARIANTS][MAX_ROUNDS];     /* per round: median batch, us */
	double ratio[MAX_ROUNDS], floor_ratio[MAX_ROUNDS], self_ratio[MAX_ROUNDS];
	double rss[NVARIANTS][MAX_ROUNDS], anon[NVARIANTS][MAX_ROUNDS];
};

/* One round of @w: fresh workers, batches interleaved. */
static int round_of(const struct workload *w, const char *self,
		    const char *lib, const char *empty, int r,
		    struct figures *f)
{
	int nv = w->floor ? NVARIANTS : EMPTY, rc = 0;
	double bt[NVARIANTS + 1][MAX_BATCHES], br[MAX_BATCHES], bf[MAX_BATCHES],
	    bs[MAX_BATCHES];
	struct worker wk[NVARIANTS] = { { 0 } };
	const char *preload[NVARIANTS] = { NULL, lib, empty };

	/* started in turn too: the first to fault its memory in gets other
	 * physical pages, and a fork walks their page structs */
	for (int i = 0; i < nv && !rc; i++) {
		int v = (i + r) % nv;

		rc = start(&wk[v], self, preload[v],
			   v == GUARD ? w->guard_env : NULL, w->name);
	}
	/* slot nv: the guarded worker forking through libc's fork */
	for (int b = 0; b < w->batches && !rc; b++) {
		for (int i = 0; i <= nv && !rc; i++) {
			int v = (b + i + r) % (nv + 1);

			bt[v][b] = v == nv ? ask(&wk[GUARD], -w->per_batch, NULL)
					   : ask(&wk[v], w->per_batch, NULL);
			rc = bt[v][b] <= 0;
		}
		if (!rc) {
			br[b] = bt[GUARD][b] / bt[BARE][b];
			bs[b] = bt[GUARD][b] / bt[nv][b];
			if (w->floor)
				bf[b] = bt[GUARD][b] / bt[EMPTY][b];
		}
	}
	for (int v = 0; v < nv && !rc; v++) {
		f->t[v][r] = median(bt[v], w->batches);
		double more[2] = { 0, 0 };

		f->rss[v][r] = ask(&wk[v], 0, more);
		f->anon[v][r] = more[0];
	}
	if (!rc) {
		f->ratio[r] = median(br, w->batches);
		f->self_ratio[r] = median(bs, w->batches);
		if (w->floor)
			f->floor_ratio[r] = median(bf, w->batches);
	}
	for (int v = 0; v < nv; v++)
		stop(&wk[v]);
	return rc;
}

/* One memory line: bare, guarded, the difference, empty (medians). */
static void memory(const char *tag, const char *what,
		   double kb[NVARIANTS][MAX_ROUNDS], int rounds)
{
	double bare = median(kb[BARE], rounds),
	       guard = median(kb[GUARD], rounds);

	printf("%-9s %-44s %9.0f %9.0f %+8.0f kB (empty: %.0f)\n", tag, what,
	       bare, guard, guard - bare, median(kb[EMPTY], rounds));
}

int main(int argc, char **argv)
{
	static struct figures f;
	char self[1024], lib[1024], empty[1024];
	int rounds = 9, cpu = -1, opt;
	const char *only = NULL;
	double fast_extra = 0, lo, hi;
	struct utsname u;

	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	while ((opt = getopt(argc, argv, "r:w:c:")) != -1)
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'c')
			cpu = atoi(optarg);
		else if (opt == 'w')
			only = optarg;
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 9;
	cpu = bench_setup(self, lib, empty, sizeof(self), cpu);
	if (cpu < -1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	uname(&u);
	printf("forkguard bench: kernel %s, %ld cores, %s%d, overcommit_memory=",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN),
	       cpu < 0 ? "not pinned" : "pinned to CPU ", cpu < 0 ? 0 : cpu);
	fflush(stdout);
	system("cat /proc/sys/vm/overcommit_memory");
	printf("%d rounds, each with fresh workers; a worker times batches of "
	       "fork+_exit+wait,\ninterleaved with the other variants'; ratio: "
	       "median over rounds of the\nmedian per-batch ratio (range: "
	       "lowest-highest round)\n\n",
	       rounds);
	printf("%-9s %-44s %9s %9s %8s %7s %-13s %6s %7s %7s\n", "workload",
	       "what", "bare us", "guard us", "extra us", "ratio", " range",
	       "target", "/self", "/empty");
	for (int k = 0; k < (int)(sizeof(loads) / sizeof(loads[0])); k++) {
		const struct workload *w = &loads[k];
		double med[NVARIANTS];
		int nv = w->floor ? NVARIANTS : EMPTY;

		if (only && !listed(only, w->name))
			continue;
		for (int r = 0; r < rounds; r++)
			if (round_of(w, self, lib, empty, r, &f)) {
				printf("%-9s failed to run\n", w->name);
				return 1;
			}
		for (int v = 0; v < nv; v++)
			med[v] = median(f.t[v], rounds);
		range(f.ratio, rounds, &lo, &hi);
		printf("%-9s %-44s %9.1f %9.1f %+8.1f %7.3f  %.3f-%.3f ",
		       w->name, w->what, med[BARE], med[GUARD],
		       med[GUARD] - med[BARE], median(f.ratio, rounds), lo, hi);
		if (w->target > 0)
			printf("%6.2f", w->target);
		else
			printf("%6s", "-");
		printf(" %7.3f", median(f.self_ratio, rounds));
		if (w->floor)
			printf(" %7.3f\n", median(f.floor_ratio, rounds));
		else
			printf("\n");
		/* the tiers' cost per unit of what they walk, over the fast
		 * check's (tiny's) */
		if (!strcmp(w->name, "tiny")) {
			range(f.floor_ratio, rounds, &lo, &hi);
			fast_extra = med[GUARD] - med[BARE];
			printf("%-9s %-44s %9.1f  (/empty range %.3f-%.3f)\n",
			       "", "  an empty library preloaded instead, us",
			       med[EMPTY], lo, hi);
			memory("rss", "VmRSS after the forks, kB (medians)",
			       f.rss, rounds);
			memory("anon", "RssAnon (private) after the forks, kB",
			       f.anon, rounds);
		}
		if (!strcmp(w->name, "maps60k"))
			printf("%-9s %-44s %+8.1f us\n", "",
			       "  maps tier per 1 000 VMAs (minus tiny's)",
			       (med[GUARD] - med[BARE] - fast_extra) / 60);
		if (!strcmp(w->name, "exact1g"))
			printf("%-9s %-44s %+8.1f us\n", "",
			       "  smaps tier per GiB of RSS (minus tiny's)",
			       med[GUARD] - med[BARE] - fast_extra);
		if (!strcmp(w->name, "exact60k"))
			printf("%-9s %-44s %+8.1f us\n", "",
			       "  smaps tier per 1 000 VMAs (minus tiny's)",
			       (med[GUARD] - med[BARE] - fast_extra) / 60);
		fflush(stdout);
	}
	printf("\n/self: guarded fork / libc's fork called directly, in the "
	       "same guarded process\n(the guard's own work, without the "
	       "preload's cost or another process's layout)\n"
	       "/empty: guarded / an empty library preloaded (what any "
	       "LD_PRELOAD costs a fork is not the guard's)\n");
	return 0;
}
