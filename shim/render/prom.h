/*
 * prom.h - the fork counters' data and their Prometheus text (prom.c):
 * what a guarded process's file holds (guard/metrics.c fills it) and the
 * host-wide view of `forkguard check --all --format prometheus`.
 */
#ifndef FG_PROM_H
#define FG_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "forkguard.h"

enum fg_m_call { FG_M_FORK, FG_M__FORK, FG_M_DAEMON, FG_M_CLONE, FG_M_CALLS };
enum fg_m_err { FG_M_ENOMEM, FG_M_EAGAIN, FG_M_EOTHER, FG_M_ERRS };
#define FG_M_VERDICTS 4 /* enum fg_verdict */
#define FG_M_REMEDIES 5 /* fg_m_remedy_names */
#define FG_M_RESULTS  6 /* fg_m_result_names */
#define FG_M_BUCKETS  10
#define FG_M_ENDS     5 /* enum fg_child_cause (follow.h) */
/* the check_seconds histogram's upper bounds, ns (the last is +Inf) */
extern const uint64_t fg_m_bucket_ns[FG_M_BUCKETS];
extern const char *const fg_m_call_names[FG_M_CALLS];
extern const char *const fg_m_err_names[FG_M_ERRS];
extern const char *const fg_m_remedy_names[FG_M_REMEDIES];
extern const char *const fg_m_result_names[FG_M_RESULTS];
extern const char *const fg_m_end_names[FG_M_ENDS];

struct fg_metrics {
	uint64_t attempts[FG_M_CALLS][FG_M_VERDICTS]; /* went to the kernel */
	uint64_t failures[FG_M_CALLS][FG_M_VERDICTS][FG_M_ERRS];
	uint64_t refused[FG_M_CALLS]; /* enforce: never tried */
	uint64_t remedies[FG_M_REMEDIES][FG_M_RESULTS];
	uint64_t released_kb[FG_M_REMEDIES];
	uint64_t check_le[FG_M_BUCKETS]; /* per bucket, not cumulative */
	uint64_t check_count, check_ns;
	int64_t last_fork_ns; /* CLOCK_REALTIME, 0: none yet */
	/* the last fork's copy-on-write check (gauges, stored, not added) */
	uint64_t cow_verdict;	  /* enum fg_cow_verdict; 0: none, failed */
	uint64_t cow_worst_kb;	  /* RssAnon */
	uint64_t cow_headroom_kb; /* FG_COW_NONE: no limit */
	uint64_t cow_oom_kills;	  /* the cgroup's, seen between forks */
	/* FORKGUARD_COW=abort: the followed children (watcher.c) */
	uint64_t cow_aborts;		/* ended by the guard's signal */
	uint64_t child_ends[FG_M_ENDS]; /* by enum fg_child_cause */
	uint64_t cow_last_copy_kb;	/* the last one's copy caused */
	uint64_t child_last_us;		/* the last one's lifetime */
	uint64_t child_us_sum;		/* all of them */
};

/* What one file holds: the counters and the process around them. */
struct fg_metrics_view {
	struct fg_metrics m;
	char comm[32];
	pid_t pid;
	uint64_t start_ns; /* the process's start, CLOCK_REALTIME; 0: unknown */
	uint64_t pidns;	   /* its pid namespace's inode; 0: unknown */
	bool have_margin;  /* a check ran when the file was written */
	int64_t margin_kb; /* from it: the binding limit minus the charge */
	enum fg_verdict verdict; /* from it */
	const char *labels; /* the operator's, "a=b,c=d" (valid); NULL: none */
};

/* One process in `forkguard check --all --format prometheus`. */
struct fg_prom_task {
	pid_t pid;
	const char *comm;
	enum fg_verdict verdict;
	bool have_margin;
	int64_t margin_kb;
	enum fg_cow_verdict cow; /* FG_COW_UNKNOWN: no cow figures */
	uint64_t cow_worst_kb, cow_headroom_kb;
};

/* the host-wide view's families, each printed whole (the text format
 * wants a family's samples together) */
enum {
	FG_PROM_HOST_MARGIN,
	FG_PROM_HOST_VERDICT,
	FG_PROM_HOST_COW_RISK,
	FG_PROM_HOST_COW_WORST,
	FG_PROM_HOST_COW_HEADROOM,
	FG_PROM_HOST_FAMILIES
};

/* fg_prom_process - one process's file into @buf; bytes (0: cut). */
size_t fg_prom_process(const struct fg_metrics_view *v, char *buf, size_t len);
/* fg_prom_host_head - HELP and TYPE of one @family (FG_PROM_HOST_*) of the
 * host-wide view; bytes (0: cut, or no such family). */
size_t fg_prom_host_head(int family, char *buf, size_t len);
/* fg_prom_host_task - @t's sample in @family, or 0 when it has none (no
 * margin, no cow figures, no limit) or it was cut. */
size_t fg_prom_host_task(int family, const struct fg_prom_task *t, char *buf,
			 size_t len);

#endif /* FG_PROM_H */
