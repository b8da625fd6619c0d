/*
 * report.h - the renderers' internal entries (report*.c); the public
 * fg_report_text/json are in forkguard.h, the event's in event.h.
 */
#ifndef FG_REPORT_H
#define FG_REPORT_H

#include <stddef.h>

/*
 * fg_report_warning_json - each line of the warning @text (@n bytes) as
 * one JSON object, {"event":"warning","pid":@pid,"message":"..."}, into
 * @buf; returns the length, or 0 (and @buf empty) when they do not fit.
 */
size_t fg_report_warning_json(long pid, const char *text, size_t n, char *buf,
			      size_t len);

#endif /* FG_REPORT_H */
