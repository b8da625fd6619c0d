/*
 * log_fd.h - the sinks' kept file descriptors and whole writes (log_fd.c).
 */
#ifndef FG_LOG_FD_H
#define FG_LOG_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct kept {
	int fd;
	dev_t dev;
	ino_t ino;
	pid_t owner;
};

/* fg_kept_ours - @k's fd is still the file we opened (device, inode). */
bool fg_kept_ours(const struct kept *k);
/* fg_keep - keep @fd (or -errno from the open) in @k: the fd, or -errno. */
int fg_keep(struct kept *k, int fd);
/* fg_kept_fd - our fd for @k in this process, or -1 (closed and forgotten
 * when @reopen, or when it is no longer ours). */
int fg_kept_fd(struct kept *k, bool reopen);
/* fg_write_all - write @n bytes: 0 or -errno; *@cut says a line was cut. */
int fg_write_all(int fd, const char *p, size_t n, bool *cut);
/* fg_stderr_usable - fd 2 is open and not /dev/null. */
bool fg_stderr_usable(void);

#endif /* FG_LOG_FD_H */
