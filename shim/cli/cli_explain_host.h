/*
 * cli_explain_host.h - the facts `forkguard explain` prints (cli_explain.c),
 * as cli_explain_host.c gathers them.
 */
#ifndef FG_CLI_EXPLAIN_HOST_H
#define FG_CLI_EXPLAIN_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "forkguard.h"

#define MAX_PIDS 8

struct cli_procs {
	pid_t pid[MAX_PIDS];
	unsigned n;
};

struct cli_host {
	struct fg_sys s;
	bool live;    /* a procfs (fg_procfs_live): /sys and / are ours */
	char thp[32]; /* "" unknown */
	bool init_ns, dockerenv, containerenv, cgroup_hint, container;
	char cgroup[200];
	int writable;	       /* -1 unknown */
	uint64_t mode0_max_kb; /* largest VMA mode 0 accepts now */
	uint64_t mode2_allowed_kb, mode2_room_kb;
	struct cli_procs redis, postgres;
	struct fg_cow cow; /* this process's cgroup (live only) */
};

/*
 * cli_explain_gather - fill @h (its s already read by cli_sys_read) from
 * the procfs @root and @sysfs (NULL when not given: then /sys, for a live
 * procfs only).  Whatever cannot be read stays unknown.
 */
void cli_explain_gather(const char *root, const char *sysfs,
			struct cli_host *h);

#endif /* FG_CLI_EXPLAIN_HOST_H */
