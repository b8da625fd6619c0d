/*
 * report_warn.c - warning lines as JSON: report.c's sibling for the
 * one-line notes (a bad FORKGUARD_* value, an unreadable procfs, a remedy
 * named but absent), so that a log in FORKGUARD_FORMAT=json holds nothing
 * but JSON.  Stack buffers only: the first fork writes these.
 */
#include <string.h>

#include "fmt.h"
#include "report.h"

size_t fg_report_warning_json(long pid, const char *text, size_t n, char *buf,
			      size_t len)
{
	char line[512];
	struct fg_buf b;
	size_t at = 0, out = 0, k, m;

	if (len)
		buf[0] = '\0';
	while (at < n) {
		for (k = 0; at + k < n && text[at + k] != '\n'; k++)
			;
		if (k) {
			m = k < sizeof(line) ? k : sizeof(line) - 1;
			memcpy(line, text + at, m);
			line[m] = '\0';
			/* one buffer per object: a key's comma follows its '{' */
			fg_buf_init(&b, buf + out, len - out);
			fg_putc(&b, '{');
			fg_json_s(&b, "event", "warning");
			fg_json_u(&b, "pid", (uint64_t)pid);
			fg_json_s(&b, "message", line);
			fg_puts(&b, "}\n");
			if (b.full) {
				if (len)
					buf[0] = '\0';
				return 0;
			}
			out += b.at;
		}
		at += k + 1;
	}
	return out;
}
