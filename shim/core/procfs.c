/*
 * procfs.c - read the host's and a process's numbers from a procfs root.
 *
 * The root is "/proc" in production and a recorded snapshot directory in
 * tests, so every path is built from it (sys/vm/..., meminfo, PID/smaps).
 * Reads go into the caller's stack buffers: no heap, no stdio, safe on the
 * fork path.  Sysctls are read with small buffers (the kernel allocates
 * the size asked for).  Parsing lives in parse.c.
 */
#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "fmt.h"
#include "forksafe.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

#define PROC_USER_INIT_INO 4026531837ULL /* the initial user namespace */

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

static ssize_t read_fd(int fd, char *buf, size_t len, bool positional)
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
		/* a short pread of a procfs file is the whole file */
		if (positional && got + 1 < len)
			break;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

ssize_t fg_read_path(const char *path, char *buf, size_t len)
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
	n = read_fd(fd, buf, len, false);
	close(fd);
	fg_errno_keep(err);
	return n;
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
		/* the identity first, the owner last: see the unlocked read */
		k->dev = st.st_dev;
		k->ino = st.st_ino;
		__atomic_store_n(&k->fd, fd, __ATOMIC_RELEASE);
		__atomic_store_n(&k->owner, self, __ATOMIC_RELEASE);
	}
	n = read_fd(k->fd, buf, len, true);
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
	 */
	fd = __atomic_load_n(&k->fd, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&k->owner, __ATOMIC_ACQUIRE) != self ||
	    !kept_same(k, fd)) {
		fg_errno_keep(err); /* fstat of a closed fd: EBADF */
		return kept_reopen(k, self, root, rel, buf, len, err);
	}
	n = read_fd(fd, buf, len, true);
	fg_errno_keep(err);
	return n;
}

static void zone_line(const char *line, size_t n, void *arg)
{
	fg_zoneinfo_line(arg, line, n);
}

static uint64_t read_sysctl(const char *root, const char *rel, int *err)
{
	char buf[32];
	uint64_t v = 0;
	ssize_t n = fg_read(root, -1, rel, buf, sizeof(buf));

	if (n < 0 || !fg_parse_u64(buf, &v)) {
		if (err)
			*err = n < 0 ? (int)n : -EINVAL;
		return 0;
	}
	return v;
}

bool fg_procfs_live(const char *root)
{
	struct statfs st;

	return !statfs(root, &st) && st.f_type == PROC_SUPER_MAGIC;
}

static unsigned read_ncpus(const char *root)
{
	char buf[128];
	unsigned n = 0;

	if (fg_procfs_live(root)) {
		if (fg_read_path("/sys/devices/system/cpu/present", buf,
				 sizeof(buf)) > 0)
			n = fg_parse_cpulist(buf);
	} else if (fg_read(root, -1, "cpus", buf, sizeof(buf)) > 0) {
		n = fg_parse_cpulist(buf);
	}
	return n ? n : 1;
}

int fg_sys_read(const char *root, struct fg_sys *s)
{
	char buf[4096];
	int err = 0;
	uint64_t mode;

	memset(s, 0, sizeof(*s));
	s->page_kb = (unsigned)(sysconf(_SC_PAGESIZE) / 1024);
	if (!s->page_kb)
		s->page_kb = 4;
	mode = read_sysctl(root, "sys/vm/overcommit_memory", &err);
	s->mode = mode <= 2 ? (int)mode : -1;
	s->ratio = read_sysctl(root, "sys/vm/overcommit_ratio", NULL);
	s->kbytes = read_sysctl(root, "sys/vm/overcommit_kbytes", NULL);
	s->admin_reserve_kb = read_sysctl(root, "sys/vm/admin_reserve_kbytes",
					  NULL);
	s->user_reserve_kb = read_sysctl(root, "sys/vm/user_reserve_kbytes",
					 NULL);
	if (fg_read(root, -1, "sys/kernel/osrelease", s->release,
		    sizeof(s->release)) > 0) {
		s->release[strcspn(s->release, "\n")] = '\0';
		fg_parse_release(s->release, &s->kmajor, &s->kminor);
	}
	s->rule = fg_rule_for_release(s->release);
	s->ncpus = read_ncpus(root);
	if (fg_read(root, -1, "meminfo", buf, sizeof(buf)) < 0 ||
	    !fg_parse_meminfo(buf, s))
		err = err ? err : -EINVAL;
	/* only the free-memory rules use it, but a rule may be forced */
	if (s->mode == 0)
		fg_totalreserve_read(root, s);
	return err;
}

