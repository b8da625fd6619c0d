/*
 * metrics_prune.c - the metrics files of processes that are gone: with
 * FORKGUARD_METRICS=DIR each guarded process keeps its own file and
 * removes it at exit (metrics.c); a process killed before that leaves it,
 * and the next guarded process to write into DIR removes it here.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"
#include "metrics.h"

/* what getdents64(2) returns, one after the other (linux_dirent64) */
struct dent {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* "forkguard-<comm>-<pid>.prom" or its ".prom.tmp": the pid; 0 if not */
static pid_t file_pid(const char *name)
{
	size_t n = strlen(name), end;
	uint64_t pid = 0, scale = 1;

	if (strncmp(name, "forkguard-", 10))
		return 0;
	if (n > 9 && !strcmp(name + n - 9, ".prom.tmp"))
		end = n - 9;
	else if (n > 5 && !strcmp(name + n - 5, ".prom"))
		end = n - 5;
	else
		return 0;
	while (end > 10 && name[end - 1] >= '0' && name[end - 1] <= '9' &&
	       scale <= 1000000000u) {
		pid += (uint64_t)(name[--end] - '0') * scale;
		scale *= 10;
	}
	return end > 10 && name[end - 1] == '-' && pid && pid <= INT32_MAX
		   ? (pid_t)pid
		   : 0;
}

/* Was @name (in @dir) written by a process of our pid namespace? */
static bool ours(int dir, const char *name, const char *label)
{
	char buf[16384];
	ssize_t n;
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, label) != NULL;
}

__attribute__((noinline)) void fg_metrics_prune(const char *metrics_dir,
						pid_t self, uint64_t pidns)
{
	char dents[4096] __attribute__((aligned(8))), label[48];
	struct fg_buf b;
	long n;
	int dir;

	if (!pidns)
		return;
	fg_buf_init(&b, label, sizeof(label));
	fg_puts(&b, ",pidns=\"");
	fg_putu(&b, pidns);
	fg_puts(&b, "\"}");
	dir = open(metrics_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	while ((n = syscall(SYS_getdents64, dir, dents, sizeof(dents))) > 0) {
		for (long at = 0; at < n;) {
			const struct dent *d =
			    (const struct dent *)(dents + at);
			pid_t pid = file_pid(d->d_name);

			at += d->d_reclen;
			if (!pid || pid == self || !kill(pid, 0) ||
			    errno != ESRCH)
				continue;
			/* a .tmp left behind holds the whole text too */
			if (ours(dir, d->d_name, label))
				unlinkat(dir, d->d_name, 0);
		}
	}
	close(dir);
}
