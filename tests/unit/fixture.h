/*
 * fixture.h - a copy of a recorded tree under fixtures/ (FG_FIXTURES)
 * that a test rewrites between two reads, and removes.  Helpers only.
 */
#ifndef FG_TEST_FIXTURE_H
#define FG_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fixtures/@dir/@name copied under a new directory: its path in @root */
static inline void fixture_copy(const char *dir, const char *name, char *root,
				size_t len)
{
	const char *base = getenv("FG_FIXTURES");
	char tmpl[] = "/tmp/fg-fixture.XXXXXX", cmd[1400];

	assert_non_null(mkdtemp(tmpl));
	snprintf(root, len, "%s/%s", tmpl, name);
	snprintf(cmd, sizeof(cmd), "cp -R '%s/%s/%s' '%s'",
		 base ? base : "fixtures", dir, name, tmpl);
	assert_int_equal(system(cmd), 0);
}

/* the copy and the directory made for it */
static inline void fixture_drop(const char *root)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf \"$(dirname '%s')\"", root);
	assert_int_equal(system(cmd), 0);
}

/* @root/@dir/@file (@dir may be "") now holds @text */
static inline void fixture_put(const char *root, const char *dir,
			       const char *file, const char *text)
{
	char path[1400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%s%s", root, dir, *dir ? "/" : "",
		 file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#endif /* FG_TEST_FIXTURE_H */
