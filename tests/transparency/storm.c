/*
 * storm - many guarded forks in a loop: the fd count and RSS must not grow
 * after the first fork.  Prints "forks N fds A->B rss_kb C->D".
 * usage: storm [N [GAP_MS]]  (GAP_MS between two forks; 0 by default)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static long rss(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 100000, f0, f1;
	int gap_ms = argc > 2 ? atoi(argv[2]) : 0;
	long r0, r1;
	pid_t pid;

	pid = fork(); /* the first fork: the guard opens what it keeps */
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	f0 = fds();
	r0 = rss();
	for (i = 0; i < n; i++) {
		if (gap_ms)
			usleep((useconds_t)gap_ms * 1000);
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return 1;
		waitpid(pid, NULL, 0);
	}
	f1 = fds();
	r1 = rss();
	printf("forks %d fds %d->%d rss_kb %ld->%ld\n", n, f0, f1, r0, r1);
	return 0;
}
