/*
 * test_cgroup - the copy-on-write headroom over recorded cgroup trees.
 *
 * fixtures/cgroup/<name>/ holds a proc/ and a sys/ root; its `expect`
 * lists the values worked out by hand from those files.  fg_sys_read()
 * and fg_cow_check() read them through the code the library uses on the
 * real /proc and /sys; every expected key must match.  The parsers and
 * the pure verdict get their own edge cases.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "fixture.h"
#include "task_limits.h"
#include "policy_cow.h"

static const char *const bind_names[] = { "none", "memcg", "memcg_swap",
					  "host" };

static void num(char *out, size_t len, uint64_t v)
{
	if (v == FG_COW_NONE)
		snprintf(out, len, "none");
	else
		snprintf(out, len, "%llu", (unsigned long long)v);
}

/* The value of @key as the fixture's expect file spells it. */
static void got(const struct fg_cow *c, const struct fg_memcg *cg,
		const char *key, char *out, size_t len)
{
	if (!strcmp(key, "verdict"))
		snprintf(out, len, "%s", fg_cow_verdict_name(c->verdict));
	else if (!strcmp(key, "worst_kb"))
		num(out, len, c->worst_kb);
	else if (!strcmp(key, "headroom_kb"))
		num(out, len, c->headroom_kb);
	else if (!strcmp(key, "reclaim_kb"))
		num(out, len, c->reclaim_kb);
	else if (!strcmp(key, "throttle_kb"))
		num(out, len, c->throttle_kb);
	else if (!strcmp(key, "bind"))
		snprintf(out, len, "%s", bind_names[c->bind]);
	else if (!strcmp(key, "bind_path"))
		snprintf(out, len, "%s", c->bind_path[0] ? c->bind_path : "-");
	else if (!strcmp(key, "cgroup"))
		snprintf(out, len, "%s", c->cgroup);
	else if (!strcmp(key, "version"))
		snprintf(out, len, "%d", c->cg_version);
	else if (!strcmp(key, "container_view"))
		snprintf(out, len, "%d", c->container_view);
	else if (!strcmp(key, "oom_group"))
		snprintf(out, len, "%d", c->oom_group);
	else if (!strcmp(key, "oom_kill"))
		snprintf(out, len, "%lld", (long long)cg->oom_kill);
	else if (!strcmp(key, "thp"))
		snprintf(out, len, "%s", c->thp);
	else if (!strcmp(key, "mode2"))
		snprintf(out, len, "%d", c->mode2);
	else
		fail_msg("unknown key %s", key);
}

static void check_fixture(const char *name)
{
	const char *base = getenv("FG_FIXTURES");
	char root[512], proc[600], sys[600], path[700], key[64], want[300],
		have[300];
	struct fg_memcg cg;
	struct fg_cow c;
	struct fg_sys s;
	FILE *f;
	int n = 0;

	snprintf(root, sizeof(root), "%s/cgroup/%s", base ? base : "fixtures",
		 name);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	assert_int_equal(fg_sys_read(proc, &s), 0);
	assert_int_equal(fg_cow_check(proc, sys, 0, &s, &c), 0);
	assert_int_equal(fg_memcg_read(proc, sys, 0, &cg), 0);
	snprintf(path, sizeof(path), "%s/expect", root);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fscanf(f, "%63s %299s", key, want) == 2) {
		got(&c, &cg, key, have, sizeof(have));
		if (strcmp(have, want))
			fail_msg("%s: %s is %s, want %s", name, key, have,
				 want);
		n++;
	}
	fclose(f);
	assert_true(n >= 10);
}

static void v1_host(void **state)
{
	(void)state;
	check_fixture("v1-host");
}

static void v1_limit(void **state)
{
	(void)state;
	check_fixture("v1-limit");
}

static void v2_nested(void **state)
{
	(void)state;
	check_fixture("v2-nested");
}

static void v2_container(void **state)
{
	(void)state;
	check_fixture("v2-container");
	check_fixture("v2-nsroot");
}

static void v2_nolimit(void **state)
{
	(void)state;
	check_fixture("v2-nolimit");
	check_fixture("v2-nolimit-mode2");
}