int fg_totalreserve_read(const char *root, struct fg_sys *s)
{
	struct fg_zone_acc z = { 0 };
	char path[FG_PATH_MAX], buf[4096];
	int rc = fg_path(path, sizeof(path), root, -1, "zoneinfo");

	if (!rc)
		rc = fg_lines(path, buf, sizeof(buf), zone_line, &z);
	if (!rc)
		s->totalreserve_kb = fg_zoneinfo_end(&z) * s->page_kb;
	return rc;
}

uint64_t fg_ns_inode(const char *root, pid_t pid, const char *type)
{
	char path[FG_PATH_MAX], rel[16] = "ns/", link[64];
	size_t t = strlen(type);
	ssize_t n;
	uint64_t ino;

	if (t > sizeof(rel) - 4)
		return 0;
	memcpy(rel + 3, type, t + 1);
	if (fg_path(path, sizeof(path), root, pid, rel))
		return 0;
	/* "type:[inode]" */
	n = readlink(path, link, sizeof(link) - 1);
	if (n < (ssize_t)t + 4 || memcmp(link, type, t) || link[t] != ':' ||
	    link[t + 1] != '[' || link[n - 1] != ']')
		return 0;
	link[n - 1] = '\0';
	return fg_parse_u64(link + t + 2, &ino) ? ino : 0;
}

bool fg_init_user_ns(const char *root, pid_t pid)
{
	uint64_t ino = fg_ns_inode(root, pid, "user");

	return !ino || ino == PROC_USER_INIT_INO;
}

int fg_task_read(const char *root, pid_t pid, struct fg_task *t)
{
	char buf[4096];
	uint64_t size, resident;
	bool cap;
	ssize_t n;
	unsigned page_kb = (unsigned)(sysconf(_SC_PAGESIZE) / 1024);

	memset(t, 0, sizeof(*t));
	t->pid = pid ? pid : getpid();
	n = fg_read(root, pid, "status", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (!fg_parse_status(buf, t, &cap))
		return -EINVAL;
	t->admin = cap && fg_init_user_ns(root, pid);
	/* statm is the cheap and exact total_vm; status may be truncated */
	if (fg_read(root, pid, "statm", buf, sizeof(buf)) > 0 &&
	    fg_parse_statm(buf, &size, &resident)) {
		t->vsz_kb = size * page_kb;
		t->rss_kb = resident * page_kb;
	}
	return 0;
}

struct walk {
	struct fg_eval *ev;
	struct fg_vma vma;
	enum fg_walk how;
	fg_vma_known_fn known; /* the process's own knowledge, or NULL */
	bool pending, written;
	unsigned long headers, flags;
};

static bool hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "Key:   N kB" with N > 0? */
static bool nonzero_field(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key);
	const char *p = line + k, *end = line + n;

	if (n <= k || memcmp(line, key, k))
		return false;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '0'))
		p++;
	return p < end && *p >= '1' && *p <= '9';
}

/* The pending VMA is complete: classify it (estimate) and charge it. */
static void walk_flush(struct walk *w)
{
	if (!w->pending)
		return;
	if (w->how == FG_WALK_ESTIMATE) {
		fg_vma_estimate(&w->vma, w->written);
		if (w->known && w->vma.unsure != FG_SURE)
			fg_vma_settle(&w->vma,
				      w->known(w->vma.start, w->vma.end));
	}
	fg_eval_vma(w->ev, &w->vma);
	w->pending = false;
}

static void walk_line(const char *line, size_t n, void *arg)
{
	struct walk *w = arg;
	struct fg_vma v;

	/* smaps: ~25 lines per VMA; the header, VmFlags, and (estimate)
	 * whether pages were written: Anonymous (2.6.34+) or Swap */
	if (n && !hex_digit(line[0]) && line[0] != 'V' &&
	    (w->how != FG_WALK_ESTIMATE || (line[0] != 'A' && line[0] != 'S')))
		return;
	if (fg_parse_maps_line(line, n, &v)) {
		if (w->how != FG_WALK_EXACT)
			walk_flush(w);
		w->vma = v;
		w->pending = true;
		w->written = false;
		w->headers++;
		return;
	}
	if (w->how == FG_WALK_ESTIMATE && w->pending &&
	    (nonzero_field(line, n, "Anonymous:") ||
	     nonzero_field(line, n, "Swap:")))
		w->written = true;
	if (w->how == FG_WALK_EXACT && w->pending &&
	    fg_parse_vmflags(line, n, &w->vma)) {
		fg_eval_vma(w->ev, &w->vma);
		w->pending = false;
		w->flags++;
	}
}

