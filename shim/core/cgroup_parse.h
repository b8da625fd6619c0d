/*
 * cgroup_parse.h - the texts of the cgroup files (cgroup_parse.c), pure.
 * Sizes in kB; FG_COW_NONE (forkguard.h) is "no limit".
 */
#ifndef FG_CGROUP_PARSE_H
#define FG_CGROUP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * fg_cg_parse_proc - from the text of /proc/PID/cgroup, the hierarchy of
 * controller @ctl ("memory", "pids"): 1 (a "N:...ctl...:/path" line), 2
 * (no such line, and "0::/path"), 0 (neither).  The path goes to @path
 * (cut to @len).
 */
int fg_cg_parse_proc(const char *buf, const char *ctl, char *path, size_t len);

/* fg_cg_parse_kb - a limit file ("max", or bytes) in kB; false if not. */
bool fg_cg_parse_kb(const char *buf, uint64_t *kb);

/* fg_cg_parse_thp - "always [madvise] never" → "madvise" into @out. */
bool fg_cg_parse_thp(const char *buf, char *out, size_t len);

#endif /* FG_CGROUP_PARSE_H */