static void v2_oomgroup(void **state)
{
	(void)state;
	check_fixture("v2-oomgroup");
}

/* memory.stat's clean page cache as room: v1's total_* keys (the local
 * ones are 0 there), v2's at a limiting ancestor and at the leaf. */
static void page_cache(void **state)
{
	(void)state;
	check_fixture("v1-pagecache");
	check_fixture("v2-pagecache");
}

/*
 * fg_memcg_renew: the usage of the limited levels read again, what
 * changes seldom kept (the group, limits, the levels without one, the
 * OOM kill count, THP); nothing to read where no memory cgroup was found.
 */
static void renew_usage(void **state)
{
	const char *leaf = "sys/fs/cgroup/system.slice/redis.service",
		   *slice = "sys/fs/cgroup/system.slice";
	char root[1100], proc[1200], sys[1200];
	struct fg_memcg cg, before;

	(void)state;
	fixture_copy("cgroup", "v2-nested", root, sizeof(root));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	assert_int_equal(fg_memcg_read(proc, sys, 0, &cg), 0);
	assert_int_equal(cg.nlvl, 3);
	assert_true(cg.lvl[0].max_kb == 2097152 &&
		    cg.lvl[0].current_kb == 921600);
	assert_true(cg.lvl[1].max_kb == 1228800 &&
		    cg.lvl[1].current_kb == 1126400);
	assert_true(cg.lvl[2].max_kb == FG_COW_NONE &&
		    cg.lvl[2].current_kb == FG_COW_NONE);

	/* usage moves, limits move, the root shows a usage, the process
	 * moves: only the limited levels' usage is read again */
	fixture_put(root, leaf, "memory.current", "524288000\n");
	fixture_put(root, leaf, "memory.swap.current", "1048576\n");
	fixture_put(root, leaf, "memory.max", "1073741824\n");
	fixture_put(root, slice, "memory.current", "734003200\n");
	fixture_put(root, slice, "memory.max", "max\n");
	fixture_put(root, leaf, "memory.events", "oom_kill 5\n");
	fixture_put(root, "sys/fs/cgroup", "memory.current", "4096\n");
	fixture_put(root, "sys/kernel/mm/transparent_hugepage", "enabled",
		    "always madvise [never]\n");
	fixture_put(root, "proc/self", "cgroup", "0::/system.slice\n");
	assert_int_equal(fg_memcg_renew(sys, &cg), 0);
	assert_string_equal(cg.path, "/system.slice/redis.service");
	assert_int_equal(cg.nlvl, 3);
	assert_true(cg.lvl[0].current_kb == 512000);
	assert_true(cg.lvl[0].swap_current_kb == 1024);
	assert_true(cg.lvl[0].max_kb == 2097152);
	assert_true(cg.lvl[1].current_kb == 716800);
	assert_true(cg.lvl[1].max_kb == 1228800);
	assert_true(cg.lvl[2].current_kb == FG_COW_NONE);
	assert_true(cg.oom_kill == 0);
	assert_string_equal(cg.thp, "always");

	/* a whole read sees them: the group the process is in now */
	assert_int_equal(fg_memcg_read(proc, sys, 0, &cg), 0);
	assert_string_equal(cg.path, "/system.slice");
	assert_int_equal(cg.nlvl, 2);
	assert_true(cg.lvl[0].max_kb == FG_COW_NONE &&
		    cg.lvl[0].current_kb == FG_COW_NONE);
	assert_true(cg.oom_kill == 0);
	assert_string_equal(cg.thp, "never");
	fixture_put(root, "proc/self", "cgroup",
		    "0::/system.slice/redis.service\n");
	assert_int_equal(fg_memcg_read(proc, sys, 0, &cg), 0);
	assert_true(cg.lvl[0].max_kb == 1048576 && cg.oom_kill == 5);

	/* a limited level's usage unreadable (the group removed): -ENOENT,
	 * a whole read is due */
	fixture_put(root, leaf, "memory.current", "gone\n");
	assert_int_equal(fg_memcg_renew(sys, &cg), -ENOENT);

	/* no memory cgroup found: nothing to read, nothing changed */
	memset(&cg, 0, sizeof(cg));
	memcpy(&before, &cg, sizeof(cg));
	assert_int_equal(fg_memcg_renew(sys, &cg), 0);
	assert_memory_equal(&cg, &before, sizeof(cg));
	fixture_drop(root);
}

