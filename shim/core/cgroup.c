/*
 * cgroup.c - where a fork's copy-on-write copies will be charged, and how
 * much room is left there.
 *
 * After a successful fork every private anonymous page is shared
 * read-only (mm/memory.c copy_present_pte write-protects both sides of a
 * COW mapping); the first write by either side copies it (do_wp_page →
 * wp_page_copy), and the new page is charged to the memory cgroup of the
 * mm that wrote (mem_cgroup_charge of vma->vm_mm in wp_page_copy) and
 * taken from the host.  This file finds that cgroup from /proc/PID/cgroup
 * (v2 "0::/path", v1 "N:memory:/path"), reads each level up to the root
 * (a limit anywhere up the tree binds), the OOM kill count and the THP
 * mode.  A container that sees its own cgroup as the root of
 * /sys/fs/cgroup (the path is not found under it) reads the root's files.
 * The sysfs root is configurable, so recorded fixtures drive every case.
 *
 * The fork path keeps a headroom read less than a second ago: a fork
 * whose worst case is below half of it reads nothing more.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "fmt.h"
#include "parse.h"
#include "policy_cow.h"
#include "procfs.h"

/* /proc/@pid/cgroup (single_open: one read returns it whole). */
static ssize_t read_membership(const char *procfs, pid_t pid, char *buf,
			       size_t len)
{
	char path[FG_PATH_MAX];
	int rc = fg_path(path, sizeof(path), procfs, pid, "cgroup");

	if (rc) {
		buf[0] = '\0';
		return rc;
	}
	return fg_read_attr(path, buf, len);
}

/* @dir/@file (dir is @at long, @cap its size) into @buf; false if not. */
static bool read_text(char *dir, size_t at, size_t cap, const char *file,
		      char *buf, size_t len)
{
	size_t n = strlen(file);
	bool ok;

	if (at + 1 + n >= cap)
		return false;
	dir[at] = '/';
	memcpy(dir + at + 1, file, n + 1);
	ok = fg_read_attr(dir, buf, len) > 0;
	dir[at] = '\0';
	return ok;
}

/* a limit or usage file in kB; FG_COW_NONE when missing or malformed */
static uint64_t read_kb(char *dir, size_t at, size_t cap, const char *file)
{
	char buf[64];
	uint64_t kb;

	if (!read_text(dir, at, cap, file, buf, sizeof(buf)) ||
	    !fg_cg_parse_kb(buf, &kb))
		return FG_COW_NONE;
	return kb;
}

/* "key N" on a line of @text (memory.events, memory.stat); -1 when absent. */
static int64_t key_value(const char *text, const char *key)
{
	size_t k = strlen(key);
	const char *p;
	uint64_t v;

	for (p = text; (p = strstr(p, key)); p += k)
		if ((p == text || p[-1] == '\n') && p[k] == ' ' &&
		    fg_parse_u64_prefix(p + k + 1, &v))
			return (int64_t)v;
	return -1;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	if (a == FG_COW_NONE || b == FG_COW_NONE)
		return FG_COW_NONE;
	return a > b ? a - b : 0;
}

/*
 * The group's clean page cache in kB, from memory.stat (bytes; v1's
 * total_* count the descendants, as v2's keys do): the file LRUs less
 * what is dirty or under writeback.  Shmem is on the anon LRUs, not here.
 * 0 when unreadable.
 */
static uint64_t read_cache(char *dir, size_t at, size_t cap, int version)
{
	static const char *const keys[2][4] = {
		{ "total_active_file", "total_inactive_file", "total_dirty",
		  "total_writeback" },
		{ "active_file", "inactive_file", "file_dirty",
		  "file_writeback" },
	};
	const char *const *k = keys[version == 2];
	char buf[4096];
	int64_t active, inactive, dirty, writeback;
	uint64_t file, busy;

	if (!read_text(dir, at, cap, "memory.stat", buf, sizeof(buf)))
		return 0;
	active = key_value(buf, k[0]);
	inactive = key_value(buf, k[1]);
	dirty = key_value(buf, k[2]);
	writeback = key_value(buf, k[3]);
	if (active < 0 || inactive < 0)
		return 0;
	file = (uint64_t)active + (uint64_t)inactive;
	busy = (uint64_t)(dirty > 0 ? dirty : 0) +
	       (uint64_t)(writeback > 0 ? writeback : 0);
	return file > busy ? (file - busy) / 1024 : 0;
}

