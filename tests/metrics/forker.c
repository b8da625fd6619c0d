/*
 * forker - fork on command, for the metrics test.
 *
 * usage: forker STOPFILE ACTION...  where ACTION is
 *   ok     fork a child that exits at once, wait for it
 *   big G  map two adjacent G GiB private RW mappings (one merged VMA,
 *          as fixtures/merged_vma), then fork the same way
 *   heap G grow the brk heap to G GiB in 64 MiB blocks that free() keeps
 *          (as fixtures/heap_retention), free them, then fork
 *   nproc0 as nobody when root (root ignores the limit), RLIMIT_NPROC 0,
 *          then fork: EAGAIN
 *   badclone  clone(CLONE_SIGHAND) without CLONE_VM: EINVAL
 *   until F   print "waiting", wait (up to 60 s) for file F to exist
 * Each fork prints "fork: ok" or "fork: ENOMEM" (or the errno's name).
 * Then "done", and it waits (up to 10 minutes) for STOPFILE to exist
 * before exiting with exit(3), so destructors run.  Exit 2 on setup
 * errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../fixtures/merged.h"

static int child(void *arg)
{
	(void)arg;
	return 0;
}

static const char *errno_name(int err)
{
	return err == ENOMEM ? "ENOMEM" : err == EAGAIN ? "EAGAIN"
		: err == EINVAL ? "EINVAL" : strerror(err);
}

/* the heap_retention layout: @gib GiB of brk heap, freed, kept */
static int heap(size_t gib)
{
	size_t n = (gib << 10) / 64, i;
	char **blocks = calloc(n, sizeof(*blocks));

	if (!blocks || !mallopt(M_MMAP_MAX, 0) || !mallopt(M_TRIM_THRESHOLD, -1))
		return -1;
	for (i = 0; i < n; i++)
		if (!(blocks[i] = malloc((size_t)64 << 20)))
			return -1;
	for (i = n; i-- > 0;)
		free(blocks[i]);
	free(blocks);
	return 0;
}

static int nproc0(void)
{
	struct rlimit rl = { 0, 0 };

	if (!geteuid() && (setgid(65534) || setuid(65534)))
		return -1;
	return setrlimit(RLIMIT_NPROC, &rl);
}

static void bad_clone(void)
{
	static char stack[65536];
	int rc = clone(child, stack + sizeof(stack), CLONE_SIGHAND | SIGCHLD,
		       NULL);

	printf("fork: %s\n", rc < 0 ? errno_name(errno) : "ok");
	if (rc > 0)
		waitpid(rc, NULL, 0);
	fflush(stdout);
}

static void one_fork(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		printf("fork: %s\n", errno_name(errno));
	} else {
		waitpid(pid, &status, 0);
		printf("fork: ok\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int i, j;

	if (argc < 2)
		return 2;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "until") && i + 1 < argc) {
			printf("waiting\n");
			fflush(stdout);
			for (i++, j = 0; j < 1200 && access(argv[i], F_OK); j++)
				usleep(50000);
			continue;
		}
		if (!strcmp(argv[i], "badclone")) {
			bad_clone();
			continue;
		}
		if (!strcmp(argv[i], "big") && i + 1 < argc) {
			if (merged_layout(strtoul(argv[++i], NULL, 10)))
				return 2;
		} else if (!strcmp(argv[i], "heap") && i + 1 < argc) {
			if (heap(strtoul(argv[++i], NULL, 10)))
				return 2;
		} else if (!strcmp(argv[i], "nproc0")) {
			if (nproc0())
				return 2;
		} else if (strcmp(argv[i], "ok")) {
			return 2;
		}
		one_fork();
	}
	printf("done\n");
	fflush(stdout);
	for (i = 0; i < 12000 && access(argv[1], F_OK); i++)
		usleep(50000);
	exit(0);
}
