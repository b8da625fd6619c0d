/*
 * test_kept - the size a fork goes by without a syscall (size.c), as the
 * fork path uses it (fastpath.c, on the wiped page: fg_self_init), and
 * the renewal the parent's handler runs only when the fork found it due.
 * Over the recorded procfs tree of window.h; the window is shortened
 * through fg_fast_set_window().
 */
#include <sys/wait.h>
#include <time.h>

#include "self.h"
#include "size.h"
#include "window.h"

/*
 * The size a fork goes by without a read: statm as an earlier fork of this
 * process read it, at most a window old and at most half of the bound, or
 * at most FG_FAST_FAR windows old and a quarter.  A growth past the limit
 * within that time is missed (the staleness accepted), and counts once
 * that read is too old; a read nearer the limit decides nothing (each fork
 * reads); nothing is read after a fork; a child never goes by its
 * parent's read; under FORKGUARD_MODE=remediate no fork goes by an
 * earlier read.
 */
static void statm_kept(void **state)
{
	/* with swap, in pages: over the limit; 60 % of it */
	const uint64_t over = (MEM_KB + SWAP_KB) / 4 + 1,
		       near = (MEM_KB + SWAP_KB) / 4 * 6 / 10;
	uint64_t anon;
	unsigned kept;
	pid_t pid;
	int status;

	(void)state;
	/* a second: room for a loaded machine between a read and a check */
	fg_fast_set_window(1000000);
	put("sys/vm/overcommit_memory", "0\n");
	meminfo(SWAP_KB, 0);
	fg_fast_renew(root, FG_RULE_COUNT, -1);
	fg_size_forget();

	/* read once, then kept; not read again after a fork */
	statm_anon(FAR_PAGES, 100);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	assert_true(anon == 100);
	statm_anon(FAR_PAGES, 150);
	fg_fast_after(root, FG_RULE_COUNT);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(kept);
	assert_true(anon == 100);

	/* within the window, a growth past the limit is missed; past it,
	 * the fork reads statm */
	statm_anon(over, 200);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(kept);
	usleep(1000000 + 50000);
	fg_fast_renew(root, FG_RULE_COUNT, -1); /* the base, not statm */
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	assert_true(anon == 200);

	/* past the window, up to FG_FAST_FAR windows: a quarter, the
	 * RssAnon four times over; past that, the fork reads */
	fg_fast_set_window(300000);
	fg_size_forget();
	statm_anon((MEM_KB + SWAP_KB) / 4 / 5, 100);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_int_equal(kept, 0);
	statm_anon(over, 200);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_int_equal(kept, 2);
	usleep(300000 + 50000);
	fg_fast_renew(root, FG_RULE_COUNT, -1);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_int_equal(kept, 4);
	assert_true(anon == 100);
	usleep(FG_FAST_FAR * 300000);
	fg_fast_renew(root, FG_RULE_COUNT, -1);
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_int_equal(kept, 0);
	assert_true(anon == 200);
	fg_fast_set_window(1000000);

	/* nearer the limit than half: every fork reads */
	statm_anon(near, 100);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	statm_anon(over, 200);
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);

	/* a child reads its own, the parent keeps going by its read */
	statm_anon(FAR_PAGES, 100);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	statm_anon(over, 200);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(fg_fast_pass(root, &anon, &kept) || kept ||
		      anon != 200);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(kept);
	assert_true(anon == 100);

	/* FORKGUARD_MODE=remediate: every fork reads */
	fg_fast_settle(false, true);
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_false(kept);
	assert_true(anon == 200);
	fg_fast_settle(false, false);
	fg_fast_set_window(FG_FAST_WINDOW_US);
}

/*
 * The parent's handler renews the caches only when the fork before found
 * a renewal due (fg_after_take): a fresh base flags nothing; one older
 * than FG_FAST_FAR windows flags it, once; fg_fast_after then renews it,
 * and renews one past half of that age.
 */
