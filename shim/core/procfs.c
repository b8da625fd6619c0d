/*
 * procfs.c - read the files of a procfs root, into the caller's buffers.
 *
 * The root is "/proc" in production and a recorded snapshot directory in
 * tests, so every path is built from it (sys/vm/..., meminfo, PID/smaps).
 * Reads go into the caller's stack buffers: no heap, no stdio, safe on the
 * fork path; errno is kept.  A file read on every fork can stay open
 * across forks (struct fg_kept).  What the files mean: procfs_sys.c (the
 * host), procfs_task.c (a task), procfs_vmas.c (its VMAs), task_limits.c (its
 * task-count limits); the parsers are in parse.c.
 */
#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fmt.h"
#include "forksafe.h"
#include "procfs.h"

int fg_path(char *buf, size_t len, const char *root, pid_t pid, const char *rel)
{
	struct fg_buf b;

	fg_buf_init(&b, buf, len);
	fg_puts(&b, root);
	if (pid > 0) {
		fg_putc(&b, '/');
		fg_putu(&b, (uint64_t)pid);
	} else if (pid == 0) {
		fg_puts(&b, "/self");
	}
	fg_putc(&b, '/');
	fg_puts(&b, rel);
	return b.full ? -ENAMETOOLONG : 0;
}

/* @short_ends: a short read is the whole file (see fg_read_attr) */
static ssize_t read_fd(int fd, char *buf, size_t len, bool positional,
		       bool short_ends)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len) {
		n = positional ? pread(fd, buf + got, len - 1 - got, (off_t)got)
			       : read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
		if (short_ends && got + 1 < len)
			break;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

static ssize_t read_path(const char *path, char *buf, size_t len,
			 bool short_ends)
{
	int fd, err = errno;
	ssize_t n;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		n = -errno;
		fg_errno_keep(err);
		return n;
	}
	n = read_fd(fd, buf, len, false, short_ends);
	close(fd);
	fg_errno_keep(err);
	return n;
}

ssize_t fg_read_path(const char *path, char *buf, size_t len)
{
	return read_path(path, buf, len, false);
}

ssize_t fg_read_attr(const char *path, char *buf, size_t len)
{
	return read_path(path, buf, len, true);
}

ssize_t fg_read(const char *root, pid_t pid, const char *rel, char *buf,
		size_t len)
{
	char path[FG_PATH_MAX];
	int rc = fg_path(path, sizeof(path), root, pid, rel);

	if (rc) {
		if (len)
			buf[0] = '\0';
		return rc;
	}
	return fg_read_path(path, buf, len);
}

int fg_lines(const char *path, char *buf, size_t len,
	     void (*fn)(const char *line, size_t n, void *arg), void *arg)
{
	int fd, err = errno, rc = 0;
	size_t have = 0, start, i;
	const char *nl;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		fg_errno_keep(err);
		return rc;
	}
	for (;;) {
		n = read(fd, buf + have, len - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			if (have)
				fn(buf, have, arg);
			break;
		}
		have += (size_t)n;
		start = 0;
		while ((nl = memchr(buf + start, '\n', have - start))) {
			i = (size_t)(nl - buf);
			fn(buf + start, i - start, arg);
			start = i + 1;
		}
		if (start == 0 && have == len) {
			/* a line longer than the buffer: cut it */
			fn(buf, have, arg);
			have = 0;
			continue;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	close(fd);
	fg_errno_keep(err);
	return rc;
}

/* Is @fd still the file @k opened?  (The host may close and reuse it.) */
static bool kept_same(const struct fg_kept *k, int fd)
{
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) && st.st_dev == k->dev &&
	       st.st_ino == k->ino;
}

int fg_fd_high(int fd)
{
	int err = errno, high;

	if (fd < 0 || fd >= FG_KEPT_FD_MIN)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, FG_KEPT_FD_MIN);
	if (high >= 64) { /* 48-63 all taken: not kept past the table */
		close(high);
		high = -1;
	}
	/* off the standard three at least: a program that closed them
	 * opens /dev/null to fill them, and asks whether fd 2 is open */
	if (high < 0 && fd <= STDERR_FILENO)
		high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	fg_errno_keep(err);
	return fd;
}

/* Out of line: the path and the lock are for the first read only (and
 * for a child, or after the fd was lost); the fork path's stack stays
 * short. */
__attribute__((noinline)) static ssize_t
kept_reopen(struct fg_kept *k, pid_t self, const char *root, const char *rel,
	    char *buf, size_t len, int err)
{
	char path[FG_PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	n = fg_path(path, sizeof(path), root, -1, rel);
	if (n)
		return n;
	if (!fg_trylock(&k->lock, self))
		return fg_read_path(path, buf, len);
	if (k->owner != self || !kept_same(k, k->fd)) {
		/* inherited from a parent: ours to close; reused: not ours */
		if (k->owner != self && kept_same(k, k->fd))
			close(k->fd);
		__atomic_store_n(&k->fd, -1, __ATOMIC_RELEASE);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st)) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			n = -errno;
			fg_unlock(&k->lock);
			fg_errno_keep(err);
			return n;
		}
		fd = fg_fd_high(fd);
		/* the identity first, the owner last: see the unlocked read */
		k->dev = st.st_dev;
		k->ino = st.st_ino;
		__atomic_store_n(&k->fd, fd, __ATOMIC_RELEASE);
		__atomic_store_n(&k->owner, self, __ATOMIC_RELEASE);
	}
	/* a short pread of a procfs file is the whole file */
	n = read_fd(k->fd, buf, len, true, true);
	fg_unlock(&k->lock);
	fg_errno_keep(err);
	return n;
}

ssize_t fg_kept_read(struct fg_kept *k, pid_t self, const char *root,
		     const char *rel, char *buf, size_t len)
{
	int err = errno, fd;
	ssize_t n;

	/*
	 * Ours and still the same file: read without the lock, which is a
	 * store, and every store after a fork is a page fault.  A sibling
	 * reopening meanwhile makes kept_same fail: then the locked path.
	 * The fstat comes first: a number the host reused may hold a file
	 * whose read blocks or consumes (/dev/kmsg, a FUSE file it serves).
	 */
	fd = __atomic_load_n(&k->fd, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&k->owner, __ATOMIC_ACQUIRE) != self ||
	    !kept_same(k, fd)) {
		fg_errno_keep(err); /* fstat of a closed fd: EBADF */
		return kept_reopen(k, self, root, rel, buf, len, err);
	}
	n = read_fd(fd, buf, len, true, true);
	fg_errno_keep(err);
	return n;
}

bool fg_procfs_live(const char *root)
{
	struct statfs st;

	return !statfs(root, &st) && st.f_type == PROC_SUPER_MAGIC;
}
