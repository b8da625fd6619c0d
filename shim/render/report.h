/*
 * report.h - the renderers' internal entries (report*.c); the public
 * fg_report_text/json are in forkguard.h, the event's in event.h.  Sizes
 * are printed in kB.
 */
#ifndef FG_REPORT_H
#define FG_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "forkguard.h"

/* fg_report_kb - @pages of @r's page size in kB. */
static inline uint64_t fg_report_kb(const struct fg_result *r, uint64_t pages)
{
	return pages * r->ev.page_kb;
}

/* fg_vma_kb - @v's size in kB. */
static inline uint64_t fg_vma_kb(const struct fg_vma *v)
{
	return (v->end - v->start) / 1024;
}

/* fg_vma_name - @v's name, "[anon]" when it has none. */
static inline const char *fg_vma_name(const struct fg_vma *v)
{
	return v->name[0] ? v->name : "[anon]";
}

/*
 * fg_report_warning_json - each line of the warning @text (@n bytes) as
 * one JSON object, {"event":"warning","pid":@pid,"message":"..."}, into
 * @buf; returns the length, or 0 (and @buf empty) when they do not fit.
 */
size_t fg_report_warning_json(long pid, const char *text, size_t n, char *buf,
			      size_t len);

#endif /* FG_REPORT_H */
