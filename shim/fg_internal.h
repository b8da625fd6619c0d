/*
 * fg_internal.h - what the modules of libforkguard share and do not export.
 *
 * The library is built with -fvisibility=hidden: everything here is
 * internal; include/forkguard.h (FG_API) and interpose.c are the exports.
 * Conventions: actions return 0 or -errno, predicates return bool.
 */
#ifndef FG_INTERNAL_H
#define FG_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "forkguard.h"

#define FG_PATH_MAX 256

/* --- policy.c --- */
bool fg_parse_release(const char *release, int *major, int *minor);
/*
 * fg_vma_estimate - without VmFlags (< 3.8): decide @v's account and
 * unsure from its perms, its name and whether its pages were @written
 * (smaps Anonymous or Swap).
 */
void fg_vma_estimate(struct fg_vma *v, bool written);
/* fg_eval_charge_max - the upper bound of the charge, in pages. */
uint64_t fg_eval_charge_max(const struct fg_eval *ev);
/*
 * fg_eval_margin_kb - the binding limit minus what the rule compares with
 * it (mode 0: the largest VMA; mode 2: committed + the charge), in kB;
 * negative when over.
 */
int64_t fg_eval_margin_kb(const struct fg_eval *ev);

/* --- parse.c: pure parsers of /proc text (buffers NUL-terminated) --- */

/* fg_parse_meminfo - the meminfo fields of @s from @buf; false if empty. */
bool fg_parse_meminfo(const char *buf, struct fg_sys *s);
/* fg_parse_status - Name, VmSize, VmRSS, CapEff; @cap_admin from CapEff. */
bool fg_parse_status(const char *buf, struct fg_task *t, bool *cap_admin);
/* fg_parse_statm - total_vm and rss in pages (each at most FG_PAGES_MAX). */
#define FG_PAGES_MAX (UINT64_C(1) << 52)
bool fg_parse_statm(const char *buf, uint64_t *size, uint64_t *resident);
/* fg_parse_statm_anon - resident - shared (RssAnon) in pages. */
bool fg_parse_statm_anon(const char *buf, uint64_t *anon);
/* fg_parse_u64 - a decimal number (leading blanks, trailing newline ok). */
bool fg_parse_u64(const char *buf, uint64_t *v);
/* fg_parse_u64_prefix - the decimal number @buf starts with. */
bool fg_parse_u64_prefix(const char *buf, uint64_t *v);
/* fg_parse_cpulist - the number of CPUs in a list such as "0-3,8". */
unsigned fg_parse_cpulist(const char *buf);
/*
 * fg_parse_maps_line - a maps/smaps VMA header "start-end perms off dev
 * ino [name]" of @len bytes.  Fills range, name, and account as the maps
 * upper bound (private mapping).  False if the line is not a header.
 */
bool fg_parse_maps_line(const char *line, size_t len, struct fg_vma *v);
/* fg_parse_vmflags - a "VmFlags: ..." line: sets account and dontcopy. */
bool fg_parse_vmflags(const char *line, size_t len, struct fg_vma *v);

/*
 * struct fg_zone_acc - totalreserve_pages as calculate_totalreserve_pages()
 * does it: per zone max(lowmem_reserve) + high watermark, capped at managed.
 */
struct fg_zone_acc {
	uint64_t total, high, managed, prot;
	bool in_zone;
};
void fg_zoneinfo_line(struct fg_zone_acc *z, const char *line, size_t len);
uint64_t fg_zoneinfo_end(struct fg_zone_acc *z);

/* --- procfs.c: I/O, no heap --- */

/*
 * fg_path - "@root/@pid/@rel" (@pid 0: "self", -1: no pid part) into
 * @buf.  Returns 0 or -ENAMETOOLONG.
 */
int fg_path(char *buf, size_t len, const char *root, pid_t pid,
	    const char *rel);
/* fg_read_path - read up to @len-1 bytes of @path, NUL-terminated. */
ssize_t fg_read_path(const char *path, char *buf, size_t len);
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

/* fg_init_user_ns - is @pid in the initial user namespace (unknown: yes)? */
bool fg_init_user_ns(const char *root, pid_t pid);

/*
 * fg_errno_keep - put errno back to @err, writing only if it changed: after
 * fork every page written faults once (copy-on-write), errno's included.
 */
static inline void fg_errno_keep(int err)
{
	if (errno != err)
		errno = err;
}

/*
 * fg_trylock - a try-lock that fork cannot leave stuck.  It holds the
 * owner's pid: our own pid means a sibling thread has it (the caller takes
 * a slower path, it never waits); another pid is a parent's, frozen by the
 * fork that made us, and is taken over.
 */
static inline bool fg_trylock(pid_t *lock, pid_t self)
{
	pid_t cur = __atomic_load_n(lock, __ATOMIC_ACQUIRE);

	if (cur == self)
		return false;
	return __atomic_compare_exchange_n(lock, &cur, self, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void fg_unlock(pid_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

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
#define FG_KEPT_INIT           \
	{                      \
		-1, 0, 0, 0, 0 \
	}
/*
 * fg_kept_read - pread @k as process @self; it is (re)opened from
 * @root/@rel (rel e.g. "self/statm") when it is not yet ours or no longer
 * the same file.  Bytes or -errno; errno is kept.
 */
ssize_t fg_kept_read(struct fg_kept *k, pid_t self, const char *root,
		     const char *rel, char *buf, size_t len);

/* --- report_warn.c --- */

/*
 * fg_report_warning_json - each line of the warning @text (@n bytes) as
 * one JSON object, {"event":"warning","pid":@pid,"message":"..."}, into
 * @buf; returns the length, or 0 (and @buf empty) when they do not fit.
 */
size_t fg_report_warning_json(long pid, const char *text, size_t n, char *buf,
			      size_t len);

#endif /* FG_INTERNAL_H */
