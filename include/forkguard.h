/*
 * forkguard.h - predict whether the kernel will accept a fork, and say why.
 *
 * The model is three steps, each usable on its own:
 *
 *   snapshot  fg_sys_read() / fg_task_read() gather the host's overcommit
 *             settings and one process's numbers from a procfs root;
 *   verdict   fg_eval_*() apply the running kernel's own rule (pure: no I/O,
 *             no globals), one VMA at a time as dup_mmap charges them;
 *   report    fg_report_text() / fg_report_json() render the verdict.
 *
 * fg_check() chains the three with the tiered depth the fork path uses.
 *
 * Conventions: actions return 0 or -errno; predicates return bool; sizes
 * are in kB unless a name says pages.  Nothing here allocates heap memory.
 */
#ifndef FORKGUARD_H
#define FORKGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FG_VERSION "0.1.0"

/*
 * FG_API marks what libforkguard exports (this API and the interposed libc
 * functions); the library is built with -fvisibility=hidden and calls its
 * own API directly, never through its PLT.
 */
#if defined(FORKGUARD_BUILD)
#define FG_API __attribute__((visibility("default")))
#else
#define FG_API
#endif

/*
 * Which kernel rule (era of __vm_enough_memory) applies.  FG_RULE_RUNNING
 * asks for the running kernel's (from the snapshot's osrelease);
 * FG_RULE_COUNT is no rule (an unknown name).
 */
enum fg_rule {
	FG_RULE_RUNNING = -1,
	FG_RULE_2_6,  /* <= 3.0: two-pass free estimate (2.6.32) */
	FG_RULE_3_1,  /* 3.1 - 3.9: free - totalreserve, -3 % non-admin */
	FG_RULE_3_10, /* 3.10 - 4.16: admin_reserve replaces the 3 % */
	FG_RULE_4_17, /* 4.17 - 5.1: plus misc reclaimable */
	FG_RULE_5_2,  /* 5.2+: mode 0 only refuses pages > RAM + swap */
	FG_RULE_COUNT
};

/*
 * vm.overcommit_memory, by the kernel's names (include/uapi/linux/mman.h
 * OVERCOMMIT_*); struct fg_sys and struct fg_eval hold it as an int, -1
 * when it could not be read.
 */
enum fg_overcommit {
	FG_OVERCOMMIT_GUESS = 0,  /* heuristic: the rule of the era */
	FG_OVERCOMMIT_ALWAYS = 1, /* nothing refused */
	FG_OVERCOMMIT_NEVER = 2,  /* the commit limit: allowed */
};

enum fg_verdict { FG_OK, FG_FAIL, FG_BORDERLINE, FG_UNKNOWN };

/*
 * How deep the evaluation went; only FG_TIER_SMAPS charges are exact.
 * FG_TIER_ESTIMATE: for kernels without smaps VmFlags (< 3.8): a lower and
 * an upper bound of the charge (fg_vma_estimate()).
 */
enum fg_tier {
	FG_TIER_NONE,
	FG_TIER_STATM,
	FG_TIER_MAPS,
	FG_TIER_SMAPS,
	FG_TIER_ESTIMATE
};

/* How fg_vmas_walk() decides which VMAs are accountable. */
enum fg_walk {
	FG_WALK_BOUND,	  /* maps: every private mapping (upper bound) */
	FG_WALK_ESTIMATE, /* smaps without VmFlags (maps if unreadable):
			     fg_vma_estimate() */
	FG_WALK_EXACT,	  /* smaps VmFlags: ac and not dc */
};

/* Host-wide facts (sysctls, /proc/meminfo, uname). */
struct fg_sys {
	int mode;	 /* vm.overcommit_memory: enum fg_overcommit, -1 */
	uint64_t ratio;	 /* vm.overcommit_ratio */
	uint64_t kbytes; /* vm.overcommit_kbytes (0: unset) */
	uint64_t admin_reserve_kb;
	uint64_t user_reserve_kb;
	uint64_t mem_total_kb, mem_free_kb;
	uint64_t mem_available_kb; /* MemAvailable (0: not shown, < 3.14) */
	uint64_t cached_kb, swap_cached_kb, buffers_kb, shmem_kb;
	uint64_t swap_total_kb, swap_free_kb;
	uint64_t sreclaimable_kb, kreclaimable_kb;
	uint64_t hugetlb_kb; /* all hugetlb pools */
	uint64_t commit_limit_kb, committed_kb;
	uint64_t totalreserve_kb; /* estimated from /proc/zoneinfo */
	unsigned page_kb;	  /* base page size in kB */
	unsigned ncpus;
	int kmajor, kminor; /* running kernel */
	enum fg_rule rule;
	char release[65];
	/* not read: the operator states that no anonymous mapping is
	   MAP_NORESERVE or MADV_DONTFORK (settles the estimate tier) */
	bool anon_charged;
};

/* One process. */
struct fg_task {
	pid_t pid;
	char comm[17];
	uint64_t vsz_kb; /* total_vm */
	uint64_t rss_kb;
	bool admin; /* CAP_SYS_ADMIN in the initial user ns */
};

