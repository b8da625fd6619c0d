/*
 * procfs.h - zero-allocation readers of a procfs root: its files
 * (procfs.c), the host's zone reserves (procfs_sys.c), a task's
 * namespaces (procfs_task.c), what a process knows of its own mappings
 * (procfs_vmas.c).
 *
 * Actions return 0 or -errno (readers: bytes or -errno).
 */
#ifndef FG_PROCFS_H
#define FG_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

#include "forkguard.h"

#define FG_PATH_MAX 256

/*
 * fg_path - "@root/@pid/@rel" (@pid 0: "self", -1: no pid part) into
 * @buf.  Returns 0 or -ENAMETOOLONG.
 */
int fg_path(char *buf, size_t len, const char *root, pid_t pid,
	    const char *rel);
/*
 * fg_procfs_live - is @root a mounted procfs (/proc, or a bind of it: the
 * running kernel, whose /sys is ours) rather than a recorded tree (which
 * carries its own "cpus")?
 */
bool fg_procfs_live(const char *root);
/* fg_read_path - read up to @len-1 bytes of @path, NUL-terminated. */
ssize_t fg_read_path(const char *path, char *buf, size_t len);
/*
 * fg_read_attr - fg_read_path for a file whose whole text one read returns
 * when it fits: a sysfs or cgroup attribute (one show per read, kernfs and
 * sysfs since 2.6), a procfs file made by single_open (/proc/PID/cgroup),
 * a regular file.  A short read ends it: no second read to find the end
 * (the cgroup walk after a fork opens, reads and closes each of its files:
 * a read of 0 was one syscall in four of each).  Not for a file of many
 * records (/proc/PID/maps, zoneinfo), where a read may stop short of the
 * end.
 */
ssize_t fg_read_attr(const char *path, char *buf, size_t len);
/* fg_read - fg_path + fg_read_path.  Returns bytes or -errno. */
ssize_t fg_read(const char *root, pid_t pid, const char *rel, char *buf,
		size_t len);

/*
 * fg_lines - call @fn for each line of the file at @path, reading through
 * @buf (its size bounds the longest line; longer lines are cut).
 * Returns 0 or -errno.
 */
int fg_lines(const char *path, char *buf, size_t len,
	     void (*fn)(const char *line, size_t n, void *arg), void *arg);

/*
 * fg_stat_read - @root/@pid/stat parsed (parse.h struct fg_stat).
 * Returns 0, -errno of the read, or -EINVAL.
 */
struct fg_stat;
int fg_stat_read(const char *root, pid_t pid, struct fg_stat *st);
/*
 * fg_comm_read - @root/@pid/comm without its newline, cut to @len - 1
 * bytes, into @out.  Returns 0 or -errno (then @out is "").
 */
int fg_comm_read(const char *root, pid_t pid, char *out, size_t len);

/* fg_ns_inode - the inode of @pid's namespace @type ("pid", "user"): what
 * @root/PID/ns/TYPE links to; 0 when unreadable. */
uint64_t fg_ns_inode(const char *root, pid_t pid, const char *type);
/* fg_init_user_ns - is @pid in the initial user namespace (unknown: yes)? */
bool fg_init_user_ns(const char *root, pid_t pid);

/*
 * fg_totalreserve_read - s->totalreserve_kb from @root/zoneinfo (left as
 * it was when zoneinfo cannot be read).  Returns 0 or -errno.
 */
int fg_totalreserve_read(const char *root, struct fg_sys *s);

/*
 * struct fg_kept - a procfs file kept open across forks and pread again.
 * Reopened when the owner pid changed (a child closes the inherited fd
 * first) or the fd no longer is the file we opened (a program may close
 * every fd and reuse the number: then it is not ours to close).
 */
struct fg_kept {
	int fd;
	pid_t owner;
	dev_t dev;
	ino_t ino;
	pid_t lock;
};
/*
 * fg_fd_high - @fd (ours, kept) moved to 48-63 when one is free: within
 * the 64 fds the kernel embeds in each process's table on 64-bit (on
 * 32-bit, 32: there the table grows); else at least off 0-2; else as it
 * was.  A program that closes every fd and opens its own gets the lowest
 * free numbers: they are then not ours, and its stdio slots are its own.
 * Returns the fd; errno is kept.
 */
#define FG_KEPT_FD_MIN 48
int fg_fd_high(int fd);
#define FG_KEPT_INIT           \
	{                      \
		-1, 0, 0, 0, 0 \
	}
/*
 * fg_kept_read - pread @k as process @self, after a fstat that says it is
 * still the file it opened; it is (re)opened from @root/@rel (rel e.g.
 * "self/statm") when it is not yet ours or no longer the same file.  Bytes
 * or -errno; errno is kept.
 */
ssize_t fg_kept_read(struct fg_kept *k, pid_t self, const char *root,
		     const char *rel, char *buf, size_t len);

/*
 * fg_vmas_set_known - register what the process knows of its own mappings
 * (@fn(start, end), lock-free, no heap; NULL: nothing).  fg_vmas_walk()
 * asks it in the estimate tier (no VmFlags) for every VMA left unsure,
 * and only when it walks the calling process in a live /proc.  The
 * library registers it where smaps has no VmFlags; the command never does.
 */
typedef enum fg_known (*fg_vma_known_fn)(uint64_t start, uint64_t end);
void fg_vmas_set_known(fg_vma_known_fn fn);

#endif /* FG_PROCFS_H */
