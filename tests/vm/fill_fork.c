/*
 * fill_fork - in mode 2, take the commit limit, then fork N times.
 *
 * Maps private writable memory (charged at mmap in mode 2, never touched)
 * in halving chunks until even a page is refused: Committed_AS then sits at
 * the limit, and every fork (its charge is this process's whole mapping)
 * and every new tmpfs page is refused.  The stack is grown first, so that
 * what runs on it later (the guard's report) needs no new charge.  Prints
 * "fork I: ok|ENOMEM|errno" per fork and "filled KB"; write(2) only.
 * usage: fill_fork N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *s)
{
	ssize_t w = write(1, s, strlen(s));

	(void)w;
}

static void grow_stack(void)
{
	volatile char deep[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(deep); i += 4096)
		deep[i] = 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20, i;
	size_t chunk = 64u << 20, kb = 0;
	char line[64];

	grow_stack();
	while (chunk >= 4096) {
		void *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			chunk /= 2;
			continue;
		}
		kb += chunk / 1024;
	}
	snprintf(line, sizeof(line), "filled %zu\n", kb);
	say(line);
	for (i = 0; i < n; i++) {
		pid_t p = fork();
		int err = errno;

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
		snprintf(line, sizeof(line), "fork %d: %s\n", i,
			 p > 0 ? "ok" : err == ENOMEM ? "ENOMEM" : "error");
		say(line);
	}
	return 0;
}
