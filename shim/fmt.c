/*
 * fmt.c - append-only formatting into a fixed buffer (see fmt.h).
 */
#include "fmt.h"

void fg_buf_init(struct fg_buf *b, char *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->at = 0;
	b->full = len == 0;
	if (len)
		p[0] = '\0';
}

void fg_putc(struct fg_buf *b, char c)
{
	if (b->at + 1 >= b->len) {
		b->full = true;
		return;
	}
	b->p[b->at++] = c;
	b->p[b->at] = '\0';
}

void fg_puts(struct fg_buf *b, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		fg_putc(b, *s++);
}

void fg_putu(struct fg_buf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fg_puts(b, tmp + i);
}

void fg_puti(struct fg_buf *b, int64_t v)
{
	if (v < 0) {
		fg_putc(b, '-');
		fg_putu(b, (uint64_t)0 - (uint64_t)v);
	} else {
		fg_putu(b, (uint64_t)v);
	}
}

void fg_puthex(struct fg_buf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	fg_puts(b, "0x");
	fg_puts(b, tmp + i);
}

void fg_putsize(struct fg_buf *b, uint64_t kb)
{
	static const char *const units[] = { "MiB", "GiB", "TiB" };
	uint64_t whole = kb, tenths;
	int u = -1;

	if (kb < 1024) {
		fg_putu(b, kb);
		fg_puts(b, " kB");
		return;
	}
	while (whole >= 1024 && u < 2) {
		tenths = (whole % 1024) * 10 / 1024;
		whole /= 1024;
		u++;
	}
	fg_putu(b, whole);
	fg_putc(b, '.');
	fg_putu(b, tenths);
	fg_putc(b, ' ');
	fg_puts(b, units[u]);
}

void fg_putjs(struct fg_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	fg_putc(b, '"');
	for (; s && (c = (unsigned char)*s); s++) {
		if (c == '"' || c == '\\') {
			fg_putc(b, '\\');
			fg_putc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			/* bytes of unknown encoding: keep the JSON valid */
			fg_puts(b, "\\u00");
			fg_putc(b, hex[c >> 4]);
			fg_putc(b, hex[c & 15]);
		} else {
			fg_putc(b, (char)c);
		}
	}
	fg_putc(b, '"');
}

void fg_json_key(struct fg_buf *b, const char *k)
{
	if (b->at > 1)
		fg_putc(b, ',');
	fg_putjs(b, k);
	fg_putc(b, ':');
}

void fg_json_u(struct fg_buf *b, const char *k, uint64_t v)
{
	fg_json_key(b, k);
	fg_putu(b, v);
}

void fg_json_s(struct fg_buf *b, const char *k, const char *v)
{
	fg_json_key(b, k);
	if (v)
		fg_putjs(b, v);
	else
		fg_puts(b, "null");
}

void fg_json_b(struct fg_buf *b, const char *k, bool v)
{
	fg_json_key(b, k);
	fg_puts(b, v ? "true" : "false");
}