/*
 * Why a VMA's charge cannot be told from a snapshot without VmFlags
 * (kernels before 3.8): it counts in the upper bound only.
 */
enum fg_unsure {
	FG_SURE,	 /* the kernel's rules settle it */
	FG_UNSURE_ANON,	 /* anonymous, writable or written: charged unless
			    MAP_NORESERVE or MADV_DONTFORK */
	FG_UNSURE_CLEAN, /* never written, not writable now: charged only if
			    it was made writable once */
};

/* One VMA as the kernel sees it at fork. */
struct fg_vma {
	uint64_t start, end;
	bool account;		 /* VM_ACCOUNT: charged at fork (or may be) */
	bool writable, private_; /* from the perms column */
	bool dontcopy;		 /* VM_DONTCOPY: skipped by dup_mmap */
	unsigned char unsure;	 /* enum fg_unsure */
	char name[64];
};

#define FG_TOP_VMAS 5

/*
 * The limits a rule derives from a snapshot, and the running state of a
 * fork's charge as dup_mmap walks the VMAs.  Filled by fg_eval_begin().
 */
struct fg_eval {
	enum fg_rule rule;
	int mode;
	bool admin;
	bool per_vma;		  /* mode 0: each VMA is judged alone */
	bool or_equal;		  /* fails at pages >= limit (else > limit) */
	uint64_t limit_pages;	  /* mode 0: per VMA; mode 2: allowed */
	uint64_t committed_pages; /* mode 2: before the fork */
	uint64_t band_pages;	  /* uncertainty of the kernel's counters */
	uint64_t
	    cap_pages; /* Committed_AS + band: no charge is larger (0: ?) */
	uint64_t page_kb;
	/* accumulated; charge and largest are upper bounds, _min lower ones
	   (they differ only for FG_UNSURE VMAs) */
	uint64_t charge_pages, largest_pages;
	uint64_t charge_min_pages, largest_min_pages;
	uint64_t nvmas;
	struct fg_vma fail_vma; /* the first VMA the kernel surely refuses */
	bool failed, near;
	bool anon_charged; /* from fg_sys: FG_UNSURE_ANON counts as charged */
	unsigned unsure;   /* 1 << enum fg_unsure of each unsure VMA counted */
	struct fg_vma top[FG_TOP_VMAS]; /* largest accountable, descending */
	unsigned ntop;
	struct fg_vma unknown[FG_TOP_VMAS]; /* largest unsure, descending */
	unsigned nunknown;
};

/*
 * What limits the number of tasks (the causes of EAGAIN).
 * FG_LIMIT_UNKNOWN: could not be read; FG_LIMIT_NONE: unlimited.
 */
#define FG_LIMIT_UNKNOWN (-1)
#define FG_LIMIT_NONE	 INT64_MAX
struct fg_limits {
	int64_t nproc_limit;		/* RLIMIT_NPROC, soft */
	int64_t pids_max, pids_current; /* the cgroup's pids controller */
	int64_t threads_max, threads;	/* kernel.threads-max, all tasks */
};

/*
 * After a fork that succeeds: will the copy-on-write copies fit?  The
 * worst case is every private anonymous resident page of the parent copied
 * once; the headroom is the tightest of the memory cgroups that limit the
 * process and, in modes 0/1, the host.  Filled by fg_cow_eval() (policy_cow.c).
 */
enum fg_cow_verdict { FG_COW_UNKNOWN, FG_COW_OK, FG_COW_RISK };
/* Which limit leaves the least room (the report names it). */
enum fg_cow_bind {
	FG_BIND_NONE,
	FG_BIND_MEMCG,	    /* v2 memory.max (v1 memory.limit_in_bytes) */
	FG_BIND_MEMCG_SWAP, /* the same, plus the swap the group may use */
	FG_BIND_HOST,	    /* MemAvailable + SwapFree (modes 0 and 1) */
};
#define FG_COW_NONE UINT64_MAX /* no limit / not known */
struct fg_cow {
	bool checked; /* the check ran (FORKGUARD_COW is not off) */
	enum fg_cow_verdict verdict;
	uint64_t worst_kb;    /* RssAnon: statm resident - shared */
	uint64_t headroom_kb; /* tightest hard room (FG_COW_NONE: none) */
	uint64_t reclaim_kb;  /* of it, the binding group's clean page cache */
	uint64_t throttle_kb; /* room before memory.high throttles */
	enum fg_cow_bind bind;
	char bind_path[256];	/* the cgroup whose limit binds */
	char cgroup[256];	/* the process's memory cgroup ("" if none) */
	int cg_version;		/* 0: none found, 1, 2 */
	bool container_view;	/* its path is not under the root: the root */
	bool oom_group;		/* memory.oom.group=1 at some level */
	bool mode2;		/* overcommit 2: the copies were reserved */
	char thp[12];		/* THP enabled mode, "" if unreadable */
	int64_t oom_kill_count; /* the cgroup's OOM kills so far; -1 n/a */
};

