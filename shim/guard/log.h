/*
 * log.h - the report sinks (stderr, syslog, file) and their rate limit.
 */
#ifndef FG_LOG_H
#define FG_LOG_H

#include <stddef.h>

#include "config.h"
#include "report_stamp.h"

#define FG_LOG_DROP ((unsigned long)-1)

/*
 * fg_log_admit - may one more report go out now?  Returns FG_LOG_DROP if
 * the rate limit says no, else how many reports were dropped before it.
 */
unsigned long fg_log_admit(const struct fg_config *c);
/*
 * fg_log_send - deliver @msg (@n bytes: a report, or "forkguard: " notes)
 * dated and attributed, at syslog severity @prio (FG_PRIO_*), to the
 * configured sink or, if it fails, to the next one that works.
 */
void fg_log_send(const struct fg_config *c, int prio, const char *msg,
		 size_t n);
/* fg_log_write - fg_log_send at FG_PRIO_WARNING (notes and warnings). */
void fg_log_write(const struct fg_config *c, const char *msg, size_t n);

#endif /* FG_LOG_H */
