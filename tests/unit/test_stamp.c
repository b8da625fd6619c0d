/*
 * test_stamp - the envelope of each log entry: ISO 8601 UTC times with
 * milliseconds (leap days, century years, the epoch), errno names, and
 * entries dated and attributed for a stream or one syslog datagram each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "fmt.h"
#include "report_stamp.h"

static const char *ts(int64_t sec, long nsec)
{
	static char out[40];
	struct fg_buf b;

	fg_buf_init(&b, out, sizeof(out));
	fg_putts(&b, sec, nsec);
	return out;
}

static void times(void **state)
{
	(void)state;
	assert_string_equal(ts(0, 0), "1970-01-01T00:00:00.000Z");
	assert_string_equal(ts(951782400, 999999999),
			    "2000-02-29T00:00:00.999Z");
	assert_string_equal(ts(4107542399, 1000000),
			    "2100-02-28T23:59:59.001Z");
	assert_string_equal(ts(1796052467, 123456789),
			    "2026-11-30T15:27:47.123Z");
	assert_string_equal(ts(-1, 0), "1969-12-31T23:59:59.000Z");
}

static void errnos(void **state)
{
	char out[32];
	struct fg_buf b;

	(void)state;
	assert_string_equal(fg_errno_name(ENOSPC), "ENOSPC");
	assert_string_equal(fg_errno_name(-EACCES), "EACCES");
	assert_null(fg_errno_name(4095));
	fg_buf_init(&b, out, sizeof(out));
	fg_puterrno(&b, 4095);
	assert_string_equal(out, "errno 4095");
}

static const char report[] = "forkguard[42] redis: fork verdict fail\n"
			     "  rule: mode 2\n"
			     "  fix: add swap\n"
			     "forkguard: 3 reports suppressed\n";

static void stream_text(void **state)
{
	struct fg_stamp s = { .pid = 42, .comm = "redis", .sec = 0 };
	char out[512];
	struct fg_buf b;
	size_t used;

	(void)state;
	fg_buf_init(&b, out, sizeof(out));
	used = fg_stamp_entry(&s, report, strlen(report), &b);
	assert_int_equal(used, strlen(report) - strlen(strstr(report, "forkguard: ")));
	fg_stamp_entry(&s, report + used, strlen(report) - used, &b);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z forkguard[42] redis: "
				 "fork verdict fail\n  rule: mode 2\n  fix: add "
				 "swap\n1970-01-01T00:00:00.000Z forkguard[42] "
				 "redis: 3 reports suppressed\n");
}

static void syslog_one_datagram(void **state)
{
	struct fg_stamp s = { .syslog = true, .prio = FG_PRIO_ERR, .pid = 42,
			      .comm = "redis" };
	char out[512];
	struct fg_buf b;

	(void)state;
	fg_buf_init(&b, out, sizeof(out));
	fg_stamp_entry(&s, report, strlen(report), &b);
	/* no doubled prefix, no trailing newline, the lines kept */
	assert_string_equal(out, "<11>forkguard[42]: redis: fork verdict fail\n"
				 "  rule: mode 2\n  fix: add swap");
}

static void json_entries(void **state)
{
	const char msg[] = "{\"event\":\"fork\",\"pid\":42}\n"
			   "{\"event\":\"suppressed\",\"count\":3}\n"
			   "{\"event\":\"warning\",\"pid\":42,\"message\":\"m\"}\n"
			   "forkguard: ignoring \"x\"\n";
	struct fg_stamp s = { .json = true, .pid = 42, .comm = "r\"s", .sec = 0 };
	char out[512];
	struct fg_buf b;
	size_t at = 0;

	(void)state;
	fg_buf_init(&b, out, sizeof(out));
	while (at < strlen(msg))
		at += fg_stamp_entry(&s, msg + at, strlen(msg) - at, &b);
	assert_string_equal(
		out,
		"{\"ts\":\"1970-01-01T00:00:00.000Z\",\"event\":\"fork\",\"pid\":42}\n"
		"{\"ts\":\"1970-01-01T00:00:00.000Z\",\"pid\":42,\"comm\":\"r\\\"s\","
		"\"event\":\"suppressed\",\"count\":3}\n"
		"{\"ts\":\"1970-01-01T00:00:00.000Z\",\"comm\":\"r\\\"s\","
		"\"event\":\"warning\",\"pid\":42,\"message\":\"m\"}\n"
		"{\"ts\":\"1970-01-01T00:00:00.000Z\",\"pid\":42,\"comm\":\"r\\\"s\","
		"\"event\":\"warning\",\"message\":\"ignoring \\\"x\\\"\"}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times),
		cmocka_unit_test(errnos),
		cmocka_unit_test(stream_text),
		cmocka_unit_test(syslog_one_datagram),
		cmocka_unit_test(json_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