static void renewal_flagged(void **state)
{
	struct fg_sys s;
	uint64_t anon;
	unsigned kept;

	(void)state;
	fg_fast_set_window(100000);
	put("sys/vm/overcommit_memory", "0\n");
	meminfo(SWAP_KB, 0);
	statm_pages(FAR_PAGES);
	fg_fast_renew(root, FG_RULE_COUNT, -1);
	(void)fg_after_take();
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(fg_after_take());
	usleep(FG_FAST_FAR * 100000 + 50000);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(fg_after_take());
	assert_false(fg_after_take());
	fg_fast_after(root, FG_RULE_COUNT);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(fg_after_take());

	/* a renewal (cow's headroom came due) takes along a base past half
	 * of its age, not a younger one: the two come due together */
	usleep(FG_FAST_FAR * 100000 / 2 - 200000);
	fg_fast_after(root, FG_RULE_COUNT);
	assert_false(fg_fast_sys(&s, 100000));
	usleep(300000);
	fg_fast_after(root, FG_RULE_COUNT);
	assert_true(fg_fast_sys(&s, 100000));
	fg_fast_set_window(FG_FAST_WINDOW_US);
}

static long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/*
 * A process that forks seldom (more than a quarter of FG_FAST_FAR windows
 * apart) would pay a renewal every FG_FAST_FAR windows at every fourth
 * fork or more often: a fork far below (at most a quarter of what the old
 * base passes) spares it, up to FG_AFTER_EVERY - 1 times in a row; the
 * next makes it.  One nearer the limit, the first one (the cadence not
 * known yet), or one of forks that come closer together, makes it.
 */
static void renewal_spared(void **state)
{
	const long w = 40000, apart = FG_FAST_FAR * w + 30000;
	/* 5 % of RAM: under a quarter of the half of RAM + swap */
	const uint64_t spare = MEM_KB / 4 / 20;
	uint64_t anon;
	unsigned kept, i;
	bool taken;
	long t0;

	(void)state;
	fg_fast_set_window(w);
	put("sys/vm/overcommit_memory", "0\n");
	meminfo(SWAP_KB, 0);
	statm_pages(spare);
	fg_fast_renew(root, FG_RULE_COUNT, -1);
	(void)fg_after_take();
	/* the first stale fork: the cadence is not known yet (as in a
	 * process that has not forked: the other tests' forks forgotten) */
	fg_wiped()->stale_at = fg_wiped()->stale_prev = 0;
	fg_wiped()->spared = 0;
	usleep(apart);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(fg_after_take());
	fg_fast_after(root, FG_RULE_COUNT);
	for (i = 1; i < FG_AFTER_EVERY; i++) {
		usleep(apart);
		assert_true(fg_fast_pass(root, &anon, &kept));
		assert_true(fg_fast_seldom());
		if (fg_after_take())
			fail_msg("fork %u far below, seldom: renewed", i);
	}
	usleep(apart);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(fg_after_take()); /* the FG_AFTER_EVERY-th */
	fg_fast_after(root, FG_RULE_COUNT);

	/* seldom, but nearer the limit: renewed at once */
	usleep(apart);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_false(fg_after_take()); /* spared: the count starts again */
	statm_pages(FAR_PAGES);
	usleep(apart);
	assert_true(fg_fast_pass(root, &anon, &kept));
	assert_true(fg_after_take());
	fg_fast_after(root, FG_RULE_COUNT);

	/* far below, forks closer together (60 ms: more than the window,
	 * less than a quarter of FG_FAST_FAR windows): a renewal every
	 * FG_FAST_FAR windows, by the fork that finds the base that old */
	statm_pages(spare);
	usleep(apart);
	assert_true(fg_fast_pass(root, &anon, &kept));
	(void)fg_after_take();
	fg_fast_after(root, FG_RULE_COUNT);
	t0 = mono_us();
	for (i = 0, taken = false; i < 2 * FG_FAST_FAR && !taken; i++) {
		usleep(60000);
		assert_true(fg_fast_pass(root, &anon, &kept));
		taken = fg_after_take();
	}
	assert_true(taken);
	assert_true(mono_us() - t0 >= FG_FAST_FAR * w);
	assert_false(fg_fast_seldom());
	fg_fast_set_window(FG_FAST_WINDOW_US);
}

static int setup_kept(void **state)
{
	fg_self_init(); /* the wiped page, as in a guarded process */
	return setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statm_kept),
		cmocka_unit_test(renewal_flagged),
		cmocka_unit_test(renewal_spared),
	};

	return cmocka_run_group_tests_name("kept", tests, setup_kept,
					   teardown);
}
