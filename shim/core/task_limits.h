/*
 * task_limits.h - the task-count limits of a task (task_limits.c).
 *
 * Actions return 0 or -errno.
 */
#ifndef FG_TASK_LIMITS_H
#define FG_TASK_LIMITS_H

#include <sys/types.h>

#include "forkguard.h"

/*
 * fg_limits_read_at - fg_limits_read() with the pids controller's cgroup
 * (v2, or v1 "N:pids:/path") read under @sysfs (FORKGUARD_SYSFS) instead
 * of /sys, through cgroup.c's parser.  Fields it cannot read stay
 * FG_LIMIT_UNKNOWN; returns 0.  No heap.
 */
int fg_limits_read_at(const char *root, const char *sysfs, pid_t pid,
		      struct fg_limits *l);

#endif /* FG_TASK_LIMITS_H */
