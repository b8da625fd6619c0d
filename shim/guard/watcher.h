/*
 * watcher.h - FORKGUARD_COW=abort: the thread that follows a planned
 * fork's child after it (watcher.c; the plan before it: plan.h).
 * Conventions: predicates return bool; nothing here allocates on the fork
 * path.
 */
#ifndef FG_WATCHER_H
#define FG_WATCHER_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "event.h"

/*
 * fg_follow_start - in the parent, right after the fork of @child that
 * event @e planned to follow: hand it to the watcher thread (started now
 * if none runs).  False when every slot is taken (not followed).  errno
 * is kept.
 */
bool fg_follow_start(const struct fg_config *c, pid_t child,
		     const struct fg_event *e);

#endif /* FG_WATCHER_H */
