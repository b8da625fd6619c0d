/*
 * test_fuzz_regressions - the bugs the fuzz targets (tests/fuzz) found,
 * each kept as a plain test so a build without libFuzzer still checks them.
 * The inputs themselves are in tests/fuzz/corpus/<target>/regress-*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

static const char *bad_rule(const char *name)
{
	return strcmp(name, "FORKGUARD_KERNEL_RULE") ? NULL : "2.10-4.16";
}

/*
 * fuzz_config: fg_config_parse() with a warning buffer of length 0 ran
 * strlen() on it at the first bad value (a read past the buffer; with
 * NULL, a crash).  Length 0 now means: count, write nothing.
 */
static void config_warn_len_zero(void **state)
{
	struct fg_config c;
	char one = 'X';

	(void)state;
	assert_int_equal(fg_config_parse(&c, bad_rule, NULL, 0), 1);
	assert_int_equal(c.rule, -1);
	assert_int_equal(fg_config_parse(&c, bad_rule, &one, 0), 1);
	assert_int_equal(one, 'X');
	assert_int_equal(fg_config_parse(&c, bad_rule, &one, 1), 1);
	assert_int_equal(one, '\0');
}

/*
 * fuzz_report: when not even the {"truncated":true} object fitted,
 * fg_report_json() returned 0 but left a cut object ("{\"ev") in the
 * buffer.  Empty now, for every length.
 */
static void json_tiny_buffers_empty(void **state)
{
	struct fg_event e;
	char buf[64];
	size_t len, n;

	(void)state;
	fg_event_init(&e, "fork");
	for (len = 1; len < sizeof(buf); len++) {
		memset(buf, 'X', sizeof(buf));
		n = fg_event_json(&e, buf, len);
		if (n == 0)
			assert_int_equal(buf[0], '\0');
		else
			assert_string_equal(
			    buf, "{\"event\":\"fork\",\"truncated\":true}\n");
		assert_int_equal(strlen(buf), n);
	}
	assert_int_equal(fg_event_json(&e, buf, 0), 0);
}

/*
 * fuzz_maps: a maps line whose inode has more than 16 digits (overlayfs
 * with xino sets the high bits: 19 digits) was read as hex and rejected,
 * so the VMA was left out of the charge.  The inode is decimal.
 */
static void maps_long_inode(void **state)
{
	static const char line[] =
	    "7f0000000000-7f0000021000 rw-p 00020000 "
	    "00:2f 9223372036855044137 /usr/lib/libc.so.6";
	struct fg_vma v;

	(void)state;
	assert_true(fg_parse_maps_line(line, sizeof(line) - 1, &v));
	assert_int_equal(v.start, 0x7f0000000000ULL);
	assert_int_equal(v.end, 0x7f0000021000ULL);
	assert_true(v.private_ && v.writable && v.account);
	assert_string_equal(v.name, "/usr/lib/libc.so.6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(config_warn_len_zero),
	    cmocka_unit_test(json_tiny_buffers_empty),
	    cmocka_unit_test(maps_long_inode),
	};

	return cmocka_run_group_tests_name("fuzz regressions", tests, NULL,
					   NULL);
}
