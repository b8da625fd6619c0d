/*
 * procfs_task.c - one task's facts from a procfs root: status (its
 * commit charge, CAP_SYS_ADMIN), statm (total_vm, resident), and its
 * namespaces (an admin outside the initial user namespace is not the
 * host's admin), stat and comm.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "procfs.h"

#define PROC_USER_INIT_INO 4026531837ULL /* the initial user namespace */

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

int fg_stat_read(const char *root, pid_t pid, struct fg_stat *st)
{
	char buf[1024];
	ssize_t n = fg_read(root, pid, "stat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return fg_parse_stat(buf, st) ? 0 : -EINVAL;
}

int fg_comm_read(const char *root, pid_t pid, char *out, size_t len)
{
	char buf[64];
	ssize_t n = fg_read(root, pid, "comm", buf, sizeof(buf));
	size_t k;

	if (len)
		out[0] = '\0';
	if (n < 0)
		return (int)n;
	k = strcspn(buf, "\n");
	if (!len)
		return 0;
	if (k >= len)
		k = len - 1;
	memcpy(out, buf, k);
	out[k] = '\0';
	return 0;
}
