/*
 * fmt.h - append-only formatting into a caller's fixed buffer.
 *
 * The fork path may not use stdio or malloc, so reports are built with
 * these: each call appends what fits and the buffer stays NUL-terminated;
 * fg_buf.full records that something was cut.
 */
#ifndef FG_FMT_H
#define FG_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fg_buf {
	char *p;
	size_t len, at;
	bool full;
};

void fg_buf_init(struct fg_buf *b, char *p, size_t len);
void fg_puts(struct fg_buf *b, const char *s);
void fg_putc(struct fg_buf *b, char c);
void fg_putu(struct fg_buf *b, uint64_t v);
void fg_puti(struct fg_buf *b, int64_t v);
void fg_puthex(struct fg_buf *b, uint64_t v); /* 0x... */
/* fg_putsize - kB as a human size: "512 kB", "3.2 MiB", "32.0 GiB". */
void fg_putsize(struct fg_buf *b, uint64_t kb);
/* fg_putts - UTC time as ISO 8601 with milliseconds: 2026-11-30T14:07:47.123Z */
void fg_putts(struct fg_buf *b, int64_t sec, long nsec);
/* fg_errno_name - "ENOSPC" for ENOSPC (or -ENOSPC); NULL if not known. */
const char *fg_errno_name(int e);
/* fg_puterrno - the errno's name, or "errno N" for one not known. */
void fg_puterrno(struct fg_buf *b, int e);
/* fg_putjs - a JSON string literal, quotes included, escaped. */
void fg_putjs(struct fg_buf *b, const char *s);

/*
 * JSON object members: fg_json_key() writes the separator and "key":
 * (the object's '{' must be the buffer's first byte); the others add a
 * value; a NULL string is null.
 */
void fg_json_key(struct fg_buf *b, const char *k);
void fg_json_u(struct fg_buf *b, const char *k, uint64_t v);
void fg_json_s(struct fg_buf *b, const char *k, const char *v);
void fg_json_b(struct fg_buf *b, const char *k, bool v);

#endif /* FG_FMT_H */
