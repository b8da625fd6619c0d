/*
 * report_follow.h - a followed child's end as a report line (text or one
 * JSON object), from struct fg_child_end (report_follow.c).
 */
#ifndef FG_REPORT_FOLLOW_H
#define FG_REPORT_FOLLOW_H

#include <stddef.h>

#include "cgroup.h"
#include "follow.h"

/*
 * fg_report_child_end_text / fg_report_child_end_json - @e, the child of
 * a fork whose cow verdict was @cow, into @buf (@len bytes): one line
 * ending in '\n'.  Returns its length (0: it did not fit).
 */
size_t fg_report_child_end_text(const struct fg_child_end *e,
				const struct fg_cow *cow, char *buf,
				size_t len);
size_t fg_report_child_end_json(const struct fg_child_end *e,
				const struct fg_cow *cow, char *buf,
				size_t len);
/* fg_signal_name - "SIGUSR1", ...; "SIG?" for one not named here. */
const char *fg_signal_name(int sig);

#endif /* FG_REPORT_FOLLOW_H */
