/*
 * cli_explain_host.c - what `forkguard explain` gathers about the host
 * beyond fg_sys_read: the largest fork modes 0 and 2 would pass now,
 * transparent huge pages, the memory cgroup and the copy-on-write room,
 * whether this is a container (user namespace, /.dockerenv,
 * /run/.containerenv, the cgroup's name) and may set the sysctls, and
 * which Redis and PostgreSQL processes run here.  Reads only.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli_explain_host.h"
#include "policy.h"
#include "procfs.h"

static void limits(const char *root, struct cli_host *h)
{
	struct fg_task t = { 0 }; /* a small process, not admin */
	struct fg_sys s = h->s;
	struct fg_eval ev;

	/* fg_sys_read reads zoneinfo only for the mode it found */
	if (!s.totalreserve_kb && fg_rule_reads_totalreserve(0, s.rule))
		fg_totalreserve_read(root, &s);
	s.mode = FG_OVERCOMMIT_GUESS;
	fg_eval_begin(&ev, &s, &t);
	h->mode0_max_kb = fg_eval_vma_max_pages(&ev) * ev.page_kb;
	s.mode = FG_OVERCOMMIT_NEVER;
	fg_eval_begin(&ev, &s, &t);
	h->mode2_allowed_kb = ev.limit_pages * ev.page_kb;
	h->mode2_room_kb = fg_eval_room_pages(&ev) * ev.page_kb;
}

static void read_thp(const char *sysfs, struct cli_host *h)
{
	char buf[128], path[FG_PATH_MAX];

	if (!fg_path(path, sizeof(path), sysfs, -1,
		     "kernel/mm/transparent_hugepage/enabled") &&
	    fg_read_path(path, buf, sizeof(buf)) > 0)
		fg_cg_parse_thp(buf, h->thp, sizeof(h->thp));
}

/* The memory controller's cgroup (cgroup.c's parser): v1, else v2. */
static void read_cgroup(const char *root, struct cli_host *h)
{
	static const char *const hints[] = { "docker",	   "kubepods",
					     "containerd", "libpod",
					     "lxc",	   "machine.slice",
					     "crio",	   NULL };
	char buf[4096];
	const char *const *k;

	if (fg_read(root, 0, "cgroup", buf, sizeof(buf)) <= 0)
		return;
	fg_cg_parse_proc(buf, "memory", h->cgroup, sizeof(h->cgroup));
	for (k = hints; *k; k++)
		if (strstr(h->cgroup, *k))
			h->cgroup_hint = true;
}

static void find_services(const char *root, struct cli_host *h)
{
	char comm[32];
	struct dirent *e;
	struct cli_procs *p;
	DIR *d = opendir(root);
	long pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0 ||
		    fg_comm_read(root, (pid_t)pid, comm, sizeof(comm)))
			continue;
		if (!strncmp(comm, "redis-server", 12))
			p = &h->redis;
		else if (!strcmp(comm, "postgres") ||
			 !strcmp(comm, "postmaster"))
			p = &h->postgres;
		else
			continue;
		if (p->n < MAX_PIDS)
			p->pid[p->n++] = (pid_t)pid;
	}
	closedir(d);
}

void cli_explain_gather(const char *root, const char *sysfs, struct cli_host *h)
{
	char path[FG_PATH_MAX];

	h->live = fg_procfs_live(root);
	h->writable = -1;
	limits(root, h);
	h->init_ns = fg_init_user_ns(root, 0);
	read_cgroup(root, h);
	find_services(root, h);
	if (h->live || sysfs) {
		fg_cow_check(root, sysfs ? sysfs : "/sys", 0, &h->s, &h->cow);
		read_thp(sysfs ? sysfs : "/sys", h);
	}
	if (!h->live)
		return;
	if (!fg_path(path, sizeof(path), root, -1, "sys/vm/overcommit_memory"))
		h->writable = access(path, W_OK) == 0;
	h->dockerenv = access("/.dockerenv", F_OK) == 0;
	h->containerenv = access("/run/.containerenv", F_OK) == 0;
	h->container = !h->init_ns || h->dockerenv || h->containerenv ||
		       h->cgroup_hint;
}
