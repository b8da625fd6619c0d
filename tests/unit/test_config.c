/*
 * test_config - FORKGUARD_* parsing: defaults, every value, bad values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *const *vars;

static const char *lookup(const char *name)
{
	size_t n = strlen(name);
	const char *const *v;

	for (v = vars; v && *v; v++)
		if (!strncmp(*v, name, n) && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

static int parse(struct fg_config *c, char *warn, size_t len,
		 const char *const *env)
{
	vars = env;
	return fg_config_parse(c, lookup, warn, len);
}

static void defaults(void **state)
{
	struct fg_config c;
	char warn[512];
	const char *const env[] = { NULL };

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), env), 0);
	assert_int_equal(c.mode, FG_MODE_OBSERVE);
	assert_int_equal(c.sink, FG_SINK_AUTO);
	assert_int_equal(c.format, FG_FORMAT_TEXT);
	assert_int_equal(c.report, FG_REPORT_RISKY);
	assert_string_equal(c.procfs, "/proc");
	assert_int_equal(c.rule, -1);
	assert_int_equal(c.remedies, FG_REMEDY_ALL);
	assert_int_equal(c.cow, FG_COW_WARN);
	assert_int_equal(c.cow_interval_s, 3600);
	assert_string_equal(c.sysfs, "/sys");
	assert_string_equal(warn, "");
}

static void every_value(void **state)
{
	struct fg_config c;
	char warn[512];
	const char *const env[] = {
		"FORKGUARD_MODE=enforce",     "FORKGUARD_FORMAT=json",
		"FORKGUARD_REPORT=all",	      "FORKGUARD_LOG=/tmp/fg-%p.log",
		"FORKGUARD_PROCFS=/tmp/snap", "FORKGUARD_KERNEL_RULE=<=3.0",
		"FORKGUARD_RATE_LIMIT=0",     "FORKGUARD_REMEDY=trim,split",
		"FORKGUARD_RETRIES=5",	      "FORKGUARD_RETRY_DELAY_MS=50",
		"FORKGUARD_COW=protect",      "FORKGUARD_COW_INTERVAL=0",
		"FORKGUARD_SYSFS=/tmp/sys",   "FORKGUARD_ANON_CHARGED=1",
		NULL,
	};
	char expect[64];

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), env), 0);
	assert_int_equal(c.mode, FG_MODE_ENFORCE);
	assert_int_equal(c.format, FG_FORMAT_JSON);
	assert_int_equal(c.report, FG_REPORT_ALL);
	assert_int_equal(c.sink, FG_SINK_FILE);
	assert_true(c.log_path_per_pid);
	snprintf(expect, sizeof(expect), "/tmp/fg-%d.log", (int)getpid());
	assert_string_equal(c.log_path, expect);
	assert_string_equal(c.procfs, "/tmp/snap");
	assert_int_equal(c.rule, FG_RULE_2_6);
	assert_int_equal(c.rate, 0);
	assert_int_equal(c.remedies, FG_REMEDY_TRIM | FG_REMEDY_SPLIT);
	assert_int_equal(c.retries, 5);
	assert_int_equal(c.retry_delay_ms, 50);
	assert_int_equal(c.cow, FG_COW_PROTECT);
	assert_int_equal(c.cow_interval_s, 0);
	assert_string_equal(c.sysfs, "/tmp/sys");
	assert_true(c.anon_charged);
	fg_config_expand_pid(&c, 42);
	assert_string_equal(c.log_path, "/tmp/fg-42.log");
	/* every %p, a lone %, and a path cut to the buffer */
	strcpy(c.log_pattern, "/a/%p.%p%");
	fg_config_expand_pid(&c, 4194304);
	assert_string_equal(c.log_path, "/a/4194304.4194304%");
	memset(c.log_pattern, 'x', sizeof(c.log_path) - 2);
	strcpy(c.log_pattern + sizeof(c.log_path) - 2, "%p");
	fg_config_expand_pid(&c, 987);
	assert_int_equal(strlen(c.log_path), sizeof(c.log_path) - 1);
	assert_int_equal(c.log_path[sizeof(c.log_path) - 2], '9');
}

