/*
 * test_prom - the Prometheus text of one process's counters: outcome ok
 * is attempts minus failures, the histogram is cumulative, a hostile comm
 * stays inside its label, every family has HELP and TYPE, a small buffer
 * yields nothing rather than a cut file; the host view's line; the cow
 * gauges of the last fork (left out before a check had a verdict).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static struct fg_metrics_view view(void)
{
	struct fg_metrics_view v;

	memset(&v, 0, sizeof(v));
	strcpy(v.comm, "redis-server");
	v.pid = 42;
	v.m.attempts[FG_M_FORK][FG_OK] = 5;
	v.m.failures[FG_M_FORK][FG_OK][FG_M_EAGAIN] = 2;
	v.m.attempts[FG_M_FORK][FG_FAIL] = 1;
	v.m.failures[FG_M_FORK][FG_FAIL][FG_M_ENOMEM] = 1;
	v.m.refused[FG_M_FORK] = 3;
	v.m.check_le[0] = 4;
	v.m.check_le[3] = 2;
	v.m.check_count = 6;
	v.m.check_ns = 1500000123;
	v.m.remedies[1][1] = 1; /* jemalloc helped */
	v.m.released_kb[1] = 2048;
	v.have_margin = true;
	v.margin_kb = -3;
	v.m.cow_verdict = FG_COW_RISK;
	v.m.cow_worst_kb = 16384;
	v.m.cow_headroom_kb = 8192;
	v.m.cow_oom_kills = 2;
	return v;
}

static void has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing: %s", line);
}

static void test_process(void **state)
{
	struct fg_metrics_view v = view();
	char buf[16384];
	size_t n = fg_prom_process(&v, buf, sizeof(buf));

	(void)state;
	assert_true(n > 0 && n < sizeof(buf) && buf[n - 1] == '\n');
	has(buf, "forkguard_forks_total{comm=\"redis-server\",pid=\"42\","
		 "call=\"fork\",verdict=\"ok\",outcome=\"ok\"} 3\n");
	has(buf, "verdict=\"ok\",outcome=\"failed\"} 2\n");
	has(buf, "verdict=\"fail\",outcome=\"ok\"} 0\n");
	has(buf, "verdict=\"fail\",outcome=\"failed\"} 1\n");
	has(buf, "verdict=\"fail\",outcome=\"refused\"} 3\n");
	has(buf, "forkguard_fork_failures_total{comm=\"redis-server\",pid="
		 "\"42\",errno=\"EAGAIN\"} 2\n");
	has(buf, "forkguard_refused_total{comm=\"redis-server\",pid=\"42\"} "
		 "3\n");
	has(buf, "remedy=\"jemalloc\",result=\"helped\"} 1\n");
	has(buf, "forkguard_remedy_released_bytes_total{comm=\"redis-server\","
		 "pid=\"42\",remedy=\"jemalloc\"} 2097152\n");
	has(buf, "le=\"5e-06\"} 4\n");
	has(buf, "le=\"2.5e-05\"} 4\n");
	has(buf, "le=\"5e-05\"} 6\n");
	has(buf, "le=\"+Inf\"} 6\n");
	has(buf, "forkguard_check_seconds_sum{comm=\"redis-server\",pid=\"42\"}"
		 " 1.500000123\n");
	has(buf, "forkguard_fork_margin_bytes{comm=\"redis-server\",pid=\"42\"}"
		 " -3072\n");
	has(buf, "# TYPE forkguard_check_seconds histogram\n");
	has(buf, "# TYPE forkguard_cow_risk gauge\n");
	has(buf, "forkguard_cow_risk{comm=\"redis-server\",pid=\"42\"} 1\n");
	has(buf, "forkguard_cow_worst_bytes{comm=\"redis-server\",pid=\"42\"}"
		 " 16777216\n");
	has(buf, "forkguard_cow_headroom_bytes{comm=\"redis-server\",pid="
		 "\"42\"} 8388608\n");
	has(buf, "# TYPE forkguard_cow_oom_kills_total counter\n");
	has(buf, "forkguard_cow_oom_kills_total{comm=\"redis-server\",pid="
		 "\"42\"} 2\n");
	/* no timestamp yet, no start time: those families are left out */
	assert_null(strstr(buf, "forkguard_last_fork_timestamp_seconds"));
	assert_null(strstr(buf, "forkguard_process_start_time_seconds"));
	/* the start time names the pid namespace, when known */
	v.start_ns = 1700000000123456789u;
	v.pidns = 4026531836u;
	assert_true(fg_prom_process(&v, buf, sizeof(buf)) > 0);
	has(buf, "forkguard_process_start_time_seconds{comm=\"redis-server\","
		 "pid=\"42\",pidns=\"4026531836\"} 1700000000.123456789\n");
	v.pidns = 0;
	assert_true(fg_prom_process(&v, buf, sizeof(buf)) > 0);
	has(buf, "forkguard_process_start_time_seconds{comm=\"redis-server\","
		 "pid=\"42\"} 1700000000.123456789\n");
	/* every TYPE line has its HELP line just before it */
	for (const char *p = buf; (p = strstr(p, "# TYPE ")); p++) {
		const char *name = p + 7, *prev = p - 2;

		while (prev > buf && prev[-1] != '\n')
			prev--;
		assert_int_equal(strncmp(prev, "# HELP ", 7), 0);
		assert_int_equal(strncmp(prev + 7, name, strcspn(name, " ")),
				 0);
	}
}

