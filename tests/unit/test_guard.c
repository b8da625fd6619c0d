/*
 * test_guard - the guard's decision flow with a fake sink.
 *
 * guard.c is linked with this file's fg_log_admit/fg_log_write in place of
 * log.c, so every report it would send is captured here.  The process's
 * configuration is read once (fg_config), from the environment main()
 * sets: enforce mode, JSON, no rate limit, and a procfs root that is a
 * recorded snapshot of a process whose fork mode 2 refuses.  Then:
 * before() refuses it and reports; after() explains a fork the kernel
 * refused but the model passed (a mismatch, with the exact post-mortem),
 * an EAGAIN (the task limits), and stays silent for a fork that passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "guard.h"
#include "fake_sink.h"

static void drain(void)
{
	sink_drain();
}

/* A guard as fg_guard_before leaves it for a fork judged ok. */
static void judged_ok(struct fg_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->c = fg_config();
	assert_non_null(g->c);
	fg_event_init(&g->e, "fork");
	g->e.r.verdict = FG_OK;
	g->e.r.tier = FG_TIER_STATM;
	g->active = true;
}

static void enforce_refuses(void **state)
{
	struct fg_guard g;

	(void)state;
	drain();
	assert_true(fg_guard_before(&g, "fork"));
	assert_true(g.e.refused);
	assert_int_equal(g.e.r.verdict, FG_FAIL);
	assert_true(g.e.r.exact);
	assert_int_equal(lines, 1);
	has("\"call\":\"fork\"");
	has("\"verdict\":\"fail\"");
	has("\"outcome\":\"refused\"");
	has("\"tier\":\"smaps\"");
	has("\"failing_vma\":{");
}

static void mismatch_post_mortem(void **state)
{
	struct fg_guard g;

	(void)state;
	drain();
	judged_ok(&g);
	fg_guard_after(&g, true, ENOMEM);
	assert_true(g.e.mismatch);
	/* the exact charge, read after the failure, replaced the bound */
	assert_true(g.e.r.exact);
	assert_int_equal(g.e.r.verdict, FG_FAIL);
	assert_int_equal(lines, 1);
	has("\"outcome\":\"ENOMEM\"");
	has("\"mismatch\":true");
	has("\"tier\":\"smaps\"");
}

static void eagain_limits(void **state)
{
	struct fg_guard g;

	(void)state;
	drain();
	judged_ok(&g);
	fg_guard_after(&g, true, EAGAIN);
	assert_true(g.e.have_limits);
	assert_false(g.e.mismatch);
	assert_int_equal(lines, 1);
	has("\"outcome\":\"EAGAIN\"");
	has("\"limits\":{\"nproc_limit\":");
}

static void quiet_success(void **state)
{
	struct fg_guard g;

	(void)state;
	drain();
	judged_ok(&g);
	fg_guard_after(&g, false, 0);
	assert_int_equal(g.e.outcome_errno, 0);
	assert_int_equal(lines, 0);
}

static void inactive_is_silent(void **state)
{
	struct fg_guard g;

	(void)state;
	drain();
	judged_ok(&g);
	g.active = false;
	fg_guard_after(&g, true, ENOMEM);
	assert_int_equal(lines, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enforce_refuses),
		cmocka_unit_test(mismatch_post_mortem),
		cmocka_unit_test(eagain_limits),
		cmocka_unit_test(quiet_success),
		cmocka_unit_test(inactive_is_silent),
	};
	const char *base = getenv("FG_FIXTURES");
	char root[600];

	snprintf(root, sizeof(root), "%s/snapshots/mode2-5.2plus-fail",
		 base ? base : "fixtures");
	setenv("FORKGUARD_MODE", "enforce", 1);
	setenv("FORKGUARD_FORMAT", "json", 1);
	setenv("FORKGUARD_RATE_LIMIT", "0", 1);
	setenv("FORKGUARD_PROCFS", root, 1);
	unsetenv("FORKGUARD_METRICS");
	unsetenv("FORKGUARD_REPORT");
	return cmocka_run_group_tests_name("guard", tests, NULL, NULL);
}