/* Remedies named one by one are remembered: their absence gets a note. */
static void remedies_named(void **state)
{
	struct fg_config c;
	char warn[512];
	const char *const one[] = { "FORKGUARD_REMEDY=jemalloc,split", NULL };
	const char *const all[] = { "FORKGUARD_REMEDY=all", NULL };
	const char *const mix[] = { "FORKGUARD_REMEDY=all,jemalloc", NULL };
	const char *const none[] = { NULL };

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), one), 0);
	assert_int_equal(c.remedies, FG_REMEDY_JEMALLOC | FG_REMEDY_SPLIT);
	assert_int_equal(c.remedies_asked, FG_REMEDY_JEMALLOC | FG_REMEDY_SPLIT);
	assert_int_equal(parse(&c, warn, sizeof(warn), all), 0);
	assert_int_equal(c.remedies, FG_REMEDY_ALL);
	assert_int_equal(c.remedies_asked, 0);
	assert_int_equal(parse(&c, warn, sizeof(warn), mix), 0);
	assert_int_equal(c.remedies, FG_REMEDY_ALL);
	assert_int_equal(c.remedies_asked, FG_REMEDY_JEMALLOC);
	assert_int_equal(parse(&c, warn, sizeof(warn), none), 0);
	assert_int_equal(c.remedies_asked, 0);
}

static void bad_values_warn_and_keep_defaults(void **state)
{
	struct fg_config c;
	char warn[2048];
	const char *const env[] = {
		"FORKGUARD_MODE=enforcing",	"FORKGUARD_FORMAT=xml",
		"FORKGUARD_REPORT=some",	"FORKGUARD_LOG=relative.log",
		"FORKGUARD_PROCFS=proc",	"FORKGUARD_KERNEL_RULE=9.9",
		"FORKGUARD_RATE_LIMIT=-1",	"FORKGUARD_REMEDY=trim,,split",
		"FORKGUARD_RETRIES=1e3",	"FORKGUARD_RETRY_DELAY_MS=99999999999",
		"FORKGUARD_COW=kill",		"FORKGUARD_COW_INTERVAL=1h",
		"FORKGUARD_SYSFS=sys",		"FORKGUARD_ANON_CHARGED=yes",
		NULL,
	};
	const char *p;
	int lines = 0;

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), env), 14);
	assert_false(c.anon_charged);
	assert_int_equal(c.mode, FG_MODE_OBSERVE);
	assert_int_equal(c.format, FG_FORMAT_TEXT);
	assert_int_equal(c.report, FG_REPORT_RISKY);
	assert_int_equal(c.sink, FG_SINK_AUTO);
	assert_string_equal(c.procfs, "/proc");
	assert_int_equal(c.rule, -1);
	assert_int_equal(c.rate, 10);
	assert_int_equal(c.remedies, FG_REMEDY_ALL);
	assert_int_equal(c.retries, 3);
	assert_int_equal(c.retry_delay_ms, 200);
	assert_int_equal(c.cow, FG_COW_WARN);
	assert_int_equal(c.cow_interval_s, 3600);
	assert_string_equal(c.sysfs, "/sys");
	for (p = warn; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 14);	/* one line each */
	assert_non_null(strstr(warn, "FORKGUARD_MODE=\"enforcing\""));
	assert_non_null(strstr(warn, "using observe"));
}

/* FORKGUARD_METRICS: an absolute directory; the interval 0..86400. */
static void metrics(void **state)
{
	struct fg_config c;
	char warn[1024];
	const char *const none[] = { NULL };
	const char *const good[] = { "FORKGUARD_METRICS=/var/lib/fg",
				     "FORKGUARD_METRICS_INTERVAL=0", NULL };
	const char *const bad[] = { "FORKGUARD_METRICS=textfile",
				    "FORKGUARD_METRICS_INTERVAL=86401", NULL };

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), none), 0);
	assert_string_equal(c.metrics_dir, "");
	assert_int_equal(c.metrics_interval, 15);
	assert_int_equal(parse(&c, warn, sizeof(warn), good), 0);
	assert_string_equal(c.metrics_dir, "/var/lib/fg");
	assert_int_equal(c.metrics_interval, 0);
	assert_int_equal(parse(&c, warn, sizeof(warn), bad), 2);
	assert_string_equal(c.metrics_dir, "");
	assert_int_equal(c.metrics_interval, 15);
	assert_non_null(strstr(warn, "FORKGUARD_METRICS=\"textfile\": "
				     "expected an absolute directory path; no "
				     "metrics\n"));
	assert_non_null(strstr(warn, "using 15\n"));
}

