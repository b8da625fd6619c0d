/*
 * cgroup.h - a process's memory cgroup and the host's room for the
 * copy-on-write copies a fork makes (cgroup.c reads; policy.c judges).
 *
 * Conventions: actions return 0 or -errno, predicates return bool; sizes
 * in kB; FG_COW_NONE (forkguard.h) is "no limit" or "not shown".
 */
#ifndef FG_CGROUP_H
#define FG_CGROUP_H

#include "forkguard.h"
#include "parse.h"
#include "procfs.h"
#include "fmt.h"

#define FG_CG_LEVELS 8

/* One level of the hierarchy: the leaf first, then each ancestor. */
struct fg_cg_level {
	uint16_t path_len; /* its path is memcg.path[0, path_len); 0: root */
	uint64_t max_kb, high_kb, current_kb;
	uint64_t swap_max_kb, swap_current_kb; /* v1: memsw - mem */
	/* clean page cache (memory.stat file LRUs - dirty - writeback): the
	 * group's reclaim drops it before an OOM kill; 0 when unknown */
	uint64_t cache_kb;
	bool oom_group;
};

struct fg_memcg {
	int version;	     /* 0: no memory cgroup found, 1, 2 */
	char path[256];	     /* as /proc/PID/cgroup names it */
	bool container_view; /* not under the root: the root is ours */
	unsigned nlvl;
	struct fg_cg_level lvl[FG_CG_LEVELS];
	int64_t oom_kill; /* the leaf's count, -1: not shown */
	char thp[12];	  /* "always", "madvise", "never"; "" unknown */
};

/*
 * fg_cg_parse_proc - from the text of /proc/PID/cgroup, the hierarchy of
 * controller @ctl ("memory", "pids"): 1 (a "N:...ctl...:/path" line), 2
 * (no such line, and "0::/path"), 0 (neither).  The path goes to @path
 * (cut to @len).
 */
int fg_cg_parse_proc(const char *buf, const char *ctl, char *path, size_t len);

/*
 * fg_cg_dir - the directory of @pid's (0: self) cgroup for controller @ctl
 * from @procfs/PID/cgroup: @sysfs/fs/cgroup/@ctl/path (v1) or
 * @sysfs/fs/cgroup/path (v2), without a trailing '/', into @dir.  No heap.
 * Returns the version (1, 2), 0 when @ctl shows in neither or the name
 * does not fit, or -errno when /proc/PID/cgroup cannot be read.
 */
int fg_cg_dir(const char *procfs, const char *sysfs, pid_t pid, const char *ctl,
	      char *dir, size_t cap);

/* fg_cg_parse_kb - a limit file ("max", or bytes) in kB; false if not. */
bool fg_cg_parse_kb(const char *buf, uint64_t *kb);

/* fg_cg_parse_thp - "always [madvise] never" → "madvise" into @out. */
bool fg_cg_parse_thp(const char *buf, char *out, size_t len);

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
 * What only the guard knows of a fork's copy-on-write (cow.c), beside the
 * verdict about the snapshot (struct fg_cow): kept in the event.
 */
struct fg_cow_fork {
	int64_t oom_kills;  /* in the group since the last fork; -1 n/a */
	bool protect;	    /* the child raises its oom_score_adj */
	bool follow;	    /* FORKGUARD_COW=abort: the child is followed */
	bool refuse;	    /* abort's back-off: refused (ENOMEM) */
	uint64_t backoff_s; /* refuse: what is left of the back-off */
	/* from this process's recent followed forks: the copy to expect
	 * (UINT64_MAX: no history) and how many forks that is from */
	uint64_t expected_kb;
	unsigned history;
};

/*
 * Who an OOM kill in the process's place would take: the victim alone
 * (the OOM killer's pick: protect makes it the child); the whole group
 * (memory.oom.group=1); the whole systemd unit (a cgroup path through a
 * NAME.service: systemd's OOMPolicy= defaults to stop, since v243).
 */
enum fg_blast { FG_BLAST_ONE, FG_BLAST_GROUP, FG_BLAST_UNIT };

/*
 * fg_cow_blast - the blast radius of an OOM kill for the verdict @c
 * (pure, policy_cow.c); the unit's name (NAME.service) into @unit (@len
 * bytes; "" unless FG_BLAST_UNIT).
 */
enum fg_blast fg_cow_blast(const struct fg_cow *c, char *unit, size_t len);

/*
 * fg_cow_eval - the copy-on-write verdict (pure, policy.c): @worst_kb of
 * private anonymous memory against @cg (NULL: none) and the host @s (NULL:
 * unknown).  Fills every field of @out.
 */
void fg_cow_eval(const struct fg_memcg *cg, const struct fg_sys *s,
		 uint64_t worst_kb, struct fg_cow *out);

/*
 * fg_cow_check - the whole cow check for @pid (0: self): statm's RssAnon,
 * the cgroup, the host facts in @s.  Fills @out; 0 or -errno of statm.
 */
int fg_cow_check(const char *procfs, const char *sysfs, pid_t pid,
		 const struct fg_sys *s, struct fg_cow *out);

/*
 * fg_report_cow_text / fg_report_cow_json (report_cow.c) - append the
 * "  cow: ..." lines, or the cow_* members of the JSON object, to @b;
 * @f: the fork's own facts (NULL: a check, not a fork).
 */
void fg_report_cow_text(struct fg_buf *b, const struct fg_cow *c,
			const struct fg_cow_fork *f);
void fg_report_cow_json(struct fg_buf *b, const struct fg_cow *c,
			const struct fg_cow_fork *f);
/* fg_report_cow_limit - what binds: "memcg /a memory.max", "host ...". */
void fg_report_cow_limit(struct fg_buf *b, const struct fg_cow *c);

#endif /* FG_CGROUP_H */
