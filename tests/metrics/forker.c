/*
 * forker - fork on command, for the metrics test.
 *
 * usage: forker STOPFILE ACTION...  where ACTION is
 *   ok     fork a child that exits at once, wait for it
 *   big G  map two adjacent G GiB private RW mappings (one merged VMA,
 *          as fixtures/merged_vma), then fork the same way
 * Each fork prints "fork: ok" or "fork: ENOMEM" (or the errno's text).
 * Then "done", and it waits (up to 10 minutes) for STOPFILE to exist
 * before exiting with exit(3), so destructors run.  Exit 2 on setup
 * errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../fixtures/merged.h"

static void one_fork(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		printf("fork: %s\n",
		       errno == ENOMEM ? "ENOMEM" : strerror(errno));
	} else {
		waitpid(pid, &status, 0);
		printf("fork: ok\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 2;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "big") && i + 1 < argc) {
			if (merged_layout(strtoul(argv[++i], NULL, 10)))
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