/* FORKGUARD_METRICS_LABELS: operator labels, checked as Prometheus wants */
static void metrics_labels(void **state)
{
	struct fg_config c;
	char warn[1024];
	const char *const good[] = {
		"FORKGUARD_METRICS_LABELS=instance=redis-6379,role=cache", NULL
	};
	const char *const bad[][2] = {
		{ "FORKGUARD_METRICS_LABELS=pid=1", NULL },
		{ "FORKGUARD_METRICS_LABELS=1x=a", NULL },
		{ "FORKGUARD_METRICS_LABELS=a=\"b", NULL },
		{ "FORKGUARD_METRICS_LABELS=a=b,", NULL },
		{ "FORKGUARD_METRICS_LABELS=__name__=x", NULL },
		{ "FORKGUARD_METRICS_LABELS=noequals", NULL },
	};

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), good), 0);
	assert_string_equal(c.metrics_labels, "instance=redis-6379,role=cache");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&c, warn, sizeof(warn), bad[i]), 1);
		assert_string_equal(c.metrics_labels, "");
		assert_non_null(strstr(warn, "no extra labels\n"));
	}
}

static void hostile_values(void **state)
{
	struct fg_config c;
	char warn[64];	/* too small: truncated, still terminated */
	char longpath[600];
	const char *env[] = { "FORKGUARD_MODE=\x1b[31mred\n", NULL, NULL };

	(void)state;
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "FORKGUARD_LOG=/", 15);
	longpath[sizeof(longpath) - 1] = '\0';
	env[1] = longpath;
	assert_int_equal(parse(&c, warn, sizeof(warn), env), 2);
	assert_true(strlen(warn) < sizeof(warn));
	assert_null(strchr(warn, '\x1b'));	/* control bytes are masked */
	assert_int_equal(c.sink, FG_SINK_AUTO);
	/* empty values are unset, not errors */
	env[0] = "FORKGUARD_MODE=";
	env[1] = NULL;
	assert_int_equal(parse(&c, warn, sizeof(warn), env), 0);
}

/* FORKGUARD_COW=abort and its options: rows of the table like the others;
 * a signal with or without its SIG; "cause" is a label the metrics use */
static void cow_abort(void **state)
{
	struct fg_config c;
	char warn[1024];
	const char *const none[] = { NULL };
	const char *const good[] = {
		"FORKGUARD_COW=abort",	     "FORKGUARD_COW_SIGNAL=SIGTERM",
		"FORKGUARD_COW_FOLLOW=all",  "FORKGUARD_COW_MARGIN=0",
		"FORKGUARD_COW_BACKOFF=0",   NULL,
	};
	const char *const usr2[] = { "FORKGUARD_COW_SIGNAL=USR2", NULL };
	const char *const bad[] = {
		"FORKGUARD_COW_SIGNAL=SIGSTOP", "FORKGUARD_COW_FOLLOW=some",
		"FORKGUARD_COW_MARGIN=1048577", "FORKGUARD_COW_BACKOFF=86401",
		"FORKGUARD_METRICS_LABELS=cause=x", NULL,
	};

	(void)state;
	assert_int_equal(parse(&c, warn, sizeof(warn), none), 0);
	assert_int_equal(c.cow_signal, SIGUSR1);
	assert_false(c.cow_follow_all);
	assert_int_equal(c.cow_margin_mb, 16);
	assert_int_equal(c.cow_backoff_s, 30);
	assert_int_equal(parse(&c, warn, sizeof(warn), good), 0);
	assert_int_equal(c.cow, FG_COW_ABORT);
	assert_int_equal(c.cow_signal, SIGTERM);
	assert_true(c.cow_follow_all);
	assert_int_equal(c.cow_margin_mb, 0);
	assert_int_equal(c.cow_backoff_s, 0);
	assert_int_equal(parse(&c, warn, sizeof(warn), usr2), 0);
	assert_int_equal(c.cow_signal, SIGUSR2);
	assert_int_equal(parse(&c, warn, sizeof(warn), bad), 5);
	assert_int_equal(c.cow_signal, SIGUSR1);
	assert_false(c.cow_follow_all);
	assert_int_equal(c.cow_margin_mb, 16);
	assert_int_equal(c.cow_backoff_s, 30);
	assert_string_equal(c.metrics_labels, "");
	assert_non_null(strstr(warn, "expected USR1|USR2|TERM|KILL|INT|HUP; "
				     "using USR1\n"));
	assert_non_null(strstr(warn, "expected risk|all; using risk\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_value),
		cmocka_unit_test(remedies_named),
		cmocka_unit_test(metrics_labels),
		cmocka_unit_test(bad_values_warn_and_keep_defaults),
		cmocka_unit_test(hostile_values),
		cmocka_unit_test(metrics),
		cmocka_unit_test(cow_abort),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
