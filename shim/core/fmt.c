/*
 * fmt.c - append-only formatting into a fixed buffer (see fmt.h).
 */
#include <errno.h>
#include <limits.h>

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

/* days since 1970-01-01 -> civil date (proleptic Gregorian, era-based) */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(struct fg_buf *b, unsigned v, unsigned width)
{
	char tmp[4];
	unsigned i;

	for (i = width; i-- > 0; v /= 10)
		tmp[i] = (char)('0' + v % 10);
	for (i = 0; i < width; i++)
		fg_putc(b, tmp[i]);
}

void fg_putts(struct fg_buf *b, int64_t sec, long nsec)
{
	int64_t days = (sec >= 0 ? sec : sec - 86399) / 86400, y;
	unsigned s = (unsigned)(sec - days * 86400), m, d;

	civil(days, &y, &m, &d);
	fg_puti(b, y);
	fg_putc(b, '-');
	put2(b, m, 2);
	fg_putc(b, '-');
	put2(b, d, 2);
	fg_putc(b, 'T');
	put2(b, s / 3600, 2);
	fg_putc(b, ':');
	put2(b, s / 60 % 60, 2);
	fg_putc(b, ':');
	put2(b, s % 60, 2);
	fg_putc(b, '.');
	put2(b, (unsigned)(nsec / 1000000) % 1000, 3);
	fg_putc(b, 'Z');
}

const char *fg_errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" },
		{ EINTR, "EINTR" },
		{ EIO, "EIO" },
		{ ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" },
		{ ENOEXEC, "ENOEXEC" },
		{ EBADF, "EBADF" },
		{ ECHILD, "ECHILD" },
		{ EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" },
		{ EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },
		{ ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" },
		{ EINVAL, "EINVAL" },
		{ ENFILE, "ENFILE" },
		{ EMFILE, "EMFILE" },
		{ EFBIG, "EFBIG" },
		{ ENOSPC, "ENOSPC" },
		{ ESPIPE, "ESPIPE" },
		{ EROFS, "EROFS" },
		{ EPIPE, "EPIPE" },
		{ ERANGE, "ERANGE" },
		{ ENAMETOOLONG, "ENAMETOOLONG" },
		{ ENOSYS, "ENOSYS" },
		{ ELOOP, "ELOOP" },
		{ EUSERS, "EUSERS" },
		{ ENOTSOCK, "ENOTSOCK" },
		{ EMSGSIZE, "EMSGSIZE" },
		{ ENOBUFS, "ENOBUFS" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ EDQUOT, "EDQUOT" },
		{ ESTALE, "ESTALE" },
	};
	size_t i;

	if (e < 0 && e != INT_MIN)
		e = -e;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return NULL;
}

void fg_puterrno(struct fg_buf *b, int e)
{
	const char *name = fg_errno_name(e);

	if (name) {
		fg_puts(b, name);
	} else {
		fg_puts(b, "errno ");
		fg_puti(b, e < 0 ? -(int64_t)e : e);
	}
}