/* v1: usage_in_bytes, and swap as memsw.usage_in_bytes less it */
static void renew_usage_v1(void **state)
{
	const char *leaf = "sys/fs/cgroup/memory/docker/abc";
	char root[1100], proc[1200], sys[1200];
	struct fg_memcg cg;

	(void)state;
	fixture_copy("cgroup", "v1-limit", root, sizeof(root));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	assert_int_equal(fg_memcg_read(proc, sys, 0, &cg), 0);
	assert_true(cg.version == 1 && cg.lvl[0].max_kb == 1048576 &&
		    cg.lvl[0].current_kb == 614400);
	fixture_put(root, leaf, "memory.usage_in_bytes", "314572800\n");
	fixture_put(root, leaf, "memory.memsw.usage_in_bytes", "419430400\n");
	fixture_put(root, leaf, "memory.limit_in_bytes", "2147483648\n");
	assert_int_equal(fg_memcg_renew(sys, &cg), 0);
	assert_true(cg.lvl[0].current_kb == 307200);
	assert_true(cg.lvl[0].swap_current_kb == 102400);
	assert_true(cg.lvl[0].max_kb == 1048576);
	fixture_drop(root);
}

static void parse_proc_cgroup(void **state)
{
	char path[32];

	(void)state;
	assert_int_equal(fg_cg_parse_proc("0::/a/b\n", "memory", path, sizeof(path)),
			 2);
	assert_string_equal(path, "/a/b");
	/* v1 memory wins over the v2 line of a hybrid host */
	assert_int_equal(fg_cg_parse_proc("0::/\n4:memory:/m\n", "memory", path,
					  sizeof(path)),
			 1);
	assert_string_equal(path, "/m");
	assert_int_equal(fg_cg_parse_proc("3:cpu,memory:/x", "memory", path,
					  sizeof(path)),
			 1);
	assert_string_equal(path, "/x");
	/* "memoryx" and "name=memory" are not the controller */
	assert_int_equal(fg_cg_parse_proc("5:memoryx:/y\n6:name=memory:/z\n", "memory",
					  path, sizeof(path)),
			 0);
	assert_int_equal(fg_cg_parse_proc("", "memory", path, sizeof(path)), 0);
	assert_int_equal(fg_cg_parse_proc("garbage\n::\n", "memory", path, sizeof(path)),
			 0);
	/* cut to the buffer */
	assert_int_equal(fg_cg_parse_proc("0::/0123456789", "memory", path, 6), 2);
	assert_string_equal(path, "/0123");
	/* another controller: v1 pids beside v1 memory, else the v2 line */
	assert_int_equal(fg_cg_parse_proc("0::/\n8:pids:/p\n4:memory:/m\n",
					  "pids", path, sizeof(path)),
			 1);
	assert_string_equal(path, "/p");
	assert_int_equal(fg_cg_parse_proc("4:memory:/m\n0::/u\n", "pids", path,
					  sizeof(path)),
			 2);
	assert_string_equal(path, "/u");
}

