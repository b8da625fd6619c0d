/*
 * cli_metrics_prune.c - `forkguard metrics --prune DIR`: remove the stale
 * textfiles of a metrics directory, the files of guarded processes killed
 * before their destructor removed them (or that ended by _exit or exec).
 *
 * A janitor's job, so the command's, not the guarded processes': the
 * library writes and removes only its own file.  Run it where the services
 * run (the same pid namespace): a file is removed only when no process has
 * its pid (kill 0: ESRCH) and its pidns label names the command's own pid
 * namespace; a file from another namespace (a directory shared between
 * containers), one without the label (an older version) and a live
 * process's are never touched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"
#include "cli.h"
#include "procfs.h"

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

/* the stale files of @metrics_dir: removed, or -errno (the directory) */
static int prune(const char *metrics_dir, uint64_t pidns, unsigned *removed)
{
	char dents[4096] __attribute__((aligned(8))), label[48];
	struct fg_buf b;
	long n;
	int dir;

	fg_buf_init(&b, label, sizeof(label));
	fg_puts(&b, ",pidns=\"");
	fg_putu(&b, pidns);
	fg_puts(&b, "\"}");
	dir = open(metrics_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	while ((n = syscall(SYS_getdents64, dir, dents, sizeof(dents))) > 0) {
		for (long at = 0; at < n;) {
			const struct dent *d =
			    (const struct dent *)(dents + at);
			pid_t pid = file_pid(d->d_name);

			at += d->d_reclen;
			if (!pid || !kill(pid, 0) || errno != ESRCH)
				continue;
			/* a .tmp left behind holds the whole text too */
			if (ours(dir, d->d_name, label) &&
			    !unlinkat(dir, d->d_name, 0))
				(*removed)++;
		}
	}
	n = n < 0 ? -errno : 0;
	close(dir);
	return (int)n;
}

static const char usage[] =
    "usage: forkguard metrics --prune DIR [--procfs ROOT]\n"
    "\n"
    "Remove the textfiles in DIR (FORKGUARD_METRICS) of guarded processes\n"
    "that are gone: no process has the file's pid, and the file names this\n"
    "command's pid namespace (run it where the services run).  Files of\n"
    "live processes, of another pid namespace or without the label stay.\n"
    "Prints how many files it removed.  Run it from a timer or before the\n"
    "service starts (ExecStartPre=).\n";

int cli_metrics(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prune", required_argument, NULL, 'P' },
		{ "procfs", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts g = { "metrics", ":P:p:h", longopts, usage, 0 };
	const char *dir = NULL, *root = "/proc";
	unsigned removed = 0;
	uint64_t pidns;
	int c, err;

	while ((c = cli_next_opt(&g, argc, argv)) > 0) {
		if (c == 'P')
			dir = optarg;
		else if (c == 'p')
			root = optarg;
	}
	if (c < 0)
		return g.status;
	if (optind < argc)
		return cli_usage_error("metrics", "unexpected argument '%s'",
				       argv[optind]);
	if (!dir)
		return cli_usage_error("metrics", "--prune DIR is required");
	pidns = fg_ns_inode(root, 0, "pid");
	if (!pidns) {
		cli_error("metrics",
			  "cannot read %s/self/ns/pid: nothing pruned", root);
		return FG_EXIT_UNKNOWN;
	}
	err = prune(dir, pidns, &removed);
	if (err) {
		cli_error("metrics", "cannot read %s: %s", dir, strerror(-err));
		return FG_EXIT_UNKNOWN;
	}
	printf("%u stale file(s) removed from %s\n", removed, dir);
	return fflush(stdout) ? FG_EXIT_UNKNOWN : FG_EXIT_OK;
}