static fg_vma_known_fn known_fn;

void fg_vmas_set_known(fg_vma_known_fn fn)
{
	__atomic_store_n(&known_fn, fn, __ATOMIC_RELEASE);
}

int fg_vmas_walk(const char *root, pid_t pid, enum fg_walk how,
		 struct fg_eval *ev)
{
	char path[FG_PATH_MAX], buf[16384];
	struct walk w = { .ev = ev, .how = how };
	bool exact = how == FG_WALK_EXACT;
	int rc = fg_path(path, sizeof(path), root, pid,
			 how == FG_WALK_BOUND ? "maps" : "smaps");

	if (rc)
		return rc;
	w.known = __atomic_load_n(&known_fn, __ATOMIC_ACQUIRE);
	if (w.known && (how != FG_WALK_ESTIMATE ||
			(pid > 0 && pid != getpid()) || !fg_procfs_live(root)))
		w.known = NULL;
	rc = fg_lines(path, buf, sizeof(buf), walk_line, &w);
	if (rc && how == FG_WALK_ESTIMATE && !w.headers &&
	    !fg_path(path, sizeof(path), root, pid, "maps"))
		/* smaps unreadable: maps, without the written pages */
		rc = fg_lines(path, buf, sizeof(buf), walk_line, &w);
	if (!exact)
		walk_flush(&w);
	if (!rc && w.headers == 0)
		rc = -ENODATA;
	/* smaps without VmFlags (< 3.8) or cut short: not exact */
	if (!rc && exact && w.flags != w.headers)
		rc = -ENOTSUP;
	return rc;
}

static int64_t limit_value(const char *buf)
{
	uint64_t v;

	if (!strncmp(buf, "max", 3))
		return FG_LIMIT_NONE;
	return fg_parse_u64(buf, &v) && v < (uint64_t)INT64_MAX
		   ? (int64_t)v
		   : FG_LIMIT_UNKNOWN;
}

int fg_limits_read_at(const char *root, const char *sysfs, pid_t pid,
		      struct fg_limits *l)
{
	char buf[512], path[FG_PATH_MAX + 256];
	const char *p;
	struct rlimit rl;
	uint64_t v;
	size_t n;

	l->nproc_limit = l->pids_max = l->pids_current = FG_LIMIT_UNKNOWN;
	l->threads_max = l->threads = FG_LIMIT_UNKNOWN;
	if (!pid && !getrlimit(RLIMIT_NPROC, &rl))
		l->nproc_limit = rl.rlim_cur == RLIM_INFINITY
				     ? FG_LIMIT_NONE
				     : (int64_t)rl.rlim_cur;
	if (fg_read(root, -1, "sys/kernel/threads-max", buf, 32) > 0)
		l->threads_max = limit_value(buf);
	/* loadavg: "0.00 0.01 0.05 1/123 456": 123 tasks in all */
	if (fg_read(root, -1, "loadavg", buf, sizeof(buf)) > 0 &&
	    (p = strchr(buf, '/')) && fg_parse_u64_prefix(p + 1, &v))
		l->threads = (int64_t)v;
	/* the pids controller's cgroup: v2, or v1 under fs/cgroup/pids */
	if (fg_cg_dir(root, sysfs, pid, "pids", path, sizeof(path) - 16) <= 0)
		return 0;
	n = strlen(path);
	strcpy(path + n, "/pids.max");
	if (fg_read_path(path, buf, 64) > 0)
		l->pids_max = limit_value(buf);
	strcpy(path + n, "/pids.current");
	if (fg_read_path(path, buf, 64) > 0)
		l->pids_current = limit_value(buf);
	return 0;
}

int fg_limits_read(const char *root, pid_t pid, struct fg_limits *l)
{
	return fg_limits_read_at(root, "/sys", pid, l);
}
