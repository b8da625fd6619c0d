/*
 * test_report - the JSON line is one valid object with the documented keys;
 * the text names the rule, the numbers and the fix; hostile names stay
 * inside their strings; a small buffer never yields a partial object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"
#include "report.h"

/* A strict enough JSON checker: one object, balanced, valid strings. */
static bool json_object_ok(const char *s)
{
	int depth = 0;
	bool in_str = false, seen = false;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (in_str) {
			if (c < 0x20 || c >= 0x7f)
				return false;
			if (c == '\\') {
				s++;
				if (!*s || !strchr("\"\\/bfnrtu", *s))
					return false;
			} else if (c == '"') {
				in_str = false;
			}
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth < 0)
				return false;
			if (!depth)
				seen = true;
		} else if (c == '\n')
			return depth == 0 && seen && s[1] == '\0';
	}
	return false;
}

/* A report's return value is its length: never 0 for a report that fits,
 * and the bytes it says it wrote are the whole string. */
static size_t reported(size_t n, const char *buf)
{
	if (n == 0 || n != strlen(buf))
		fail_msg("report returned %zu for %zu bytes: %s", n, strlen(buf),
			 buf);
	return n;
}

/* The guard's event around a fork of the fixture that failed, ENOMEM. */
static void fixture_event(struct fg_event *e, const char *name)
{
	char root[600];
	const char *base = getenv("FG_FIXTURES");

	snprintf(root, sizeof(root), "%s/snapshots/%s", base ? base : "fixtures",
		 name);
	fg_event_init(e, "fork");
	assert_int_equal(fg_check(root, 0, -1, true, &e->r), 0);
	e->outcome_errno = 12;
}

/* The text after remedies saved the fork: the remedies in words, no fix
 * line that no longer applies; one unit per size, "margin" for the
 * overcommit room ("headroom" is the copy-on-write room). */
static void text_after_remedies(void **state)
{
	struct fg_event e;
	char buf[16384];
	struct fg_attempt *a;

	(void)state;
	fixture_event(&e, "mode0-5.2plus-pass");
	e.outcome_errno = 0;
	e.verdict_before = FG_FAIL;
	e.nattempts = 1;
	a = &e.attempts[0];
	memset(a, 0, sizeof(*a));
	a->name = "split";
	a->result = FG_ATTEMPT_PASS;
	a->released_kb = 2048;
	a->us = 34;
	reported(fg_event_text(&e, buf, sizeof(buf)), buf);
	assert_int_equal(e.r.verdict, FG_OK);
	if (!strstr(buf, "  remedies (verdict before them: fail): split pass, "
			 "released 2.0 MiB, 34 us"))
		fail_msg("remedies not in words: %s", buf);
	assert_null(strstr(buf, "{\"name\""));
	assert_null(strstr(buf, "  fix: "));
	assert_null(strstr(buf, "headroom at least"));
	if (!strstr(buf, ", margin "))
		fail_msg("no margin: %s", buf);
	/* the rule's limit as a size first, then its exact terms */
	if (!strstr(buf, "RAM + swap ") || !strstr(buf, "iB: "))
		fail_msg("the rule's limit is not a size: %s", buf);
}

static void json_keys(void **state)
{
	static const char *const keys[] = {
		"\"event\":\"fork\"", "\"pid\":", "\"comm\":\"fixture\"",
		"\"call\":\"fork\"", "\"overcommit_mode\":2",
		"\"kernel_rule\":\"5.2+\"", "\"verdict\":\"fail\"",
		"\"exact\":true", "\"charge_kb\":", "\"largest_vma_kb\":",
		"\"limit_kb\":", "\"committed_kb\":", "\"outcome\":\"ENOMEM\"",
		"\"check_us\":", "\"failing_vma\":{", "\"band_kb\":",
		"\"remedies\":[]", "\"tier\":\"smaps\"",
	};
	struct fg_event r;
	char buf[8192];
	size_t i;

	(void)state;
	fixture_event(&r, "mode2-5.2plus-fail");
	reported(fg_event_json(&r, buf, sizeof(buf)), buf);
	assert_true(json_object_ok(buf));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(buf, keys[i]))
			fail_msg("missing %s in %s", keys[i], buf);
}

