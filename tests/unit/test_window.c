/*
 * test_window - the fork path's cache grows old: the staleness fastpath.c
 * accepts, and no more.
 *
 * A recorded procfs tree (a copy of mode0-5.2plus-pass) whose meminfo and
 * sysctls are rewritten in place between two checks, as swapon, swapoff
 * or a write to vm.overcommit_ratio would change them.  Within the window
 * the cached base decides; past it, a fork near the limit (over half of
 * the size the base passes) is decided on the new figures, one far below
 * on the old ones until FG_FAST_FAR windows are past and fg_fast_renew()
 * (the atfork handler's) reads them again.  A new overcommit_memory
 * counts once the window is past.  In mode 2, a new overcommit_ratio (CommitLimit) counts once the
 * window is past, and a new SwapTotal at once (meminfo is read at every
 * fork there).  The window is shortened through fg_fast_set_window(); the
 * real one (1 s) is waited out once.  And statm's kept fd: at 48-63, and
 * never read once the program has put a file of its own on its number.
 */
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
#include "procfs.h"
#include "size.h"
#include "window.h"

/* Mode 0, a fork near the limit: swap taken away between two forks. */
static void swap_gone(long w)
{
	/* in pages: over RAM alone, under RAM + swap, over half of either */
	uint64_t near = (MEM_KB + SWAP_KB / 2) / 4;
	struct fg_sys s;
	uint64_t anon;
	unsigned kept;

	fg_fast_set_window(w);
	put("sys/vm/overcommit_memory", "0\n");
	meminfo(SWAP_KB, 0);
	statm_pages(near);
	wait_us(w);
	assert_int_equal(verdict(), FG_OK); /* the base read again */
	assert_true(fg_fast_pass(root, &anon, &kept));
	meminfo(0, 0); /* swapoff */
	/* within the window: the cached base decides */
	assert_true(fg_fast_pass(root, &anon, &kept));
	wait_us(w);
	/* past it, near the limit: not from the cache; the new limit */
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_int_equal(verdict(), FG_FAIL);
	assert_true(fg_fast_sys(&s, w));
	assert_int_equal(s.swap_total_kb, 0);
}

/*
 * Far below (30 % of RAM): the old base decides up to FG_FAST_FAR
 * windows, the mode with it, and is renewed after a fork past that;
 * statm is read at every fork that the last read does not decide
 * (statm_kept).
 */
static void far_below(long w)
{
	struct fg_sys s;
	uint64_t anon;
	unsigned kept;

	statm_pages(FAR_PAGES);
	put("sys/vm/overcommit_memory", "0\n");
	meminfo(0, 0);
	wait_us(w);
	fg_fast_renew(root, FG_RULE_COUNT, w);
	assert_true(fg_fast_sys(&s, w));
	assert_int_equal(s.swap_total_kb, 0);
	/* nearer than half: statm is read at every fork, a growth past the
	 * limit counts at once, within the window too */
	statm_pages(MEM_KB / 4 / 2 + 1);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	statm_pages(MEM_KB / 4 + 1);
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	statm_pages(FAR_PAGES);
	/* a new mode: for a fork far below, kept with the base up to
	 * FG_FAST_FAR windows, read again past that; a fork nearer the
	 * limit reads it past the window */
	put("sys/vm/overcommit_memory", "2\n");
	assert_true(fg_fast_pass(root, &anon, &kept));
	wait_us(w);
	assert_true(fg_fast_pass(root, &anon, &kept));
	statm_pages(MEM_KB / 4 / 2 + 1); /* over half of what it passes */
	assert_false(fg_fast_pass(root, &anon, &kept));
	statm_pages(FAR_PAGES);
	wait_us(FG_FAST_FAR * w);
	assert_false(fg_fast_pass(root, &anon, &kept));
	put("sys/vm/overcommit_memory", "0\n");
	fg_fast_renew(root, FG_RULE_COUNT, 0); /* a fresh base, no swap */
	wait_us(w);
	meminfo(SWAP_KB, 0);		  /* swapon */
	assert_false(fg_fast_sys(&s, w)); /* older than the window */
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(anon == 90);
	/* renewed after a fork only past FG_FAST_FAR windows */
	fg_fast_renew(root, FG_RULE_COUNT, FG_FAST_FAR * w);
	assert_true(fg_fast_sys(&s, FG_FAST_FAR * w));
	assert_int_equal(s.swap_total_kb, 0);
	wait_us(FG_FAST_FAR * w);
	assert_true(fg_fast_pass(root, &anon, &kept));
	fg_fast_after(root, FG_RULE_COUNT);
	assert_true(fg_fast_sys(&s, w));
	assert_int_equal(s.swap_total_kb, SWAP_KB);

	/* after a fork: forks more than a window apart leave the base as it
	 * is (each reads its own mode and statm); a window's forks renew it */
	wait_us(w);
	assert_true(fg_fast_pass(root, &anon, &kept));
	fg_fast_after(root, FG_RULE_COUNT);
	assert_false(fg_fast_sys(&s, w));
	assert_true(fg_fast_pass(root, &anon, &kept));
	fg_fast_after(root, FG_RULE_COUNT);
	assert_true(fg_fast_sys(&s, w));
}

