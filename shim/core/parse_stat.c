/*
 * parse_stat.c - the parser of /proc/PID/stat (parse.h struct fg_stat):
 * a task's state, flags, page faults and start, shared by check (a zombie
 * or a kernel thread has nothing to fork), watch (the faults a child
 * copies) and the metrics (the process's start).  Pure, no heap.
 */
#include <string.h>

#include "parse.h"

/* The token after @p's spaces; its end in *end. */
static const char *field(const char *p, const char **end)
{
	while (*p == ' ')
		p++;
	*end = p;
	while (**end && **end != ' ' && **end != '\n')
		(*end)++;
	return *end > p ? p : NULL;
}

bool fg_parse_stat(const char *buf, struct fg_stat *st)
{
	uint64_t *num[23] = { [10] = &st->minflt,
			      [11] = &st->cminflt,
			      [12] = &st->majflt,
			      [13] = &st->cmajflt,
			      [22] = &st->starttime };
	const char *p = strrchr(buf, ')'), *tok, *end;
	uint64_t v;
	int k;

	memset(st, 0, sizeof(*st));
	if (!p)
		return false;
	p++;
	for (k = 3; k <= 22; k++, p = end) {
		if (!(tok = field(p, &end)))
			return false;
		if (k == 3)
			st->state = *tok;
		else if (k == 9 && fg_parse_u64_prefix(tok, &v))
			st->flags = (unsigned long)v;
		else if (num[k] && !fg_parse_u64_prefix(tok, num[k]))
			return false;
	}
	return true;
}
