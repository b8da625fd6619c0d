/*
 * noalloc - count heap allocations made during fork() in the parent, and
 * those made since the process started.
 *
 * malloc/calloc/realloc defined here interpose on every library in the
 * process, the guard included (its constructor too); they count while
 * `counting` is set, around the fork call only, and all of them until the
 * report.  A process that has allocated nothing has no [heap] mapping: the
 * report says whether /proc/self/maps shows one, read without stdio.
 * Prints "heap none|present, allocations since start K, during N forks: M".
 * With a
 * second argument "hold" it then waits for EOF on stdin before exiting, so
 * that what the guard wrote for the process can be read while it lives.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static volatile int counting;
static volatile unsigned long count, total;

void *malloc(size_t n)
{
	total++;
	if (counting)
		count++;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	total++;
	if (counting)
		count++;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	total++;
	if (counting)
		count++;
	return __libc_realloc(p, n);
}

/* Does /proc/self/maps list a [heap]?  -1: unreadable. */
static int heap(void)
{
	static char buf[1 << 16];
	ssize_t n, len = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return len ? strstr(buf, "[heap]") != NULL : -1;
}

int main(int argc, char **argv)
{
	int i, h, n = argc > 1 ? atoi(argv[1]) : 100;
	unsigned long before;
	pid_t pid;

	for (i = 0; i < n; i++) {
		counting = 1;
		pid = fork();
		if (pid == 0)
			_exit(0);
		counting = 0;
		waitpid(pid, NULL, 0);
	}
	before = total;
	h = heap();

	printf("heap %s, allocations since start %lu, during %d forks: %lu\n",
	       h < 0 ? "unreadable" : h ? "present" : "none", before, n, count);
	fflush(stdout);
	if (argc > 2 && !strcmp(argv[2], "hold"))
		while (getchar() != EOF)
			;
	return 0;
}
