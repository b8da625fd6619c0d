/*
 * test_cow_renew - the copy-on-write headroom as the fork path renews it
 * (cow.c): a renewal after a fork reads the usage of the cgroup's limited
 * levels; the limits, only once the last whole walk is FG_COW_LIMITS_FAR
 * windows old (60: 6 s with the window shortened to 100 ms); a fork that
 * is not far below reads it all before it forks; a fork that goes the
 * whole way keeps its walk for the renewals.  Seen through fg_cow_quick():
 * a worst case passes a fresh headroom of at least twice its size, an
 * older one of four times.  Over a copy of fixtures/cgroup/v2-nested, its
 * leaf's files rewritten between two checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cow.h"
#include "fastpath.h"
#include "fixture.h"
#include "self.h"

#define W_US 100000L
#define MIB  (UINT64_C(1) << 20)
#define LEAF "sys/fs/cgroup/system.slice/redis.service"

static char root[160]; /* within FG_PATH_MAX, with "/proc" */
static struct fg_config c;

/* the leaf's limit and usage, in MiB (no memory.high, no swap) */
static void leaf(unsigned max_mib, unsigned used_mib)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu\n", (unsigned long long)max_mib * MIB);
	fixture_put(root, LEAF, "memory.max", v);
	snprintf(v, sizeof(v), "%llu\n", (unsigned long long)used_mib * MIB);
	fixture_put(root, LEAF, "memory.current", v);
}

/* a worst case of @mib MiB, in pages */
static uint64_t worst(unsigned mib)
{
	return mib * MIB / (uint64_t)sysconf(_SC_PAGESIZE);
}

static long mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

/* a renewal after a fork, @sleep_us after the last, then a fork at once
 * (its headroom fresh) whose worst case is @mib MiB: does it pass? */
static bool renewed_passes(long sleep_us, unsigned mib)
{
	usleep((useconds_t)sleep_us);
	fg_cow_after(&c);
	return fg_cow_quick(&c, worst(mib), 0);
}

/* past half of FG_FAST_FAR windows: the after-fork renewal is due */
static const long due = FG_FAST_FAR * W_US / 2 + 20000;

static void renewal_reads_usage(void **state)
{
	long whole;

	(void)state;
	leaf(1024, 512); /* room 512 MiB */
	assert_true(fg_cow_quick(&c, worst(200), 0)); /* the first walk */

	/* the usage is read again: 124 MiB of room */
	leaf(1024, 900);
	assert_false(renewed_passes(due, 200));

	/* the limit is kept: 600 MiB on disk (88 MiB of room), 1 GiB as
	 * kept (100 MiB passes 512 at either age) */
	leaf(600, 512);
	assert_true(renewed_passes(due, 100));

	/* a fork not far below (over a quarter of an older headroom) reads
	 * everything: 88 MiB of room */
	usleep(W_US + 10000);
	assert_false(fg_cow_quick(&c, worst(200), 0));
	whole = mono_us(); /* that walk was before */

	/* a limit raised: kept at 600 MiB until the whole walk is
	 * FG_COW_LIMITS_FAR windows old, then read */
	leaf(1024, 512);
	assert_false(renewed_passes(due, 200));
	usleep((useconds_t)(whole + 60L * W_US + 50000 - mono_us()));
	assert_true(renewed_passes(0, 200));

	/* the group gone (a limited level's usage unreadable): walked
	 * again, the process now in its parent */
	fixture_put(root, "proc/self", "cgroup", "0::/system.slice\n");
	fixture_put(root, "sys/fs/cgroup/system.slice", "memory.max",
		    "629145600\n");
	fixture_put(root, "sys/fs/cgroup/system.slice", "memory.current",
		    "536870912\n");
	fixture_put(root, LEAF, "memory.current", "garbage\n");
	assert_false(renewed_passes(due, 200));
	fixture_put(root, "proc/self", "cgroup",
		    "0::/system.slice/redis.service\n");
	fixture_put(root, "sys/fs/cgroup/system.slice", "memory.max", "max\n");
}

/* a fork that goes the whole way keeps its walk: the renewal after it
 * goes by that fork's limit (2 GiB), not by an older walk's (1 GiB) nor
 * by the disk's (600 MiB) */
static void fork_walk_kept(void **state)
{
	struct fg_cow_fork f;
	struct fg_cow out;
	struct fg_sys s;

	(void)state;
	leaf(2048, 512);
	assert_int_equal(fg_sys_read(c.procfs, &s), 0);
	fg_cow_fork(&c, &s, &out, &f);
	assert_true(out.headroom_kb == 1536 * 1024);
	leaf(600, 512);
	assert_true(renewed_passes(due, 700));
}

static int setup(void **state)
{
	(void)state;
	fixture_copy("cgroup", "v2-nested", root, sizeof(root));
	fixture_put(root, LEAF, "memory.high", "max\n");
	fixture_put(root, LEAF, "memory.swap.max", "0\n");
	fixture_put(root, "sys/fs/cgroup/system.slice", "memory.max", "max\n");
	c.mode = FG_MODE_OBSERVE;
	c.cow = FG_COW_WARN;
	c.rule = FG_RULE_5_2;
	snprintf(c.procfs, sizeof(c.procfs), "%s/proc", root);
	snprintf(c.sysfs, sizeof(c.sysfs), "%s/sys", root);
	fg_self_init();
	fg_fast_set_window(W_US);
	fg_fast_renew(c.procfs, c.rule, -1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_drop(root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renewal_reads_usage),
		cmocka_unit_test(fork_walk_kept),
	};

	return cmocka_run_group_tests_name("cow_renew", tests, setup,
					   teardown);
}
