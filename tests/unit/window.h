/*
 * window.h - the recorded procfs tree that test_window and test_kept age
 * in place: a copy of mode0-5.2plus-pass whose meminfo, sysctls and statm
 * they rewrite between two checks.  Helpers only, each test's own.
 */
#ifndef FG_TEST_WINDOW_H
#define FG_TEST_WINDOW_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastpath.h"
#include "policy.h"

/* mode0-5.2plus-pass: MemTotal 16 GiB; the limit per VMA RAM + swap */
#define MEM_KB	UINT64_C(16777216)
#define SWAP_KB UINT64_C(1048576)

static char root[] = "/tmp/fg-window.XXXXXX";

/* @rel rewritten in place (O_TRUNC): a kept fd sees the new text */
static inline void put(const char *rel, const char *text)
{
	char path[700];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static inline void meminfo(uint64_t swap_kb, uint64_t committed_kb)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "MemTotal: %llu kB\nMemFree: 8388608 kB\n"
		 "MemAvailable: 12582912 kB\nSwapTotal: %llu kB\n"
		 "SwapFree: %llu kB\nCommitLimit: 0 kB\n"
		 "Committed_AS: %llu kB\n",
		 (unsigned long long)MEM_KB, (unsigned long long)swap_kb,
		 (unsigned long long)swap_kb, (unsigned long long)committed_kb);
	put("meminfo", text);
}

/* statm of @pages, RssAnon @anon pages */
static inline void statm_anon(uint64_t pages, uint64_t anon)
{
	char text[96];

	snprintf(text, sizeof(text), "%llu %llu 10 1 0 100 0\n",
		 (unsigned long long)pages, (unsigned long long)anon + 10);
	put("self/statm", text);
}

static inline void statm_pages(uint64_t pages)
{
	statm_anon(pages, 90);
}

/* in pages, without swap: far below the limit (RAM), over a quarter of
 * it (a base older than the window passes half: each fork reads statm,
 * the read after the fork before decides up to a quarter) */
#define FAR_PAGES (MEM_KB / 4 * 3 / 10)

static inline enum fg_verdict verdict(void)
{
	struct fg_result r;

	assert_int_equal(fg_fast_check(root, FG_RULE_COUNT, false, &r), 0);
	return r.verdict;
}

static inline int setup(void **state)
{
	char src[600], cmd[1400];
	const char *base = getenv("FG_FIXTURES");

	(void)state;
	snprintf(src, sizeof(src), "%s/snapshots/mode0-5.2plus-pass",
		 base ? base : "fixtures");
	if (!mkdtemp(root))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -r '%s'/. '%s'", src, root);
	return system(cmd) ? -1 : 0;
}

static inline int teardown(void **state)
{
	char cmd[700];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static inline void wait_us(long us)
{
	usleep((useconds_t)us + 50000);
}

#endif /* FG_TEST_WINDOW_H */
