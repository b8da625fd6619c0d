/*
 * bench - what the guard costs a fork, as ratios measured in one run.
 *
 * The driver runs each workload in a fresh worker process, once without
 * the guard and once with LD_PRELOAD=libforkguard.so (plus any FORKGUARD_*
 * variables of the caller), alternating the order every round.  A worker
 * builds its memory layout, then times N rounds of fork + _exit + waitpid
 * and prints the median.  The driver prints, per workload, the medians
 * over rounds, the median of the per-round ratios, and the target.
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
	bool empty;		/* preload an empty library, not the guard */
};

static const struct workload loads[] = {
	{ "tiny", 400, 1.05, NULL, "fork+_exit+wait of a small process", false },
	{ "rss1g", 20, 1.01, NULL, "1 GiB of touched private memory", false },
	{ "vmas60k", 20, 1.10, NULL, "60 000 VMAs, little RSS", false },
	{ "maps60k", 20, 0, NULL,
	  "maps path: 2 x 16 GiB NORESERVE + 60 000 VMAs", false },
	{ "exact1g", 20, 1.50, NULL,
	  "smaps path: 32 GiB NORESERVE + 1 GiB touched", false },
	{ "exact60k", 20, 1.50, NULL,
	  "smaps path: 32 GiB NORESERVE + 60 000 VMAs", false },
	{ "off", 400, 1.01, "FORKGUARD_MODE=off", "tiny, FORKGUARD_MODE=off",
	  false },
	{ "preload", 400, 0, NULL, "tiny, an empty library preloaded instead",
	  true },
};

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
		  const struct workload *w, bool guarded, long *rss)
{
	char cmd[4096], out[128];
	FILE *p;
	double med = -1;
	long rss0;

	if (guarded)
		snprintf(cmd, sizeof(cmd), "env LD_PRELOAD=%s %s %s worker %s %d",
			 w->empty ? empty : lib, w->guard_env ? w->guard_env : "", self, w->name,
			 w->forks);
	else
		snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD %s worker %s %d",
			 self, w->name, w->forks);
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
	double fast_extra = 0, floor_us = -1, tiny_us = -1, off_us = -1;
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
	printf("%-9s %-44s %9s %9s %8s %7s %7s\n", "workload", "what",
	       "bare us", "guard us", "extra us", "ratio", "target");
	for (k = 0; k < (int)(sizeof(loads) / sizeof(loads[0])); k++) {
		const struct workload *w = &loads[k];
		double a[100], b[100], ratio[100], ra[100], rb[100], ma, mb;
		long rss_bare = 0, rss_guard = 0;

		if (only && !listed(only, w->name))
			continue;

		for (r = 0; r < rounds; r++) {
			bool first = r % 2;

			a[r] = run(self, lib, empty, w, first,
				   first ? &rss_guard : &rss_bare);
			b[r] = run(self, lib, empty, w, !first,
				   first ? &rss_bare : &rss_guard);
			if (first) {
				double tmp = a[r];

				a[r] = b[r];
				b[r] = tmp;
			}
			if (a[r] <= 0 || b[r] <= 0) {
				printf("%-9s failed to run\n", w->name);
				return 1;
			}
			ratio[r] = b[r] / a[r];
			ra[r] = (double)rss_bare;
			rb[r] = (double)rss_guard;
		}
		ma = median(a, rounds);
		mb = median(b, rounds);
		printf("%-9s %-44s %9.1f %9.1f %+8.1f %7.3f ", w->name, w->what,
		       ma, mb, mb - ma, median(ratio, rounds));
		if (w->target > 0)
			printf("%7.2f\n", w->target);
		else
			printf("%7s\n", "-");
		/* the smaps tier's cost per unit of what it walks, over the
		 * fast check's cost (tiny) */
		if (!strcmp(w->name, "tiny"))
			fast_extra = mb - ma;
		if (!strcmp(w->name, "exact1g"))
			printf("%-9s %-44s %+8.1f us\n", "",
			       "  smaps tier per GiB of RSS (minus tiny's)",
			       mb - ma - fast_extra);
		if (!strcmp(w->name, "maps60k"))
			printf("%-9s %-44s %+8.1f us\n", "",
			       "  maps tier per 1 000 VMAs (minus tiny's)",
			       (mb - ma - fast_extra) / 60);
		if (!strcmp(w->name, "exact60k"))
			printf("%-9s %-44s %+8.1f us\n", "",
			       "  smaps tier per 1 000 VMAs (minus tiny's)",
			       (mb - ma - fast_extra) / 60);
		if (!strcmp(w->name, "tiny"))
			printf("%-9s %-44s %9.0f %9.0f %+8.0f kB\n", "rss",
			       "VmRSS after the forks, kB (medians)",
			       median(ra, rounds), median(rb, rounds),
			       median(rb, rounds) - median(ra, rounds));
		if (!strcmp(w->name, "preload"))
			floor_us = mb;
		if (!strcmp(w->name, "tiny"))
			tiny_us = mb;
		if (!strcmp(w->name, "off"))
			off_us = mb;
		fflush(stdout);
	}
	/* any preloaded library costs a fork something: the guard's own
	 * share is the difference with an empty one */
	if (floor_us > 0 && tiny_us > 0)
		printf("\nthe guard alone (tiny vs the empty preload): %+.1f us, "
		       "ratio %.3f\n", tiny_us - floor_us, tiny_us / floor_us);
	if (floor_us > 0 && off_us > 0)
		printf("FORKGUARD_MODE=off vs the empty preload: %+.1f us, "
		       "ratio %.3f\n", off_us - floor_us, off_us / floor_us);
	return 0;
}
