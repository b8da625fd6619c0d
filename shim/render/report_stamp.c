/*
 * report_stamp.c - the envelope of each log entry: when, and whose.
 *
 * report.c renders a report; guard.c and config.c say notes
 * ("forkguard: ..."); this part of the rendering dates and attributes each
 * entry as the sink writes it, so that every line an operator reads can be
 * lined up with the host program's own log:
 *
 *   stream, text:  2026-11-30T14:07:47.123Z forkguard[42] redis-server: ...
 *   stream, JSON:  {"ts":"2026-11-30T14:07:47.123Z",...}
 *   syslog, text:  <11>forkguard[42]: redis-server: ...   (one datagram)
 *   syslog, JSON:  <11>forkguard[42]: {"ts":...}
 *
 * An entry is a head line and the indented lines that continue it (a
 * report's "  rule:" and "  fix:" lines); in JSON every line is an entry.
 * A JSON entry that is not a fork report gains "pid" and "comm" where it
 * has none; a text note in a JSON log becomes {"event":"warning",...}.
 * No stdio, no heap: the sink calls this on the fork path.
 */
#include <string.h>

#include "fmt.h"
#include "report_stamp.h"

static const char note[] = "forkguard: ";
static const char fork_obj[] = "{\"event\":\"fork\"";

static bool starts(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && !memcmp(p, s, k);
}

static void put_n(struct fg_buf *b, const char *p, size_t n)
{
	while (n--)
		fg_putc(b, *p++);
}

/* "forkguard[123] " at @p: its length, else 0 */
static size_t report_head(const char *p, size_t n)
{
	size_t i = sizeof("forkguard[") - 1;

	if (!starts(p, n, "forkguard["))
		return 0;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i + 1 < n && p[i] == ']' && p[i + 1] == ' ' ? i + 2 : 0;
}

/* the end of the entry that starts at @p */
static size_t entry_len(const struct fg_stamp *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' && (s->json || i + 1 == n ||
				     (p[i + 1] != ' ' && p[i + 1] != '\t')))
			return i + 1;
	return n;
}

static void put_who(struct fg_buf *b, const struct fg_stamp *s)
{
	fg_puts(b, "forkguard[");
	fg_putu(b, (uint64_t)s->pid);
	fg_putc(b, ']');
}

static void put_json(struct fg_buf *b, const struct fg_stamp *s, const char *p,
		     size_t n)
{
	char ts[32];
	struct fg_buf t;

	fg_buf_init(&t, ts, sizeof(ts));
	fg_putts(&t, s->sec, s->nsec);
	fg_puts(b, "{\"ts\":\"");
	fg_puts(b, ts);
	fg_putc(b, '"');
	if (p[0] == '{' && starts(p, n, fork_obj)) {
		p++, n--;
	} else {
		if (p[0] != '{' || !memmem(p, n, "\"pid\":", 6)) {
			fg_puts(b, ",\"pid\":");
			fg_putu(b, (uint64_t)s->pid);
		}
		if (p[0] != '{' || !memmem(p, n, "\"comm\":", 7)) {
			fg_puts(b, ",\"comm\":");
			fg_putjs(b, s->comm);
		}
		if (p[0] == '{') {
			p++, n--;
		} else {
			char msg[1024];
			size_t k;

			if (starts(p, n, note))
				p += sizeof(note) - 1, n -= sizeof(note) - 1;
			k = n < sizeof(msg) - 1 ? n : sizeof(msg) - 1;
			memcpy(msg, p, k);
			msg[k] = '\0';
			fg_puts(b, ",\"event\":\"warning\",\"message\":");
			fg_putjs(b, msg);
			fg_puts(b, s->syslog ? "}" : "}\n");
			return;
		}
	}
	if (n && p[0] != '}')
		fg_putc(b, ',');
	put_n(b, p, n);
	if (!s->syslog)
		fg_putc(b, '\n');
}

size_t fg_stamp_entry(const struct fg_stamp *s, const char *msg, size_t n,
		      struct fg_buf *b)
{
	size_t len = entry_len(s, msg, n), body = len, head;
	char ts[32];
	struct fg_buf t;

	while (body && (msg[body - 1] == '\n' || msg[body - 1] == '\r'))
		body--;
	if (!body)
		return len;
	if (s->syslog) {
		fg_putc(b, '<');
		fg_putu(b, 8u + (unsigned)s->prio); /* LOG_USER */
		fg_putc(b, '>');
		put_who(b, s);
		fg_puts(b, ": ");
	}
	if (s->json) {
		put_json(b, s, msg, body);
		return len;
	}
	if (!s->syslog) {
		fg_buf_init(&t, ts, sizeof(ts));
		fg_putts(&t, s->sec, s->nsec);
		fg_puts(b, ts);
		fg_putc(b, ' ');
	}
	if ((head = report_head(msg, body))) {
		/* a report names its pid and comm already */
		if (!s->syslog)
			put_n(b, msg, head);
		msg += head, body -= head;
	} else {
		if (starts(msg, body, note))
			msg += sizeof(note) - 1, body -= sizeof(note) - 1;
		if (!s->syslog) {
			put_who(b, s);
			fg_putc(b, ' ');
		}
		fg_puts(b, s->comm[0] ? s->comm : "?");
		fg_puts(b, ": ");
	}
	put_n(b, msg, body);
	if (!s->syslog)
		fg_putc(b, '\n');
	return len;
}
