/*
 * multifork - one process, several forks, the risky ones after the first.
 *
 * The first fork of a guarded process always goes the whole way (the
 * guard registers its late atfork handlers during it); later ones may take
 * the fast path.  This program forks once per letter of PLAN:
 *   s  a safe fork: the big region, if any, is unmapped first;
 *   r  a risky fork: a fresh region of two adjacent GIB-GiB private RW
 *      mappings, which the kernel merges into one VMA (KERNEL.md section 3:
 *      refused in mode 0 on 5.2+ when 2 x GIB exceeds RAM + swap).
 * Its own pthread_atfork prepare handler, registered in main (after the
 * guard's constructor), counts the calls that reached libc's fork: a fork
 * refused before libc's fork was called, i.e. without asking the kernel,
 * counts 0.  After each fork it prints
 *   fork N KIND: RESULT prepare=K lines=L vmas=V
 * RESULT "ok" or the errno name, K the prepare calls during this fork, L the
 * lines in $FORKGUARD_LOG after it (the guard's reports so far; -1 without
 * a log file), V the VMAs the region is now made of (a split shows > 1).
 *
 * usage: multifork GIB PLAN        e.g. multifork 12 srrsr
 * exits 0 when every fork was made (whatever its result), 2 on bad usage
 * or a failed mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long prepares;

static void count_prepare(void)
{
	prepares++;
}

/* lines in the guard's log file, -1 when there is none */
static long log_lines(void)
{
	const char *path = getenv("FORKGUARD_LOG");
	char buf[4096];
	long n = 0;
	ssize_t got;
	int fd;

	if (!path || path[0] != '/')
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

/* VMAs of /proc/self/maps that overlap [lo, hi) */
static int vmas_in(uintptr_t lo, uintptr_t hi)
{
	char line[512];
	unsigned long s, e;
	int n = 0;
	FILE *f;

	if (!lo)
		return 0;
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
			n++;
	fclose(f);
	return n;
}

/* A fresh region: an uncharged reservation, then two RW halves in it. */
static char *map_region(size_t each)
{
	char *base = mmap(NULL, 2 * each, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	for (int i = 0; i < 2; i++)
		if (mmap(base + i * each, each, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) == MAP_FAILED)
			return NULL;
	base[0] = 1; /* one page: the VMA is real, the memory is not */
	return base;
}

static const char *result(pid_t pid, int err)
{
	if (pid >= 0)
		return "ok";
	switch (err) {
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	default: return strerror(err);
	}
}

int main(int argc, char **argv)
{
	unsigned long gib = argc > 2 ? strtoul(argv[1], NULL, 10) : 0;
	const char *plan = argc > 2 ? argv[2] : "";
	size_t each = gib << 30;
	char *region = NULL;

	if (!gib || !*plan || strspn(plan, "sr") != strlen(plan)) {
		fprintf(stderr, "usage: multifork GIB PLAN (letters s, r)\n");
		return 2;
	}
	if (pthread_atfork(count_prepare, NULL, NULL))
		return 2;
	for (unsigned i = 0; plan[i]; i++) {
		unsigned long before;
		pid_t pid;
		int err;

		if (region) {
			munmap(region, 2 * each);
			region = NULL;
		}
		if (plan[i] == 'r' && !(region = map_region(each))) {
			perror("mmap");
			return 2;
		}
		before = prepares;
		errno = 0;
		pid = fork();
		err = errno;
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		printf("fork %u %c: %s prepare=%lu lines=%ld vmas=%d\n", i + 1,
		       plan[i], result(pid, err), prepares - before,
		       log_lines(),
		       vmas_in((uintptr_t)region,
			       (uintptr_t)region + 2 * each));
		fflush(stdout);
	}
	return 0;
}
