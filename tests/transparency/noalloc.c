/*
 * noalloc - count heap allocations made during fork() in the parent.
 *
 * malloc/calloc/realloc defined here interpose on every library in the
 * process, the guard included; they count while `counting` is set, around
 * the fork call only.  Prints "allocations during N forks: M".  With a
 * second argument "hold" it then waits for EOF on stdin before exiting, so
 * that what the guard wrote for the process can be read while it lives.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static volatile int counting;
static volatile unsigned long count;

void *malloc(size_t n)
{
	if (counting)
		count++;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (counting)
		count++;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		count++;
	return __libc_realloc(p, n);
}

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 100;
	pid_t pid;

	for (i = 0; i < n; i++) {
		counting = 1;
		pid = fork();
		if (pid == 0)
			_exit(0);
		counting = 0;
		waitpid(pid, NULL, 0);
	}
	printf("allocations during %d forks: %lu\n", n, count);
	fflush(stdout);
	if (argc > 2 && !strcmp(argv[2], "hold"))
		while (getchar() != EOF)
			;
	return 0;
}
