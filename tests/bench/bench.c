/*
 * bench - what the guard costs a fork, as ratios measured in one run.
 *
 * The driver runs each workload in a fresh worker process, once without
 * the guard and once with LD_PRELOAD=libforkguard.so (plus any FORKGUARD_*
 * variables of the caller), and, for the small workloads, once more with
 * an empty library preloaded: what any LD_PRELOAD costs a fork (more VMAs
 * to copy and tear down) is then told apart from the guard's own work.
 * The order rotates every round.  A worker builds its memory layout, then
 * times N rounds of fork + _exit + waitpid and prints the median.  The
 * driver prints, per workload, the medians over rounds, the median of the
 * per-round ratios, and the target.
 *
 * usage: bench [-r rounds] [-w workload,...]   (run by `make bench`)
 *        bench worker WORKLOAD N  (internal)
 * No assertions: this prints figures; README quotes them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GiB (1UL << 30)

struct workload {
	const char *name;
	int forks;		/* per worker run */
	double target;		/* guarded / unguarded */
	const char *guard_env;	/* extra env for the guarded run */
	const char *what;
	bool floor;		/* also run it with an empty library preloaded */
};

static const struct workload loads[] = {
	{ "tiny", 400, 1.05, NULL, "fork+_exit+wait of a small process", true },
	{ "rss1g", 20, 1.01, NULL, "1 GiB of touched private memory", false },
	{ "vmas60k", 20, 1.10, NULL, "60 000 VMAs, little RSS", false },
	{ "maps60k", 20, 0, NULL,
	  "maps path: 2 x 16 GiB NORESERVE + 60 000 VMAs", false },
	{ "exact1g", 20, 1.50, NULL,
	  "smaps path: 32 GiB NORESERVE + 1 GiB touched", false },
	{ "exact60k", 20, 1.50, NULL,
	  "smaps path: 32 GiB NORESERVE + 60 000 VMAs", false },
	{ "off", 400, 1.01, "FORKGUARD_MODE=off", "tiny, FORKGUARD_MODE=off",
	  true },
};

/* How a worker runs: without a preload, with the guard, with an empty one. */
enum variant { BARE, GUARD, EMPTY, NVARIANTS };

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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
		p = mmap(NULL, GiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		touch(p, GiB);
	}
	if (strstr(name, "60k") && many_vmas(60000))
		return -1;
	return 0;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int worker(const char *name, int n)
{
	double *t = calloc((size_t)n, sizeof(double)), t0;
	long rss0 = rss_kb();
	pid_t pid;
	int i;

	if (!t || setup(name)) {
		perror("setup");
		return 2;
	}
	for (i = 0; i < n; i++) {
		t0 = now_us();
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		waitpid(pid, NULL, 0);
		t[i] = now_us() - t0;
	}
	printf("%.3f %ld %ld\n", median(t, n), rss0, rss_kb());
	return 0;
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

/* Run one worker; returns its median fork time, or -1. */
static double run(const char *self, const char *lib, const char *empty,
		  const struct workload *w, enum variant v, long *rss)
{
	char cmd[4096], out[128];
	FILE *p;
	double med = -1;
	long rss0;

	if (v == BARE)
		snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD %s worker %s %d",
			 self, w->name, w->forks);
	else
		snprintf(cmd, sizeof(cmd), "env LD_PRELOAD=%s %s %s worker %s %d",
			 v == EMPTY ? empty : lib,
			 v == GUARD && w->guard_env ? w->guard_env : "", self,
			 w->name, w->forks);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fgets(out, sizeof(out), p) &&
	    sscanf(out, "%lf %ld %ld", &med, &rss0, rss) != 3)
		med = -1;
	pclose(p);
	return med;
}

int main(int argc, char **argv)
{
	char self[1024], lib[1200], empty[1200];
	int rounds = 7, r, k, opt;
	const char *only = NULL;
	double fast_extra = 0;
	struct utsname u;
	ssize_t n;

	if (argc >= 4 && !strcmp(argv[1], "worker"))
		return worker(argv[2], atoi(argv[3]));
	while ((opt = getopt(argc, argv, "r:w:")) != -1)
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'w')
			only = optarg;
	if (rounds < 1 || rounds > 100)
		rounds = 7;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 2;
	self[n] = '\0';
	snprintf(lib, sizeof(lib), "%.*s/../libforkguard.so",
		 (int)(strrchr(self, '/') - self), self);
	snprintf(empty, sizeof(empty), "%.*s/libfg_empty.so",
		 (int)(strrchr(self, '/') - self), self);
	uname(&u);
	printf("forkguard bench: kernel %s, %ld cores, overcommit_memory=",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	system("cat /proc/sys/vm/overcommit_memory");
	printf("%d rounds; each: a fresh process, median fork+_exit+wait time\n\n",
	       rounds);
	printf("%-9s %-44s %9s %9s %8s %7s %7s %7s\n", "workload", "what",
	       "bare us", "guard us", "extra us", "ratio", "target",
	       "/empty");
	for (k = 0; k < (int)(sizeof(loads) / sizeof(loads[0])); k++) {
		const struct workload *w = &loads[k];
		int nv = w->floor ? NVARIANTS : EMPTY;
		double t[NVARIANTS][100], rss[NVARIANTS][100], ratio[100],
		    floor_ratio[100], med[NVARIANTS];
		long kb;

		if (only && !listed(only, w->name))
			continue;
		for (r = 0; r < rounds; r++) {
			/* interleaved, the order rotating every round */
			for (int i = 0; i < nv; i++) {
				enum variant v = (enum variant)((r + i) % nv);

				t[v][r] = run(self, lib, empty, w, v, &kb);
				rss[v][r] = (double)kb;
				if (t[v][r] <= 0) {
					printf("%-9s failed to run\n", w->name);
					return 1;
				}
			}
			ratio[r] = t[GUARD][r] / t[BARE][r];
			if (w->floor)
				floor_ratio[r] = t[GUARD][r] / t[EMPTY][r];
		}
		for (int v = 0; v < nv; v++)
			med[v] = median(t[v], rounds);
		printf("%-9s %-44s %9.1f %9.1f %+8.1f %7.3f ", w->name, w->what,
		       med[BARE], med[GUARD], med[GUARD] - med[BARE],
		       median(ratio, rounds));
		if (w->target > 0)
			printf("%7.2f", w->target);
		else
			printf("%7s", "-");
		if (w->floor)
			printf(" %7.3f\n", median(floor_ratio, rounds));
		else
			printf("\n");
		/* the tiers' cost per unit of what they walk, over the fast
		 * check's (tiny's) */
		if (!strcmp(w->name, "tiny")) {
			fast_extra = med[GUARD] - med[BARE];
			printf("%-9s %-44s %9.1f\n", "",
			       "  an empty library preloaded instead, us",
			       med[EMPTY]);
			printf("%-9s %-44s %9.0f %9.0f %+8.0f kB (empty: %.0f)\n",
			       "rss", "VmRSS after the forks, kB (medians)",
			       median(rss[BARE], rounds),
			       median(rss[GUARD], rounds),
			       median(rss[GUARD], rounds) -
				   median(rss[BARE], rounds),
			       median(rss[EMPTY], rounds));
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
	printf("\n/empty: guarded / an empty library preloaded (what any "
	       "LD_PRELOAD costs a fork is not the guard's)\n");
	return 0;
}