/*
 * A snapshot and its verdict: what fg_check() found and concluded.  What
 * happens around a real fork (its outcome, remedies) is not part of it.
 */
struct fg_result {
	struct fg_sys sys;
	struct fg_task task;
	struct fg_eval ev;
	enum fg_verdict verdict;
	enum fg_tier tier;
	bool exact;
	long check_us;	   /* how long this check took */
	bool admin_known;  /* task.admin was read (else: not needed) */
	int read_error;	   /* -errno of the first failed read, or 0 */
	struct fg_cow cow; /* copy-on-write headroom (check, guard) */
};

/* --- snapshot (procfs_sys.c, procfs_task.c, procfs_vmas.c) --- */

/*
 * fg_sys_read - fill @s from @root (e.g. "/proc").  Missing optional files
 * leave their fields 0.  Returns 0, or -errno when overcommit_memory or
 * meminfo cannot be read; @s is then only partly valid.
 */
FG_API int fg_sys_read(const char *root, struct fg_sys *s);

/*
 * fg_task_read - fill @t for @pid (0: "self") from @root/PID/{status,statm}
 * and the user namespace link.  Returns 0 or -errno (-ESRCH, -EACCES...).
 */
FG_API int fg_task_read(const char *root, pid_t pid, struct fg_task *t);

/*
 * fg_vmas_walk - feed every VMA of @pid to @ev in address order, deciding
 * accountability as @how says.  Returns 0, or -errno (-ENOTSUP: smaps has
 * no VmFlags; -ENODATA: no VMA at all).
 */
FG_API int fg_vmas_walk(const char *root, pid_t pid, enum fg_walk how,
			struct fg_eval *ev);

/*
 * fg_limits_read - the task-count limits of @pid (0: self) that make a
 * fork fail with EAGAIN; the pids cgroup is read under /sys (v2, or v1's
 * fs/cgroup/pids).  Returns 0 (fields it could not read are FG_LIMIT_UNKNOWN).
 */
FG_API int fg_limits_read(const char *root, pid_t pid, struct fg_limits *l);

/* --- policy (policy.c): pure --- */

/* fg_rule_for_release - the rule for a "major.minor..." release string. */
FG_API enum fg_rule fg_rule_for_release(const char *release);
/* fg_rule_from_name - parse "5.2+", "4.17", "2.6"...; FG_RULE_COUNT when
 * unknown. */
FG_API enum fg_rule fg_rule_from_name(const char *name);
/* fg_rule_name - "<=3.0", "3.1-3.9", "3.10-4.16", "4.17-5.1", "5.2+". */
FG_API const char *fg_rule_name(enum fg_rule rule);

/* fg_eval_begin - derive the limits for one fork of @t on @s. */
FG_API void fg_eval_begin(struct fg_eval *ev, const struct fg_sys *s,
			  const struct fg_task *t);
/* fg_eval_vma - charge one VMA as dup_mmap would. */
FG_API void fg_eval_vma(struct fg_eval *ev, const struct fg_vma *vma);
/*
 * fg_eval_verdict - the verdict for the VMAs fed so far: fail only when
 * the lower bound fails, ok only when the upper bound passes.
 */
FG_API enum fg_verdict fg_eval_verdict(const struct fg_eval *ev);

/* fg_verdict_name - "ok", "fail", "borderline", "unknown". */
FG_API const char *fg_verdict_name(enum fg_verdict v);
FG_API const char *fg_tier_name(enum fg_tier t);
/* fg_cow_verdict_name - "unknown", "ok", "risk". */
FG_API const char *fg_cow_verdict_name(enum fg_cow_verdict v);

/* --- the whole check (check.c) --- */

/*
 * fg_check - snapshot @pid (0: self) under @root and evaluate it, going
 * from the O(1) bound to maps to smaps only as far as needed; @full forces
 * the exact smaps walk (for a diagnosis).  @rule: the rule to apply, or
 * FG_RULE_RUNNING for the running kernel's.  Always fills @r; returns 0 or the -errno of a
 * read that prevented a verdict (r->verdict is then FG_UNKNOWN).
 */
FG_API int fg_check(const char *root, pid_t pid, enum fg_rule rule, bool full,
		    struct fg_result *r);

/*
 * fg_check_task - fg_check() with the host facts already read: @s as
 * fg_sys_read() filled it (and its rule as the caller wants it), so one
 * snapshot of the host serves many processes.  Same return as fg_check().
 */
FG_API int fg_check_task(const char *root, pid_t pid, const struct fg_sys *s,
			 bool full, struct fg_result *r);

/* --- reports (report.c, report_json.c) --- */

/*
 * fg_report_text / fg_report_json - render @r into @buf (always
 * NUL-terminated, truncated to @len).  Return the length written.
 * The JSON form is one object on one line, newline-terminated.
 */
FG_API size_t fg_report_text(const struct fg_result *r, char *buf, size_t len);
FG_API size_t fg_report_json(const struct fg_result *r, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* FORKGUARD_H */
