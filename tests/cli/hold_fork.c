/*
 * hold_fork - build the merged-VMA layout, wait, then fork once.
 *
 * The same layout as fixtures/merged_vma (adjacent private RW mappings the
 * kernel merges into one VMA), held still so `forkguard check PID` can
 * look at the process from outside before the fork happens: it prints
 * "ready PID" and blocks on stdin; at the first byte (or EOF) it forks,
 * prints "fork: ok" or "fork: ENOMEM", and exits 0.  GiB 0 builds nothing:
 * a normal small process.  Only read(2)/write(2) after the layout is
 * built, so nothing maps memory between the outside check and the fork.
 *
 * Whether adjacent mappings merge depends on the kernel (6.12 and 6.18
 * merge this layout, 6.1 does not): when /proc/self/maps shows no single
 * VMA over the whole range, the same one big VMA is made the other way,
 * by growing one mapping with mremap (charged only for the growth).  The
 * ready line says which: "ready PID merged|mremap|none".
 *
 * usage: hold_fork [GiB per mapping (16)] [count (2)]; exit 2 on setup errors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *s)
{
	size_t n = strlen(s);

	if (write(1, s, n) != (ssize_t)n)
		_exit(2);
}

/* Grow the stack now, so the guard's frames at fork do not change it. */
static __attribute__((noinline)) void grow_stack(void)
{
	volatile char pad[512 * 1024];

	memset((char *)pad, 0, sizeof(pad));
}

/* Is [lo, hi) one VMA of ours? */
static int one_vma(uintptr_t lo, uintptr_t hi)
{
	char line[512];
	unsigned long s, e;
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s == lo && e == hi)
			found = 1;
	fclose(f);
	return found;
}

/* One private RW VMA of @total bytes, grown from @each by mremap. */
static char *grown(size_t each, size_t total)
{
	char *p = mmap(NULL, each, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	p = mremap(p, each, total, MREMAP_MAYMOVE);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	unsigned long gib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
	unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 10) : 2;
	size_t each = gib << 30, i;
	char line[64], c;
	const char *how = "none";
	char *base;
	pid_t pid;
	int status;

	if (count == 0 || count > 64)
		return 2;
	grow_stack();
	if (gib) {
		base = mmap(NULL, each * count, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (base == MAP_FAILED)
			return 2;
		for (i = 0; i < count; i++)
			if (mmap(base + i * each, each, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0) == MAP_FAILED)
				return 2;
		how = "merged";
		if (count > 1 && !one_vma((uintptr_t)base,
					  (uintptr_t)base + each * count)) {
			munmap(base, each * count);
			base = grown(each, each * count);
			if (!base)
				return 2;
			how = "mremap";
		}
		base[0] = 1;
	}
	snprintf(line, sizeof(line), "ready %d %s\n", (int)getpid(), how);
	say(line);
	while (read(0, &c, 1) < 0 && errno == EINTR)
		;
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		say(errno == ENOMEM ? "fork: ENOMEM\n" : "fork: error\n");
		return 0;
	}
	waitpid(pid, &status, 0);
	say("fork: ok\n");
	return 0;
}
