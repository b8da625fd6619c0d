/*
 * test_parse - the /proc parsers on real, truncated and hostile text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "parse.h"
#include "policy.h"
#include "procfs.h"

static const char meminfo[] =
	"MemTotal:       24684084 kB\n"
	"MemFree:        23931000 kB\n"
	"Buffers:            2048 kB\n"
	"Cached:           300000 kB\n"
	"SwapCached:            0 kB\n"
	"Shmem:              1000 kB\n"
	"KReclaimable:      40000 kB\n"
	"SReclaimable:      30000 kB\n"
	"SwapTotal:        100000 kB\n"
	"SwapFree:          90000 kB\n"
	"CommitLimit:    12442042 kB\n"
	"Committed_AS:     500000 kB\n"
	"HugePages_Total:       4\n"
	"Hugepagesize:       2048 kB\n"
	"Hugetlb:           8192 kB\n";

static void meminfo_fields(void **state)
{
	struct fg_sys s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(fg_parse_meminfo(meminfo, &s));
	assert_int_equal(s.mem_total_kb, 24684084);
	assert_int_equal(s.mem_free_kb, 23931000);
	assert_int_equal(s.cached_kb, 300000);
	assert_int_equal(s.swap_cached_kb, 0);	/* not confused with Cached */
	assert_int_equal(s.sreclaimable_kb, 30000);
	assert_int_equal(s.kreclaimable_kb, 40000);
	assert_int_equal(s.swap_total_kb, 100000);
	assert_int_equal(s.commit_limit_kb, 12442042);
	assert_int_equal(s.committed_kb, 500000);
	assert_int_equal(s.hugetlb_kb, 8192);
}

static void meminfo_old_kernel_hugepages(void **state)
{
	struct fg_sys s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(fg_parse_meminfo("MemTotal: 1000 kB\nHugePages_Total: 3\n"
				     "Hugepagesize: 2048 kB\n", &s));
	assert_int_equal(s.hugetlb_kb, 6144);
}

static void meminfo_truncated_and_garbage(void **state)
{
	struct fg_sys s;
	char cut[40];

	(void)state;
	memset(&s, 0, sizeof(s));
	memcpy(cut, meminfo, sizeof(cut) - 1);
	cut[sizeof(cut) - 1] = '\0';
	assert_true(fg_parse_meminfo(cut, &s));	/* MemTotal survived */
	assert_int_equal(s.mem_total_kb, 24684084);
	memset(&s, 0, sizeof(s));
	assert_false(fg_parse_meminfo("", &s));
	assert_false(fg_parse_meminfo("MemTotal:\nMemTotal: x kB\n:::\n", &s));
	assert_false(fg_parse_meminfo("MemTotal: 99999999999999999999999 kB\n",
				      &s));
}

static void status_and_caps(void **state)
{
	struct fg_task t;
	bool admin;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_true(fg_parse_status("Name:\tredis-server\nUmask:\t0022\n"
				    "VmSize:\t 51066880 kB\nVmRSS:\t 7969177 kB\n"
				    "CapEff:\t000001ffffffffff\n",
				    &t, &admin));
	assert_string_equal(t.comm, "redis-server");
	assert_int_equal(t.vsz_kb, 51066880);
	assert_int_equal(t.rss_kb, 7969177);
	assert_true(admin);
	memset(&t, 0, sizeof(t));
	assert_true(fg_parse_status("Name:\tnobody\nCapEff:\t0000000000000000\n",
				    &t, &admin));
	assert_false(admin);
	/* bit 21 alone */
	assert_true(fg_parse_status("Name:\tx\nCapEff:\t0000000000200000\n",
				    &t, &admin));
	assert_true(admin);
	/* a comm longer than 15 bytes is cut, never overflows */
	memset(&t, 0, sizeof(t));
	assert_true(fg_parse_status("Name:\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
				    &t, &admin));
	assert_int_equal(strlen(t.comm), 16);
	assert_false(fg_parse_status("garbage", &t, &admin) && t.vsz_kb);
}

static void statm_and_numbers(void **state)
{
	uint64_t a, b;

	(void)state;
	assert_true(fg_parse_statm("12766720 1992294 1234 1 0 1999 0\n", &a, &b));
	assert_int_equal(a, 12766720);
	assert_int_equal(b, 1992294);
	assert_false(fg_parse_statm("12766720", &a, &b));
	/* 2^52 pages is a whole 64-bit address space; more is not statm */
	assert_true(fg_parse_statm("4503599627370496 1 0 0 0 0 0\n", &a, &b));
	assert_false(fg_parse_statm("4503599627370497 1 0 0 0 0 0\n", &a, &b));
	assert_false(fg_parse_statm("", &a, &b));
	assert_true(fg_parse_u64("2\n", &a));
	assert_int_equal(a, 2);
	assert_false(fg_parse_u64("2x\n", &a));
	assert_false(fg_parse_u64("", &a));
	assert_false(fg_parse_u64("-1", &a));
	assert_int_equal(fg_parse_cpulist("0-1\n"), 2);
	assert_int_equal(fg_parse_cpulist("0-3,8,10-11\n"), 7);
	assert_int_equal(fg_parse_cpulist("x"), 0);
}

