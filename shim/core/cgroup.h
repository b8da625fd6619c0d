/*
 * cgroup.h - the readers of a process's cgroups (cgroup.c): its memory
 * cgroup, each level up to the root, and the whole copy-on-write check
 * (read here, judged by policy_cow.c).
 *
 * Conventions: actions return 0 or -errno, predicates return bool; sizes
 * in kB; FG_COW_NONE (forkguard.h) is "no limit" or "not shown".
 */
#ifndef FG_CGROUP_H
#define FG_CGROUP_H

#include "cgroup_parse.h"
#include "forkguard.h"
#include "memcg.h"

/*
 * fg_cg_dir - the directory of @pid's (0: self) cgroup for controller @ctl
 * from @procfs/PID/cgroup: @sysfs/fs/cgroup/@ctl/path (v1) or
 * @sysfs/fs/cgroup/path (v2), without a trailing '/', into @dir.  No heap.
 * Returns the version (1, 2), 0 when @ctl shows in neither or the name
 * does not fit, or -errno when /proc/PID/cgroup cannot be read.
 */
int fg_cg_dir(const char *procfs, const char *sysfs, pid_t pid, const char *ctl,
	      char *dir, size_t cap);

/*
 * fg_memcg_read - @pid's (0: self) memory cgroup from @procfs/PID/cgroup,
 * its files under @sysfs/fs/cgroup (v1: .../memory), each ancestor up to
 * the root, and the THP mode from @sysfs/kernel/mm.  No heap.  Returns 0
 * (cg->version 0 when no memory cgroup shows), or -errno when
 * /proc/PID/cgroup cannot be read.
 */
int fg_memcg_read(const char *procfs, const char *sysfs, pid_t pid,
		  struct fg_memcg *cg);

/*
 * fg_memcg_renew - @cg, as fg_memcg_read filled it, brought up to date
 * cheaply: the usage (memory, swap, page cache) of its levels that have a
 * limit is read again; what changes seldom is kept: the group (the
 * process may have been moved since), each level's limits and oom.group,
 * the levels without a limit, the OOM kill count, the THP mode.  No heap,
 * no /proc read.  0 (nothing to read when no memory cgroup was found);
 * -ENOENT when a limited level's usage could not be read (the group
 * removed, the process moved: a whole read is due), -ENAMETOOLONG when
 * @sysfs does not fit.
 */
int fg_memcg_renew(const char *sysfs, struct fg_memcg *cg);

/*
 * fg_cow_check - the whole cow check for @pid (0: self): statm's RssAnon,
 * the cgroup, the host facts in @s.  Fills @out; 0 or -errno of statm.
 */
int fg_cow_check(const char *procfs, const char *sysfs, pid_t pid,
		 const struct fg_sys *s, struct fg_cow *out);
/* fg_cow_check_cg - the same, the cgroup's walk left in @cg and what
 * fg_memcg_read returned in @cg_rc (-ENODATA: not read), so that the
 * guard keeps a good walk for its renewals (fg_memcg_renew) */
int fg_cow_check_cg(const char *procfs, const char *sysfs, pid_t pid,
		    const struct fg_sys *s, struct fg_cow *out,
		    struct fg_memcg *cg, int *cg_rc);

#endif /* FG_CGROUP_H */
