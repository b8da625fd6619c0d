/*
 * dgram_sink - a test-owned syslog receiver: bind a unix datagram socket
 * at PATH, print "ready" on stdout, then append each datagram as one line
 * to OUT (a newline inside a datagram is written as the two bytes "\n"),
 * for at most SECONDS (default 120) or until SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[65536];
	struct timeval tv = { .tv_sec = 1 };
	FILE *out;
	time_t end;
	ssize_t n;
	int fd;

	if (argc < 3 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: dgram_sink PATH OUT [SECONDS]\n");
		return 64;
	}
	end = time(NULL) + (argc > 3 ? atoi(argv[3]) : 120);
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("dgram_sink: bind");
		return 1;
	}
	chmod(argv[1], 0666);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	out = fopen(argv[2], "a");
	if (!out) {
		perror("dgram_sink: open");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n')
				fputs("\\n", out);
			else
				fputc(buf[i], out);
		}
		fputc('\n', out);
		fflush(out);
	}
	return 0;
}
