/*
 * task_limits.c - the task-count limits that make a fork fail with EAGAIN
 * rather than ENOMEM: RLIMIT_NPROC, kernel.threads-max against the tasks
 * in loadavg, and the pids controller of the task's cgroup (v2, or v1
 * under fs/cgroup/pids, found through cgroup.c).
 */
#include <string.h>
#include <sys/resource.h>

#include "cgroup.h"
#include "task_limits.h"
#include "parse.h"
#include "procfs.h"

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
	if (fg_read_attr(path, buf, 64) > 0)
		l->pids_max = limit_value(buf);
	strcpy(path + n, "/pids.current");
	if (fg_read_attr(path, buf, 64) > 0)
		l->pids_current = limit_value(buf);
	return 0;
}

int fg_limits_read(const char *root, pid_t pid, struct fg_limits *l)
{
	return fg_limits_read_at(root, "/sys", pid, l);
}