static void mode0_short_window(void **state)
{
	(void)state;
	swap_gone(100000);
	far_below(100000);
}

/* The real window, waited out once. */
static void mode0_real_window(void **state)
{
	(void)state;
	assert_int_equal(FG_FAST_WINDOW_US, 1000000);
	assert_int_equal(FG_FAST_FAR, 10);
	swap_gone(FG_FAST_WINDOW_US);
	assert_int_equal(fg_fast_window(), FG_FAST_WINDOW_US);
}

/* Mode 2: CommitLimit lowered by overcommit_ratio, swap taken away. */
static void mode2_commit_limit(void **state)
{
	/* ratio 50: CommitLimit 8 GiB + 1 GiB swap; 7 GiB committed, 1.5 more */
	uint64_t committed = 7 * 1048576, pages = 1536 * 256, anon;
	unsigned kept;

	(void)state;
	fg_fast_set_window(100000);
	put("sys/vm/overcommit_memory", "2\n");
	put("sys/vm/overcommit_ratio", "50\n");
	put("sys/vm/overcommit_kbytes", "0\n");
	put("sys/vm/admin_reserve_kbytes", "0\n");
	put("sys/vm/user_reserve_kbytes", "0\n");
	meminfo(SWAP_KB, committed);
	statm_pages(pages);
	usleep(150000);
	assert_int_equal(verdict(), FG_OK);
	/* the whole check decides mode 2: no cached one-number pass */
	assert_false(fg_fast_pass(root, &anon, &kept));
	/* ratio 40: CommitLimit 6.4 GiB + 1 GiB swap < 8.5 GiB */
	put("sys/vm/overcommit_ratio", "40\n");
	assert_int_equal(verdict(), FG_OK); /* the sysctls: within W */
	usleep(150000);
	assert_int_equal(verdict(), FG_FAIL);
	/* back to 50, and the swap taken away: meminfo counts at once */
	put("sys/vm/overcommit_ratio", "50\n");
	usleep(150000);
	assert_int_equal(verdict(), FG_OK);
	meminfo(0, committed);
	assert_int_equal(verdict(), FG_FAIL);
	fg_fast_set_window(FG_FAST_WINDOW_US);
}

/* The fd this process holds on @path (-1: none). */
static int fd_on(const char *path)
{
	char link[64], target[700];
	ssize_t n;
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, path))
			return fd;
	}
	return -1;
}

/* A file of the program's own, holding @text, put on @fd's number. */
static void reuse(int fd, const char *name, const char *text)
{
	char path[700];
	int own;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	own = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(own >= 0);
	assert_int_equal(write(own, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(dup2(own, fd), fd);
	assert_int_equal(close(own), 0);
}

/* @fd is still the program's file @name, with its text. */
static void still_own(int fd, const char *name, const char *text)
{
	char path[700], buf[128];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_int_equal(fd_on(path), fd);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_int_equal(n, (ssize_t)strlen(text));
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

/*
 * statm's kept fd sits at FG_KEPT_FD_MIN or above, and a fstat before each
 * pread says it is still ours.  A program that closes it and opens a file
 * of its own on that number, whatever its text (another process's statm
 * too): the next read opens statm again, the program's file stays open,
 * unread and untouched.
 */
static void statm_fd_reused(void **state)
{
	char statm[700];
	uint64_t anon;
	unsigned kept;
	int fd, again;

	(void)state;
	fg_fast_set_window(60 * 1000000L);
	put("sys/vm/overcommit_memory", "0\n");
	meminfo(SWAP_KB, 0);
	statm_pages(MEM_KB / 4 / 4);
	fg_fast_renew(root, FG_RULE_COUNT, -1);
	fg_size_forget(); /* each pass below reads statm */
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(anon == 90);
	snprintf(statm, sizeof(statm), "%s/self/statm", root);
	fd = fd_on(statm);
	/* high, where a program's next open() does not land */
	assert_true(fd >= FG_KEPT_FD_MIN && fd < 64);

	reuse(fd, "own.log", "a log line\n");
	anon = 0;
	fg_size_forget();
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(anon == 90);
	still_own(fd, "own.log", "a log line\n");
	again = fd_on(statm);
	assert_true(again >= FG_KEPT_FD_MIN && again != fd);

	/* a whole statm, over the limit: not ours either */
	reuse(again, "other-statm", "999999999 100 10 1 0 100 0\n");
	fg_size_forget();
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(anon == 90);
	still_own(again, "other-statm", "999999999 100 10 1 0 100 0\n");
	assert_true(fd_on(statm) >= FG_KEPT_FD_MIN);
	close(fd);
	close(again);
	fg_fast_set_window(FG_FAST_WINDOW_US);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mode0_short_window),
		cmocka_unit_test(mode2_commit_limit),
		cmocka_unit_test(mode0_real_window),
		cmocka_unit_test(statm_fd_reused),
	};

	return cmocka_run_group_tests_name("window", tests, setup, teardown);
}
