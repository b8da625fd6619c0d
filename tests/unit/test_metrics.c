/*
 * test_metrics - the guard's counters and the file they are written to,
 * with the real metrics.c (the fork path's adds) and prom.c (the text).
 *
 * FORKGUARD_METRICS is a private directory, interval 0: each
 * fg_metrics_tick() claims a write, fg_metrics_write() makes it (no
 * verdict: no margin), and the tests read the file back as
 * Prometheus text.  Checked: a check that took exactly a bucket's bound
 * falls in that bucket (le is <=), one nanosecond more in the next, the
 * buckets cumulative and the count and sum theirs; failures by errno
 * (ENOMEM, EAGAIN, anything else as other) and outcome ok as attempts less
 * failures; a refusal counted as refused, not as an attempt; released kB as
 * bytes; OOM kills summed, a count <= 0 adding nothing.  The counters are
 * process-wide: the tests run in order and read differences.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static char dir[64];

/* the value of the sample whose line starts with @name{ and holds every
 * label of @labels (comma-separated), or -1 */
static double sample(const char *name, const char *labels)
{
	char pattern[128], line[1024], want[256], *tok, *save;
	double v = -1;
	glob_t g;
	FILE *f;

	if (fg_metrics_tick())
		fg_metrics_write(NULL);
	snprintf(pattern, sizeof(pattern), "%s/forkguard-*.prom", dir);
	if (glob(pattern, 0, NULL, &g) || g.gl_pathc != 1)
		fail_msg("not one metrics file in %s", dir);
	f = fopen(g.gl_pathv[0], "r");
	assert_non_null(f);
	while (v < 0 && fgets(line, sizeof(line), f)) {
		bool all = true;

		if (strncmp(line, name, strlen(name)) || line[strlen(name)] != '{')
			continue;
		snprintf(want, sizeof(want), "%s", labels);
		for (tok = strtok_r(want, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			all &= strstr(line, tok) != NULL;
		if (all)
			v = strtod(strrchr(line, ' ') + 1, NULL);
	}
	fclose(f);
	globfree(&g);
	return v;
}

static double bucket(int i)
{
	static const char *const le[FG_M_BUCKETS] = {
		"5e-06",   "1e-05", "2.5e-05", "5e-05", "0.0001",
		"0.00025", "0.001", "0.005",   "0.025", "+Inf",
	};
	char l[32];

	snprintf(l, sizeof(l), "le=\"%s\"", le[i]);
	return sample("forkguard_check_seconds_bucket", l);
}

static void buckets_le(void **state)
{
	double before[FG_M_BUCKETS], count = sample("forkguard_check_seconds_count", "");
	int i;

	(void)state;
	for (i = 0; i < FG_M_BUCKETS; i++)
		before[i] = bucket(i);
	/* one check at each finite bound, one just above the last */
	for (i = 0; i < FG_M_BUCKETS - 1; i++)
		fg_metrics_attempt("fork", FG_OK, fg_m_bucket_ns[i]);
	fg_metrics_attempt("fork", FG_OK, fg_m_bucket_ns[FG_M_BUCKETS - 2] + 1);
	for (i = 0; i < FG_M_BUCKETS - 1; i++)
		assert_true(bucket(i) - before[i] == i + 1);
	assert_true(bucket(FG_M_BUCKETS - 1) - before[FG_M_BUCKETS - 1] ==
		    FG_M_BUCKETS);
	assert_true(sample("forkguard_check_seconds_count", "") - count ==
		    FG_M_BUCKETS);
	assert_true(sample("forkguard_check_seconds_sum", "") > 0.025);
}

static void failures_by_errno(void **state)
{
	const char *ok = "call=\"fork\",verdict=\"ok\",outcome=\"ok\"";
	const char *failed = "call=\"fork\",verdict=\"ok\",outcome=\"failed\"";
	double a = sample("forkguard_forks_total", ok),
	       f = sample("forkguard_forks_total", failed),
	       en = sample("forkguard_fork_failures_total", "errno=\"ENOMEM\""),
	       ea = sample("forkguard_fork_failures_total", "errno=\"EAGAIN\""),
	       eo = sample("forkguard_fork_failures_total", "errno=\"other\"");

	(void)state;
	for (int i = 0; i < 5; i++)
		fg_metrics_attempt("fork", FG_OK, 1000);
	fg_metrics_failed("fork", FG_OK, ENOMEM);
	fg_metrics_failed("fork", FG_OK, EAGAIN);
	fg_metrics_failed("fork", FG_OK, EINVAL);
	assert_true(sample("forkguard_forks_total", ok) - a == 2);
	assert_true(sample("forkguard_forks_total", failed) - f == 3);
	assert_true(sample("forkguard_fork_failures_total", "errno=\"ENOMEM\"") - en == 1);
	assert_true(sample("forkguard_fork_failures_total", "errno=\"EAGAIN\"") - ea == 1);
	assert_true(sample("forkguard_fork_failures_total", "errno=\"other\"") - eo == 1);
}

static void refused_not_attempted(void **state)
{
	const char *ok = "call=\"fork\",verdict=\"ok\",outcome=\"ok\"";
	const char *refused = "call=\"fork\",verdict=\"fail\",outcome=\"refused\"";
	double r = sample("forkguard_refused_total", ""),
	       a = sample("forkguard_forks_total", ok),
	       n = sample("forkguard_check_seconds_count", "");

	(void)state;
	fg_metrics_refused("fork", 2000);
	fg_metrics_refused("fork", 2000);
	assert_true(sample("forkguard_refused_total", "") - r == 2);
	assert_true(sample("forkguard_forks_total", refused) >= 2);
	assert_true(sample("forkguard_forks_total", ok) == a);
	assert_true(sample("forkguard_check_seconds_count", "") - n == 2);
}

static void released_and_kills(void **state)
{
	double k = sample("forkguard_cow_oom_kills_total", "");

	(void)state;
	fg_metrics_remedy("trim", "pass", 3);
	fg_metrics_remedy("trim", "fail", 5);
	assert_true(sample("forkguard_remedy_released_bytes_total", "\"trim\"") == 8 * 1024);
	assert_true(sample("forkguard_remedies_total", "\"trim\",result=\"pass\"") == 1);
	assert_true(sample("forkguard_remedies_total", "\"trim\",result=\"fail\"") == 1);
	fg_metrics_cow(FG_COW_RISK, 100, 50, 3);
	fg_metrics_cow(FG_COW_RISK, 100, 50, 0);
	fg_metrics_cow(FG_COW_OK, 100, 500, -1);
	fg_metrics_cow(FG_COW_RISK, 200, 50, 2);
	assert_true(sample("forkguard_cow_oom_kills_total", "") - (k < 0 ? 0 : k) == 5);
	assert_true(sample("forkguard_cow_risk", "") == 1);
	assert_true(sample("forkguard_cow_worst_bytes", "") == 200 * 1024);
	assert_true(sample("forkguard_cow_headroom_bytes", "") == 50 * 1024);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buckets_le),
		cmocka_unit_test(failures_by_errno),
		cmocka_unit_test(refused_not_attempted),
		cmocka_unit_test(released_and_kills),
	};

	strcpy(dir, "/tmp/fg-testmetrics.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	setenv("FORKGUARD_METRICS", dir, 1);
	setenv("FORKGUARD_METRICS_INTERVAL", "0", 1);
	unsetenv("FORKGUARD_MODE");
	fg_metrics_init();
	return cmocka_run_group_tests_name("metrics", tests, NULL, teardown);
}
