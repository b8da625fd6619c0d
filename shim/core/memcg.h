/*
 * memcg.h - the data of copy-on-write, numbers only: a memory cgroup's
 * levels as cgroup.c reads them and policy_cow.c judges them, and what
 * the guard learns of one fork's copies (kept in the event).
 */
#ifndef FG_MEMCG_H
#define FG_MEMCG_H

#include <stdbool.h>
#include <stdint.h>

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

#endif /* FG_MEMCG_H */
