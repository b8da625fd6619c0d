/*
 * test_terms - each rule's printed terms are the terms it uses: for every
 * snapshot in fixtures/snapshots (every era, modes 0 and 2), the "rule:"
 * line of the diagnosis gives the limit and its terms in kB, and the terms
 * add up to that limit, which is the limit the verdict was reached with.
 * The <=3.0 rule names no shmem term (2.6.32 does not subtract it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "forkguard.h"
#include "policy.h"
#include "report.h"

/* "... LIMIT kB [(so 0)] = [-]name V kB +|- name V kB ...": the sum */
static void check_line(const char *snap, const char *line, uint64_t limit_kb)
{
	const char *p = strstr(line, " = ");
	const char *q;
	long long first, total = 0, v;
	int sign = 1, n = 0;
	char name[64];

	assert_non_null(p);
	/* the number just before " kB" that precedes " = " */
	for (q = p; q > line && strncmp(q, " kB", 3); q--)
		;
	while (q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q > line && q[-1] == '-')
		q--;
	first = strtoll(q, NULL, 10);
	p += 3;
	if (*p == '-') {
		sign = -1;
		p++;
	}
	for (;;) {
		if (sscanf(p, "%63s %lld kB", name, &v) != 2)
			break;
		total += sign * v;
		n++;
		p = strstr(p, " kB") + 3;
		if (!strncmp(p, " + ", 3))
			sign = 1;
		else if (!strncmp(p, " - ", 3))
			sign = -1;
		else
			break;
		p += 3;
	}
	if (total != first || n < 2)
		fail_msg("%s: terms sum to %lld kB, printed %lld kB (%d terms): %s",
			 snap, total, first, n, line);
	if ((uint64_t)(first < 0 ? 0 : first) != limit_kb)
		fail_msg("%s: printed %lld kB, the rule used %llu kB", snap, first,
			 (unsigned long long)limit_kb);
}

static void every_snapshot(void **state)
{
	const char *base = getenv("FG_FIXTURES");
	char dir[512], buf[16384];
	struct dirent *e;
	unsigned checked = 0, le30 = 0;
	DIR *d;

	(void)state;
	assert_non_null(base);
	snprintf(dir, sizeof(dir), "%s/snapshots", base);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		struct fg_result r;
		char root[1024], *line, *end;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "gen.py"))
			continue;
		snprintf(root, sizeof(root), "%s/%s", dir, e->d_name);
		if (fg_check(root, 0, -1, true, &r) || r.ev.mode == 1)
			continue;
		r.verdict = FG_FAIL; /* the diagnosis, rule line included */
		fg_report_text(&r, buf, sizeof(buf));
		line = strstr(buf, "  rule: ");
		assert_non_null(line);
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		check_line(e->d_name, line, r.ev.limit_pages * r.ev.page_kb);
		if (r.ev.mode == 0 && r.ev.rule == FG_RULE_2_6) {
			le30++;
			if (strstr(line, "shmem"))
				fail_msg("%s: the <=3.0 rule prints shmem: %s",
					 e->d_name, line);
		}
		checked++;
	}
	closedir(d);
	printf("snapshots checked: %u (mode 0 <=3.0: %u)\n", checked, le30);
	assert_true(checked >= 20);
	assert_true(le30 >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
