/*
 * emit.h - the sink of the guard's finished events and of a followed
 * child's end (emit.c): rendered, then sent to the log.
 */
#ifndef FG_EMIT_H
#define FG_EMIT_H

#include <stddef.h>

#include "config.h"
#include "event.h"
#include "follow.h"

/*
 * fg_emit - the finished event @e to the log (@c: its sink and format):
 * rendered (text or JSON), with the rate limit's note.  Reads nothing,
 * decides nothing.
 */
void fg_emit(const struct fg_config *c, const struct fg_event *e);
/* fg_emit_child_end - a followed child's end @e (its fork's verdict @cow)
 * to the log, as text or JSON (watcher.c). */
void fg_emit_child_end(const struct fg_config *c, const struct fg_child_end *e,
		       const struct fg_cow *cow);
/* fg_emit_warning - a warning line (a JSON line in JSON format). */
void fg_emit_warning(const struct fg_config *c, const char *text, size_t n);

#endif /* FG_EMIT_H */