/* The EAGAIN post-mortem's pids limits through the sysfs root (v2, v1). */
static void pids_limits(void **state)
{
	const char *base = getenv("FG_FIXTURES");
	static const char *const name[] = { "v2-nested", "v1-limit" };
	static const char *const want[] = {
		"/sys/fs/cgroup/system.slice/redis.service",
		"/sys/fs/cgroup/pids/docker/abc"
	};
	char proc[600], sys[600], dir[900], exp[1000];
	struct fg_limits l;

	(void)state;
	for (int i = 0; i < 2; i++) {
		snprintf(proc, sizeof(proc), "%s/cgroup/%s/proc",
			 base ? base : "fixtures", name[i]);
		snprintf(sys, sizeof(sys), "%s/cgroup/%s/sys",
			 base ? base : "fixtures", name[i]);
		assert_int_equal(fg_cg_dir(proc, sys, 0, "pids", dir,
					   sizeof(dir)),
				 2 - i);
		snprintf(exp, sizeof(exp), "%s/cgroup/%s%s",
			 base ? base : "fixtures", name[i], want[i]);
		assert_string_equal(dir, exp);
		assert_int_equal(fg_limits_read_at(proc, sys, 0, &l), 0);
		assert_int_equal(l.pids_max, i ? 512 : 4096);
		assert_int_equal(l.pids_current, i ? 7 : 17);
	}
	/* a sysfs root without the files: unknown, not a guess */
	assert_int_equal(fg_limits_read_at(proc, "/nonexistent", 0, &l), 0);
	assert_int_equal(l.pids_max, FG_LIMIT_UNKNOWN);
	assert_int_equal(l.pids_current, FG_LIMIT_UNKNOWN);
}

static void parse_values(void **state)
{
	uint64_t kb;
	char thp[12];

	(void)state;
	assert_true(fg_cg_parse_kb("max\n", &kb));
	assert_true(kb == FG_COW_NONE);
	assert_true(fg_cg_parse_kb("9223372036854771712\n", &kb));
	assert_true(kb == FG_COW_NONE);
	assert_true(fg_cg_parse_kb("314572800\n", &kb));
	assert_int_equal(kb, 307200);
	assert_false(fg_cg_parse_kb("", &kb));
	assert_false(fg_cg_parse_kb("-1", &kb));
	assert_true(fg_cg_parse_thp("always [madvise] never\n", thp, 12));
	assert_string_equal(thp, "madvise");
	assert_false(fg_cg_parse_thp("always madvise never", thp, 12));
}

/* The verdict at both sides of the room, and what counts as room. */
static void verdict_edges(void **state)
{
	struct fg_memcg cg;
	struct fg_sys s;
	struct fg_cow c;

	(void)state;
	memset(&cg, 0, sizeof(cg));
	memset(&s, 0, sizeof(s));
	cg.version = 2;
	strcpy(cg.path, "/g");
	cg.nlvl = 1;
	cg.lvl[0] = (struct fg_cg_level){ .path_len = 2,
					  .max_kb = 300 * 1024,
					  .high_kb = FG_COW_NONE,
					  .current_kb = 200 * 1024 };
	s.mem_available_kb = 10 * 1024 * 1024;
	fg_cow_eval(&cg, &s, 100 * 1024, &c);
	assert_int_equal(c.verdict, FG_COW_OK);
	assert_int_equal(c.headroom_kb, 100 * 1024);
	fg_cow_eval(&cg, &s, 100 * 1024 + 1, &c);
	assert_int_equal(c.verdict, FG_COW_RISK);
	assert_string_equal(c.bind_path, "/g");
	/* usage above the limit (reclaim pending): no room, not a wrap */
	cg.lvl[0].current_kb = 301 * 1024;
	fg_cow_eval(&cg, &s, 4, &c);
	assert_int_equal(c.headroom_kb, 0);
	assert_int_equal(c.verdict, FG_COW_RISK);
	/* swap the group may use counts only as far as the host has it */
	cg.lvl[0].current_kb = 200 * 1024;
	cg.lvl[0].swap_max_kb = FG_COW_NONE;
	s.swap_free_kb = 50 * 1024;
	fg_cow_eval(&cg, &s, 0, &c);
	assert_int_equal(c.headroom_kb, 150 * 1024);
	assert_int_equal(c.bind, FG_BIND_MEMCG_SWAP);
	/* the host binds when tighter (modes 0 and 1), never in mode 2 */
	s.mem_available_kb = 10 * 1024;
	s.swap_free_kb = 0;
	fg_cow_eval(&cg, &s, 0, &c);
	assert_int_equal(c.bind, FG_BIND_HOST);
	assert_int_equal(c.headroom_kb, 10 * 1024);
	s.mode = 2;
	fg_cow_eval(&cg, &s, 0, &c);
	assert_int_equal(c.bind, FG_BIND_MEMCG);
	assert_true(c.mode2);
	/* clean page cache is room (the group reclaims it first), at most
	 * the usage, and none when the usage is unknown */
	s.mode = 0;
	s.mem_available_kb = 10 * 1024 * 1024;
	cg.lvl[0].swap_max_kb = 0;
	cg.lvl[0].cache_kb = 30 * 1024;
	fg_cow_eval(&cg, &s, 130 * 1024, &c);
	assert_int_equal(c.verdict, FG_COW_OK);
	assert_int_equal(c.headroom_kb, 130 * 1024);
	assert_int_equal(c.reclaim_kb, 30 * 1024);
	assert_int_equal(c.bind, FG_BIND_MEMCG);
	fg_cow_eval(&cg, &s, 130 * 1024 + 1, &c);
	assert_int_equal(c.verdict, FG_COW_RISK);
	cg.lvl[0].cache_kb = 500 * 1024;
	fg_cow_eval(&cg, &s, 0, &c);
	assert_int_equal(c.headroom_kb, 300 * 1024);
	assert_int_equal(c.reclaim_kb, 200 * 1024);
	cg.lvl[0].current_kb = FG_COW_NONE;
	fg_cow_eval(&cg, &s, 0, &c);
	assert_int_equal(c.headroom_kb, 300 * 1024);
	assert_int_equal(c.reclaim_kb, 0);
	/* the host binding: its MemAvailable counts its cache already */
	cg.lvl[0].current_kb = 200 * 1024;
	s.mem_available_kb = 1024;
	fg_cow_eval(&cg, &s, 0, &c);
	assert_int_equal(c.bind, FG_BIND_HOST);
	assert_int_equal(c.reclaim_kb, 0);
	/* nothing known at all */
	fg_cow_eval(NULL, NULL, 4, &c);
	assert_int_equal(c.verdict, FG_COW_UNKNOWN);
}

