/*
 * labels.h - the extra metrics labels' syntax (labels.c).
 */
#ifndef FG_LABELS_H
#define FG_LABELS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * fg_labels_parse - @v as name=value[,name=value...]: names
 * [A-Za-z_][A-Za-z0-9_]* but those a sample already has (or "__..."),
 * values without " \ , or control bytes.  Copies @v into @dst (@len
 * bytes) and returns true; false (nothing written) if it does not fit or
 * is not so.
 */
bool fg_labels_parse(const char *v, char *dst, size_t len);

#endif /* FG_LABELS_H */
