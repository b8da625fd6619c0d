/*
 * cgroup_parse.c - the texts of cgroup.c's files, pure: /proc/PID/cgroup
 * (which hierarchy, which path), a limit or usage file ("max", or bytes;
 * v1's "no limit"), the THP mode.
 */
#include <string.h>

#include "cgroup_parse.h"
#include "forkguard.h"
#include "parse.h"

/* v1 shows "no limit" as PAGE_COUNTER_MAX pages in bytes (≈ 2^63) */
#define V1_UNLIMITED (UINT64_C(1) << 62)

/* Copy the rest of the line at @p into @path (cut to @len). */
static void copy_line(const char *p, char *path, size_t len)
{
	size_t n = strcspn(p, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(path, p, n);
	path[n] = '\0';
}

/* Does the v1 controller list [@c, @end) name @ctl? */
static bool lists(const char *c, const char *end, const char *ctl)
{
	size_t n = strlen(ctl);

	while (c < end) {
		size_t k = strcspn(c, ",:");

		if (k == n && !memcmp(c, ctl, n))
			return true;
		c += k + 1;
	}
	return false;
}

int fg_cg_parse_proc(const char *buf, const char *ctl, char *path, size_t len)
{
	const char *line, *end, *c1, *c2, *v2 = NULL;

	if (!len)
		return 0;
	for (line = buf; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		c1 = memchr(line, ':', (size_t)(end - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (!c2)
			continue;
		if (c1 == line + 1 && line[0] == '0' && c2 == c1 + 1)
			v2 = c2 + 1;
		else if (lists(c1 + 1, c2, ctl)) {
			copy_line(c2 + 1, path, len);
			return 1;
		}
	}
	if (!v2)
		return 0;
	copy_line(v2, path, len);
	return 2;
}

bool fg_cg_parse_kb(const char *buf, uint64_t *kb)
{
	uint64_t v;

	if (!strncmp(buf, "max", 3)) {
		*kb = FG_COW_NONE;
		return true;
	}
	if (!fg_parse_u64(buf, &v))
		return false;
	*kb = v >= V1_UNLIMITED ? FG_COW_NONE : v / 1024;
	return true;
}

bool fg_cg_parse_thp(const char *buf, char *out, size_t len)
{
	const char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
	size_t n;

	if (!b || !len)
		return false;
	n = (size_t)(b - a - 1);
	if (n >= len)
		n = len - 1;
	memcpy(out, a + 1, n);
	out[n] = '\0';
	return true;
}
