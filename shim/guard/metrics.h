/*
 * metrics.h - per-process fork counters (metrics.c) and their Prometheus
 * text (prom.c).
 *
 * The fork path only adds to counters, with relaxed atomics: no lock, no
 * allocation, no I/O.  What can only be known after a fork (its failure)
 * is added after it; a successful fork is counted before it and not
 * touched again, so nothing is written in the parent after the fork (each
 * page written then is a copy-on-write fault): outcome "ok" is rendered
 * as attempts minus failures.  The file DIR/forkguard-<comm>-<pid>.prom
 * is written after a fork in the parent, at most once per interval, and
 * removed at exit.  Conventions: actions return 0 or -errno.
 */
#ifndef FG_METRICS_H
#define FG_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "follow.h"
#include "prom.h"

/* fg_metrics_on - FORKGUARD_METRICS is set (a load and a branch). */
bool fg_metrics_on(void);
/* fg_metrics_clock - CLOCK_MONOTONIC in ns (vDSO: no syscall). */
uint64_t fg_metrics_clock(void);
/* fg_metrics_init - read the configuration (from the constructor). */
void fg_metrics_init(void);
/* fg_metrics_attempt - @call goes to the kernel with @verdict after a
 * check of @check_ns. */
void fg_metrics_attempt(const char *call, enum fg_verdict verdict,
			uint64_t check_ns);
/* fg_metrics_failed - that call failed with @err (after it). */
void fg_metrics_failed(const char *call, enum fg_verdict verdict, int err);
/* fg_metrics_refused - enforce refused @call. */
void fg_metrics_refused(const char *call, uint64_t check_ns);
/*
 * fg_metrics_cow - the copy-on-write check of the fork about to happen
 * found @verdict, @worst_kb against @headroom_kb; @oom_kills OOM kills in
 * the cgroup since the previous full check (<= 0: none, not known).
 */
void fg_metrics_cow(enum fg_cow_verdict verdict, uint64_t worst_kb,
		    uint64_t headroom_kb, int64_t oom_kills);
/* fg_metrics_child_end - a followed child ended (watcher.c): its cause,
 * copy and lifetime. */
void fg_metrics_child_end(const struct fg_child_end *e);
/* fg_metrics_remedy - remedy @name ended with @result, releasing @kb. */
void fg_metrics_remedy(const char *name, const char *result, uint64_t kb);
/*
 * fg_metrics_tick - in the parent after a fork: is a write of the file
 * due (the interval has passed)?  A clock read and a compare until it is;
 * true claims the write: the caller then calls fg_metrics_write.
 */
bool fg_metrics_tick(void);
/*
 * fg_metrics_write - write the file (claimed by fg_metrics_tick), with the
 * verdict and margin of the guard's latest check @r (NULL: none known).
 * The file shows what it is given: metrics never check.  errno is kept.
 */
void fg_metrics_write(const struct fg_result *r);

/*
 * fg_metrics_prune - once per process, before its first write: remove from
 * @metrics_dir the files of processes that are gone.  A file is stale
 * when no process has its pid (kill 0: ESRCH) and it names pid namespace
 * @pidns (its pidns label; 0: nothing is removed): a file written from
 * another namespace (a directory shared between containers) or by an
 * older version is never touched.  getdents64, not opendir: no heap.
 * @self's own file is kept.
 */
void fg_metrics_prune(const char *metrics_dir, pid_t self, uint64_t pidns);

#endif /* FG_METRICS_H */