static void maps_lines(void **state)
{
	struct fg_vma v;
	const char *heap = "55d1c3a00000-55d3c3a00000 rw-p 00000000 00:00 0"
			   "                          [heap]";
	const char *lib = "7f0000000000-7f0000001000 r--p 00002000 fd:01 1234"
			  "   /usr/lib/x86_64-linux-gnu/libc.so.6";
	const char *shared = "7f0000000000-7f0000100000 rw-s 00000000 00:01 5"
			     " /dev/zero (deleted)";

	(void)state;
	assert_true(fg_parse_maps_line(heap, strlen(heap), &v));
	assert_int_equal(v.start, 0x55d1c3a00000ULL);
	assert_int_equal(v.end, 0x55d3c3a00000ULL);
	assert_true(v.private_ && v.writable && v.account);
	assert_string_equal(v.name, "[heap]");
	assert_true(fg_parse_maps_line(lib, strlen(lib), &v));
	assert_true(v.private_);
	assert_false(v.writable);
	assert_string_equal(v.name, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_true(fg_parse_maps_line(shared, strlen(shared), &v));
	assert_false(v.account);
	/* anonymous: no name */
	assert_true(fg_parse_maps_line("1000-2000 rw-p 00000000 00:00 0", 31, &v));
	assert_string_equal(v.name, "");
	/* not headers: smaps fields, truncated lines */
	assert_false(fg_parse_maps_line("Size:  4 kB", 11, &v));
	assert_false(fg_parse_maps_line("1000-2000 rw", 12, &v));
	assert_false(fg_parse_maps_line("1000-", 5, &v));
	assert_false(fg_parse_maps_line("", 0, &v));
	/* the length bounds the read: no NUL needed */
	assert_false(fg_parse_maps_line(heap, 10, &v));
}

static void vmflags(void **state)
{
	struct fg_vma v;
	const char *ac = "VmFlags: rd wr mr mw me ac sd";
	const char *dc = "VmFlags: rd wr mr mw me dc ac";
	const char *nr = "VmFlags: rd wr mr mw me nr sd";
	const char *tricky = "VmFlags: acc dcx ac";

	(void)state;
	memset(&v, 0, sizeof(v));
	assert_true(fg_parse_vmflags(ac, strlen(ac), &v));
	assert_true(v.account);
	assert_false(v.dontcopy);
	assert_true(fg_parse_vmflags(dc, strlen(dc), &v));
	assert_true(v.account && v.dontcopy);
	assert_true(fg_parse_vmflags(nr, strlen(nr), &v));
	assert_false(v.account);
	assert_true(fg_parse_vmflags(tricky, strlen(tricky), &v));
	assert_true(v.account);
	assert_false(v.dontcopy);
	/* "ac" at the very end, and a cut line */
	assert_true(fg_parse_vmflags(ac, strlen(ac) - 3, &v));
	assert_true(v.account);
	assert_false(fg_parse_vmflags("Size: 4 kB", 10, &v));
}

static void zoneinfo_reserve(void **state)
{
	static const char *lines[] = {
		"Node 0, zone      DMA",
		"  pages free     3840",
		"        min      5",
		"        low      6",
		"        high     7",
		"        spanned  4095",
		"        present  3998",
		"        managed  3840",
		"        protection: (0, 2887, 23921, 23921, 23921)",
		"  pagesets",
		"              high:  378",
		"Node 0, zone    DMA32",
		"        high     1000",
		"        managed  739232",
		"        protection: (0, 0, 21034, 21034, 21034)",
		"Node 0, zone   Normal",
		"        high     8000",
		"        managed  5384704",
		"        protection: (0, 0, 0, 0, 0)",
	};
	struct fg_zone_acc z = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		fg_zoneinfo_line(&z, lines[i], strlen(lines[i]));
	/* DMA: min(23921 + 7, 3840); DMA32: 21034 + 1000; Normal: 8000 */
	assert_int_equal(fg_zoneinfo_end(&z), 3840 + 22034 + 8000);
}

/* /proc/PID/stat: fields counted from the comm's last ')' */
static void stat_fields(void **state)
{
	struct fg_stat st;

	(void)state;
	/* a comm with a space and a ')' of its own; kthreadd's flags */
	assert_true(fg_parse_stat("2 (a) b) S 0 0 0 0 -1 2129984 11 22 33 44 "
				  "0 5 0 0 20 0 1 0 77 0 0\n",
				  &st));
	assert_int_equal(st.state, 'S');
	assert_true(st.flags & FG_PF_KTHREAD);
	assert_int_equal(st.minflt, 11);
	assert_int_equal(st.cminflt, 22);
	assert_int_equal(st.majflt, 33);
	assert_int_equal(st.cmajflt, 44);
	assert_int_equal(st.starttime, 77);
	assert_true(fg_parse_stat("9 (z) Z 1 9 9 0 -1 4194572 0 0 0 0 0 0 0 0 "
				  "20 0 1 0 5",
				  &st));
	assert_int_equal(st.state, 'Z');
	assert_false(st.flags & FG_PF_KTHREAD);
	/* cut before starttime, or no comm at all */
	assert_false(fg_parse_stat("9 (z) Z 1 9 9 0 -1 4194572 0 0 0 0", &st));
	assert_false(fg_parse_stat("9 z Z 1", &st));
	assert_false(fg_parse_stat("9 (z) S 1 9 9 0 -1 0 x 0 0 0 0 0 0 0 20 0 "
				   "1 0 5",
				   &st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meminfo_fields),
		cmocka_unit_test(meminfo_old_kernel_hugepages),
		cmocka_unit_test(meminfo_truncated_and_garbage),
		cmocka_unit_test(status_and_caps),
		cmocka_unit_test(statm_and_numbers),
		cmocka_unit_test(maps_lines),
		cmocka_unit_test(vmflags),
		cmocka_unit_test(zoneinfo_reserve),
		cmocka_unit_test(stat_fields),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