static bool limited(const struct fg_cg_level *l)
{
	return l->max_kb != FG_COW_NONE || l->high_kb != FG_COW_NONE;
}

/* A limited level's usage: memory, swap, clean page cache. */
static void read_usage(const struct fg_memcg *cg, struct fg_cg_level *l,
		       char *dir, size_t at, size_t cap)
{
	l->cache_kb = read_cache(dir, at, cap, cg->version);
	if (cg->version == 2) {
		l->current_kb = read_kb(dir, at, cap, "memory.current");
		l->swap_current_kb = read_kb(dir, at, cap,
					     "memory.swap.current");
		return;
	}
	l->current_kb = read_kb(dir, at, cap, "memory.usage_in_bytes");
	/* memsw counts memory + swap: the swap part is the difference */
	l->swap_current_kb =
	    minus(read_kb(dir, at, cap, "memory.memsw.usage_in_bytes"),
		  l->current_kb);
}

/*
 * One level's files.  Usage, swap and page cache matter only under a
 * limit (policy_cow.c): a level with neither memory.max nor memory.high
 * (v1: limit_in_bytes) reads no more than those and oom.group; its usage
 * stays FG_COW_NONE ("not read").
 */
static void read_level(struct fg_memcg *cg, struct fg_cg_level *l, char *dir,
		       size_t at, size_t cap)
{
	char buf[16];
	bool v2 = cg->version == 2;

	l->max_kb = read_kb(dir, at, cap,
			    v2 ? "memory.max" : "memory.limit_in_bytes");
	l->high_kb = v2 ? read_kb(dir, at, cap, "memory.high") : FG_COW_NONE;
	l->oom_group = v2 &&
		       read_text(dir, at, cap, "memory.oom.group", buf,
				 sizeof(buf)) &&
		       buf[0] == '1';
	l->current_kb = l->swap_max_kb = l->swap_current_kb = FG_COW_NONE;
	l->cache_kb = 0;
	if (!limited(l))
		return;
	l->swap_max_kb =
	    v2 ? read_kb(dir, at, cap, "memory.swap.max")
	       : minus(read_kb(dir, at, cap, "memory.memsw.limit_in_bytes"),
		       l->max_kb);
	read_usage(cg, l, dir, at, cap);
}

/* @sysfs's mount of a hierarchy: v1 fs/cgroup/@ctl, v2 fs/cgroup. */
static int hierarchy(char *dir, size_t cap, const char *sysfs, int version,
		     const char *ctl)
{
	char rel[48];
	struct fg_buf b;

	fg_buf_init(&b, rel, sizeof(rel));
	fg_puts(&b, "fs/cgroup");
	if (version == 1) {
		fg_putc(&b, '/');
		fg_puts(&b, ctl);
	}
	return b.full ? -ENAMETOOLONG : fg_path(dir, cap, sysfs, -1, rel);
}

