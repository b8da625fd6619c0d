/*
 * watch_usage.h - the watcher's cheap look (watch_usage.c): the limiting
 * level's usage with one pread of a kept fd, between two reads of the
 * whole room.
 */
#ifndef FG_WATCH_USAGE_H
#define FG_WATCH_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "config.h"

/*
 * fg_watch_usage_path - the usage file of the level @w is bound to
 * (v2 memory.current, v1 memory.usage_in_bytes under @c's sysfs) into
 * @path (@len bytes); "" for the host or when it does not fit.
 */
void fg_watch_usage_path(const struct fg_config *c, const struct fg_cow *w,
			 char *path, size_t len);

/*
 * fg_watch_usage - the usage in kB from @path (opened into *@fd, kept
 * open; -1: not yet), or for "" the host's -(MemAvailable + SwapFree).
 * False when unreadable.
 */
bool fg_watch_usage(const struct fg_config *c, const char *path, int *fd,
		    int64_t *u);

#endif /* FG_WATCH_USAGE_H */
