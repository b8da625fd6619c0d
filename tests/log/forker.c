/*
 * forker - fork on command: each line "N" read from stdin makes N forks
 * (the child exits at once, the parent waits for it), then "done N" is
 * printed.  EOF ends it.  Guarded with FORKGUARD_REPORT=all, every fork
 * is one report: the log tests count them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char line[64];
	int i, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		n = atoi(line);
		for (i = 0; i < n; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
		printf("done %d\n", n);
	}
	return 0;
}
