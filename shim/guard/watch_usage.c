/*
 * watch_usage.c - the watcher's cheap look (see watch_usage.h): each look
 * of FORKGUARD_COW=abort reads the bound level's usage with one pread of a
 * kept fd; the whole room (watcher.c) is read far less often, as in a VM
 * a full read costs milliseconds of emulated CPU.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "parse.h"
#include "procfs.h"
#include "watch_usage.h"

void fg_watch_usage_path(const struct fg_config *c, const struct fg_cow *w,
			 char *path, size_t len)
{
	struct fg_buf b;

	path[0] = '\0';
	if (w->bind != FG_BIND_MEMCG && w->bind != FG_BIND_MEMCG_SWAP)
		return;
	fg_buf_init(&b, path, len);
	fg_puts(&b, c->sysfs);
	fg_puts(&b, w->cg_version == 1 ? "/fs/cgroup/memory" : "/fs/cgroup");
	if (strcmp(w->bind_path, "/"))
		fg_puts(&b, w->bind_path);
	fg_puts(&b, w->cg_version == 1 ? "/memory.usage_in_bytes"
				       : "/memory.current");
	if (b.full)
		path[0] = '\0';
}

bool fg_watch_usage(const struct fg_config *c, const char *path, int *fd,
		    int64_t *u)
{
	char buf[4096];
	struct fg_sys s;
	uint64_t v;
	ssize_t n;

	if (!path[0]) {
		if (fg_read(c->procfs, -1, "meminfo", buf, sizeof(buf)) <= 0 ||
		    !fg_parse_meminfo(buf, &s))
			return false;
		*u = -(int64_t)((s.mem_available_kb ? s.mem_available_kb
						    : s.mem_free_kb) +
				s.swap_free_kb);
		return true;
	}
	if (*fd < 0)
		*fd = fg_fd_high(open(path, O_RDONLY | O_CLOEXEC));
	n = *fd < 0 ? -1 : pread(*fd, buf, 31, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (!fg_parse_u64(buf, &v))
		return false;
	*u = (int64_t)(v / 1024);
	return true;
}
