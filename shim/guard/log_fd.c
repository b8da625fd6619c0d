/*
 * log_fd.c - the sinks' file descriptors: kept ones, checked before each
 * use (the host may have closed the number and reused it), renewed in a
 * forked child, and whole writes.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log_fd.h"
#include "procfs.h"

bool fg_kept_ours(const struct kept *k)
{
	struct stat st;

	return k->fd >= 0 && !fstat(k->fd, &st) && st.st_dev == k->dev &&
	       st.st_ino == k->ino;
}

int fg_keep(struct kept *k, int fd)
{
	struct stat st;

	if (fd < 0)
		return -errno;
	fd = fg_fd_high(fd);
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	k->fd = fd;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->owner = getpid();
	return fd;
}

/* our fd for @k in this process, or -1 (a child reopens what @reopen says) */
int fg_kept_fd(struct kept *k, bool reopen)
{
	if (fg_kept_ours(k)) {
		if (k->owner == getpid() && !reopen)
			return k->fd;
		if (k->owner != getpid() && !reopen) {
			k->owner = getpid();
			return k->fd;
		}
		close(k->fd);
	}
	k->fd = -1;
	return -1;
}

/* 0, or -errno; a short write that the next one cannot finish is an error */
int fg_write_all(int fd, const char *p, size_t n, bool *cut)
{
	ssize_t w;
	size_t left = n;

	while (left) {
		w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (cut)
				*cut = left != n;
			return w < 0 ? -errno : -EIO;
		}
		p += w;
		left -= (size_t)w;
	}
	return 0;
}

/* fd 2 is open and not /dev/null */
bool fg_stderr_usable(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st))
		return false;
	return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}