/* Who an OOM kill takes: one process, the group, the systemd unit. */
static void blast_radius(void **state)
{
	struct fg_cow c;
	char unit[64];

	(void)state;
	memset(&c, 0, sizeof(c));
	strcpy(c.cgroup, "/kubepods/pod1/ctr");
	assert_int_equal(fg_cow_blast(&c, unit, sizeof(unit)), FG_BLAST_ONE);
	assert_string_equal(unit, "");
	c.oom_group = true;
	assert_int_equal(fg_cow_blast(&c, unit, sizeof(unit)), FG_BLAST_GROUP);
	/* a unit wins over the group: systemd stops all of it */
	strcpy(c.cgroup, "/system.slice/redis-server.service");
	assert_int_equal(fg_cow_blast(&c, unit, sizeof(unit)), FG_BLAST_UNIT);
	assert_string_equal(unit, "redis-server.service");
	c.oom_group = false;
	strcpy(c.cgroup, "/system.slice/valkey.service/sub");
	assert_int_equal(fg_cow_blast(&c, NULL, 0), FG_BLAST_UNIT);
	assert_int_equal(fg_cow_blast(&c, unit, sizeof(unit)), FG_BLAST_UNIT);
	assert_string_equal(unit, "valkey.service");
	/* not a unit: ".service" alone, or inside a name */
	strcpy(c.cgroup, "/a/.service/b.services");
	assert_int_equal(fg_cow_blast(&c, unit, sizeof(unit)), FG_BLAST_ONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_host),	cmocka_unit_test(v1_limit),
		cmocka_unit_test(v2_nested),	cmocka_unit_test(v2_container),
		cmocka_unit_test(v2_nolimit),	cmocka_unit_test(v2_oomgroup),
		cmocka_unit_test(page_cache),
		cmocka_unit_test(renew_usage),	cmocka_unit_test(renew_usage_v1),
		cmocka_unit_test(parse_proc_cgroup),
		cmocka_unit_test(pids_limits),
		cmocka_unit_test(parse_values), cmocka_unit_test(verdict_edges),
		cmocka_unit_test(blast_radius),
	};

	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
