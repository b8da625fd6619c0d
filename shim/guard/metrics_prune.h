/*
 * metrics_prune.h - the stale textfiles of a metrics directory
 * (metrics_prune.c).
 */
#ifndef FG_METRICS_PRUNE_H
#define FG_METRICS_PRUNE_H

#include <stdint.h>
#include <sys/types.h>

/*
 * fg_metrics_prune - in @metrics_dir, remove the files (and their .tmp) of
 * processes that are gone (kill 0: ESRCH) and that name pid namespace
 * @pidns; never @self's, another namespace's or one without the label.
 */
void fg_metrics_prune(const char *metrics_dir, pid_t self, uint64_t pidns);

#endif /* FG_METRICS_PRUNE_H */