int fg_cg_dir(const char *procfs, const char *sysfs, pid_t pid, const char *ctl,
	      char *dir, size_t cap)
{
	char buf[1024], path[256];
	size_t base, len;
	ssize_t n = read_membership(procfs, pid, buf, sizeof(buf));
	int version;

	if (n < 0)
		return (int)n;
	version = fg_cg_parse_proc(buf, ctl, path, sizeof(path));
	if (!version || hierarchy(dir, cap, sysfs, version, ctl))
		return 0;
	base = strlen(dir);
	len = strlen(path);
	while (len && path[len - 1] == '/')
		len--;
	if (base + len >= cap)
		return 0;
	memcpy(dir + base, path, len);
	dir[base + len] = '\0';
	return version;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* what a walk starts from: nothing found yet, the THP mode */
static void walk_start(const char *sysfs, struct fg_memcg *cg)
{
	char path[FG_PATH_MAX * 2], buf[128];

	memset(cg, 0, sizeof(*cg));
	cg->oom_kill = -1;
	if (fg_path(path, sizeof(path), sysfs, -1,
		    "kernel/mm/transparent_hugepage/enabled") == 0 &&
	    fg_read_attr(path, buf, sizeof(buf)) > 0)
		fg_cg_parse_thp(buf, cg->thp, sizeof(cg->thp));
}

/* @sysfs's directory of the memory hierarchy into @dir, room left for a
 * level's path and a file's name; its length, or 0 if it does not fit */
static size_t memory_root(const char *sysfs, const struct fg_memcg *cg,
			  char *dir, size_t cap)
{
	if (hierarchy(dir, cap - strlen(cg->path) - 32, sysfs, cg->version,
		      "memory"))
		return 0;
	return strlen(dir);
}

/* Each level from the group that @membership (/proc/PID/cgroup) names up
 * to the root, after walk_start. */
static void walk(const char *sysfs, const char *membership, struct fg_memcg *cg)
{
	char buf[1024], dir[FG_PATH_MAX * 2];
	size_t base, len, at;

	cg->version = fg_cg_parse_proc(membership, "memory", cg->path,
				       sizeof(cg->path));
	if (!cg->version)
		return;
	base = memory_root(sysfs, cg, dir, sizeof(dir));
	if (!base) {
		cg->version = 0;
		return;
	}
	len = strlen(cg->path);
	while (len && cg->path[len - 1] == '/')
		len--;
	memcpy(dir + base, cg->path, len);
	dir[base + len] = '\0';
	if (len && !is_dir(dir)) {
		/* a cgroup namespace's view: the root is the process's own */
		cg->container_view = true;
		len = 0;
	}
	for (;;) {
		struct fg_cg_level *l = &cg->lvl[cg->nlvl++];

		at = base + len;
		dir[at] = '\0';
		l->path_len = (uint16_t)(cg->container_view ? 0 : len);
		read_level(cg, l, dir, at, sizeof(dir));
		if (cg->nlvl == 1 &&
		    read_text(dir, at, sizeof(dir),
			      cg->version == 2 ? "memory.events"
					       : "memory.oom_control",
			      buf, sizeof(buf)))
			cg->oom_kill = key_value(buf, "oom_kill");
		if (!len || cg->nlvl == FG_CG_LEVELS)
			break;
		while (len && cg->path[len - 1] != '/')
			len--;
		while (len && cg->path[len - 1] == '/')
			len--;
	}
}

int fg_memcg_read(const char *procfs, const char *sysfs, pid_t pid,
		  struct fg_memcg *cg)
{
	char buf[1024];
	ssize_t n;

	walk_start(sysfs, cg);
	n = read_membership(procfs, pid, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	walk(sysfs, buf, cg);
	return 0;
}

int fg_memcg_renew(const char *sysfs, struct fg_memcg *cg)
{
	char dir[FG_PATH_MAX * 2];
	size_t base;
	int rc = 0;

	if (!cg->version)
		return 0;
	base = memory_root(sysfs, cg, dir, sizeof(dir));
	if (!base)
		return -ENAMETOOLONG;
	for (unsigned i = 0; i < cg->nlvl; i++) {
		struct fg_cg_level *l = &cg->lvl[i];

		if (!limited(l))
			continue;
		memcpy(dir + base, cg->path, l->path_len);
		dir[base + l->path_len] = '\0';
		read_usage(cg, l, dir, base + l->path_len, sizeof(dir));
		if (l->current_kb == FG_COW_NONE)
			rc = -ENOENT; /* the group gone: moved, removed */
	}
	return rc;
}

int fg_cow_check(const char *procfs, const char *sysfs, pid_t pid,
		 const struct fg_sys *s, struct fg_cow *out)
{
	struct fg_memcg cg;
	int cg_rc;

	return fg_cow_check_cg(procfs, sysfs, pid, s, out, &cg, &cg_rc);
}

int fg_cow_check_cg(const char *procfs, const char *sysfs, pid_t pid,
		    const struct fg_sys *s, struct fg_cow *out,
		    struct fg_memcg *cg, int *cg_rc)
{
	char buf[128];
	uint64_t anon;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->checked = true;
	out->oom_kill_count = -1;
	*cg_rc = -ENODATA; /* not read */
	n = fg_read(procfs, pid, "statm", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (!fg_parse_statm_anon(buf, &anon))
		return -EINVAL;
	*cg_rc = fg_memcg_read(procfs, sysfs, pid, cg);
	fg_cow_eval(cg, s, anon * (s && s->page_kb ? s->page_kb : 4), out);
	out->oom_kill_count = cg->oom_kill;
	return 0;
}