static void json_mode1_nulls(void **state)
{
	struct fg_event r;
	char buf[8192];

	(void)state;
	fixture_event(&r, "mode1-huge");
	r.outcome_errno = 0;
	reported(fg_event_json(&r, buf, sizeof(buf)), buf);
	assert_true(json_object_ok(buf));
	assert_non_null(strstr(buf, "\"limit_kb\":null"));
	assert_non_null(strstr(buf, "\"committed_kb\":null"));
	assert_non_null(strstr(buf, "\"outcome\":\"ok\""));
}

static void hostile_names_and_small_buffers(void **state)
{
	struct fg_event r;
	char buf[8192], small[300];
	size_t n;

	(void)state;
	fixture_event(&r, "mode0-5.2plus-fail");
	strcpy(r.r.task.comm, "a\"b\\c\n\x01\xff");
	strcpy(r.r.ev.fail_vma.name, "/tmp/x\"},{\"evil\":1");
	reported(fg_event_json(&r, buf, sizeof(buf)), buf);
	assert_true(json_object_ok(buf));
	assert_null(strstr(buf, "\"evil\":1"));
	/* too small for the whole object: a smaller valid one (the
	 * truncation marker fits in 300 bytes), never a cut one */
	reported(fg_event_json(&r, small, sizeof(small)), small);
	assert_true(json_object_ok(small));
	n = fg_event_json(&r, small, 8);
	assert_int_equal(n, 0);
	assert_string_equal(small, "");
	/* the text form is cut but terminated */
	n = reported(fg_event_text(&r, small, sizeof(small)), small);
	assert_true(n < sizeof(small));
}

static void text_diagnosis(void **state)
{
	struct fg_event r;
	char buf[8192];

	(void)state;
	fixture_event(&r, "mode2-5.2plus-fail");
	reported(fg_event_text(&r, buf, sizeof(buf)), buf);
	assert_non_null(strstr(buf, "verdict fail, outcome ENOMEM"));
	assert_non_null(strstr(buf, "mode 2 (never)"));
	assert_non_null(strstr(buf, "CommitLimit"));
	assert_non_null(strstr(buf, "admin_reserve"));
	assert_non_null(strstr(buf, "failing VMA"));
	assert_non_null(strstr(buf, "raise vm.overcommit_ratio (now 50)"));
	assert_non_null(strstr(buf, "container"));
}

static void warning_lines(void **state)
{
	const char text[] = "forkguard: one \"quoted\"\nforkguard: two\x01\n";
	char buf[512], *second;

	(void)state;
	reported(fg_report_warning_json(42, text, sizeof(text) - 1, buf,
					sizeof(buf)),
		 buf);
	/* one object per line, each valid on its own */
	second = strchr(buf, '\n') + 1;
	assert_string_equal(second, "{\"event\":\"warning\",\"pid\":42,"
				    "\"message\":\"forkguard: two\\u0001\"}\n");
	second[0] = '\0';
	assert_true(json_object_ok(buf));
	assert_non_null(strstr(buf, "\"message\":\"forkguard: one \\\"quoted\\\"\""));
	/* too small: nothing, never a cut object */
	assert_int_equal(fg_report_warning_json(42, text, sizeof(text) - 1, buf,
						40),
			 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_after_remedies),
		cmocka_unit_test(json_keys),
		cmocka_unit_test(json_mode1_nulls),
		cmocka_unit_test(hostile_names_and_small_buffers),
		cmocka_unit_test(text_diagnosis),
		cmocka_unit_test(warning_lines),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