/* the operator's labels on every sample; no released bytes for retry */
static void test_labels(void **state)
{
	struct fg_metrics_view v = view();
	char buf[16384];
	size_t n;

	(void)state;
	v.labels = "instance=redis-6379,role=cache";
	n = fg_prom_process(&v, buf, sizeof(buf));
	assert_true(n > 0);
	has(buf, "forkguard_refused_total{comm=\"redis-server\",pid=\"42\","
		 "instance=\"redis-6379\",role=\"cache\"} 3\n");
	has(buf, "instance=\"redis-6379\",role=\"cache\",le=\"+Inf\"} 6\n");
	for (const char *p = buf; (p = strstr(p, "\nforkguard_")); p++)
		if (!strstr(p + 1, "instance=\"redis-6379\",role=\"cache\"") ||
		    strstr(p + 1, "instance=\"redis-6379\",role=\"cache\"") >
			strchr(p + 1, '\n'))
			fail_msg("a sample without the labels: %.80s", p + 1);
	assert_null(strstr(buf, "remedy_released_bytes_total{comm=\"redis-"
				"server\",pid=\"42\",instance=\"redis-6379\","
				"role=\"cache\",remedy=\"retry\""));
}

static void test_cow(void **state)
{
	struct fg_metrics_view v = view();
	char buf[16384];

	(void)state;
	/* ok, no limit: risk 0, no headroom sample */
	v.m.cow_verdict = FG_COW_OK;
	v.m.cow_headroom_kb = FG_COW_NONE;
	assert_true(fg_prom_process(&v, buf, sizeof(buf)) > 0);
	has(buf, "forkguard_cow_risk{comm=\"redis-server\",pid=\"42\"} 0\n");
	has(buf, "forkguard_cow_worst_bytes{");
	assert_null(strstr(buf, "forkguard_cow_headroom_bytes"));
	/* the last check failed: no gauges; the kills seen before stay */
	v.m.cow_verdict = FG_COW_UNKNOWN;
	assert_true(fg_prom_process(&v, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "forkguard_cow_risk"));
	assert_null(strstr(buf, "forkguard_cow_worst_bytes"));
	has(buf, "forkguard_cow_oom_kills_total{comm=\"redis-server\",pid="
		 "\"42\"} 2\n");
	/* never checked (FORKGUARD_COW=off): no cow family at all */
	v.m.cow_oom_kills = 0;
	assert_true(fg_prom_process(&v, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "forkguard_cow_"));
}

static void test_hostile_comm(void **state)
{
	struct fg_metrics_view v = view();
	char buf[16384];

	(void)state;
	strcpy(v.comm, "a\"b\\c\nd");
	assert_true(fg_prom_process(&v, buf, sizeof(buf)) > 0);
	has(buf, "{comm=\"a\\\"b\\\\c\\nd\",pid=\"42\"");
	assert_null(strstr(buf, "c\nd"));
}

static void test_small_buffer(void **state)
{
	struct fg_metrics_view v = view();
	char buf[512];

	(void)state;
	assert_int_equal(fg_prom_process(&v, buf, sizeof(buf)), 0);
}

static void test_host(void **state)
{
	struct fg_prom_task t = { 7,	      "redis", FG_FAIL, true, -1,
				  FG_COW_RISK, 16,      8 };
	char buf[512];
	size_t n;

	(void)state;
	n = fg_prom_host_head(FG_PROM_HOST_MARGIN, buf, sizeof(buf));
	assert_true(n > 0);
	has(buf, "# TYPE forkguard_check_margin_bytes gauge\n");
	n = fg_prom_host_task(FG_PROM_HOST_MARGIN, &t, buf, sizeof(buf));
	assert_true(n > 0);
	/* the verdict is a number of its own, never a label */
	assert_string_equal(buf, "forkguard_check_margin_bytes{comm=\"redis\","
				 "pid=\"7\"} -1024\n");
	fg_prom_host_task(FG_PROM_HOST_VERDICT, &t, buf, sizeof(buf));
	assert_string_equal(buf, "forkguard_check_verdict{comm=\"redis\","
				 "pid=\"7\"} 2\n");
	fg_prom_host_task(FG_PROM_HOST_COW_RISK, &t, buf, sizeof(buf));
	assert_string_equal(buf, "forkguard_check_cow_risk{comm=\"redis\","
				 "pid=\"7\"} 1\n");
	fg_prom_host_task(FG_PROM_HOST_COW_HEADROOM, &t, buf, sizeof(buf));
	assert_string_equal(buf, "forkguard_check_cow_headroom_bytes{comm="
				 "\"redis\",pid=\"7\"} 8192\n");
	t.cow_headroom_kb = FG_COW_NONE;
	assert_int_equal(fg_prom_host_task(FG_PROM_HOST_COW_HEADROOM, &t, buf,
					   sizeof(buf)),
			 0);
	t.have_margin = false;
	assert_int_equal(
	    fg_prom_host_task(FG_PROM_HOST_MARGIN, &t, buf, sizeof(buf)), 0);
	assert_int_equal(fg_prom_host_head(FG_PROM_HOST_FAMILIES, buf,
					   sizeof(buf)),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_cow),
		cmocka_unit_test(test_hostile_comm),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
