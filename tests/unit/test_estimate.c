/*
 * test_estimate - the estimate tier, for kernels without smaps VmFlags
 * (before 3.8): which VMAs a snapshot proves charged (fg_vma_estimate),
 * the lower and upper bounds of the charge, and the verdicts they support
 * on the recorded layouts of fixtures/snapshots/noflags-*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

#define GiB (1024ULL * 1024) /* in kB */

static struct fg_vma header(const char *line)
{
	struct fg_vma v;

	assert_true(fg_parse_maps_line(line, strlen(line), &v));
	return v;
}

/* classify a maps header line as fg_vma_estimate() does */
static struct fg_vma classify(const char *line, bool written)
{
	struct fg_vma v = header(line);

	fg_vma_estimate(&v, written);
	return v;
}

#define ANON "7f0000000000-7f0040000000 "
#define FILE "7f0000000000-7f0000010000 "

static void classification(void **state)
{
	static const struct {
		const char *line;
		bool written, account;
		enum fg_unsure unsure;
	} cases[] = {
		/* [heap], [stack]: always charged (do_brk, VM_STACK_FLAGS) */
		{ ANON "rw-p 00000000 00:00 0 [heap]", false, true, FG_SURE },
		{ ANON "rw-p 00000000 00:00 0 [stack]", true, true, FG_SURE },
		/* anonymous RW: it may be NORESERVE or DONTFORK */
		{ ANON "rw-p 00000000 00:00 0", false, true, FG_UNSURE_ANON },
		/* written, made PROT_NONE: was writable, may be NORESERVE */
		{ ANON "---p 00000000 00:00 0", true, true, FG_UNSURE_ANON },
		/* never written PROT_NONE: charged if it was writable once */
		{ ANON "---p 00000000 00:00 0", false, true, FG_UNSURE_CLEAN },
		/* a written private file mapping made read-only (RELRO) */
		{ FILE "r--p 00001000 08:01 1234 /lib/libc.so.6", true, true,
		  FG_SURE },
		{ FILE "rw-p 00001000 08:01 1234 /lib/libc.so.6", false, true,
		  FG_SURE },
		/* text, never written: mprotect could have made it RW once */
		{ FILE "r-xp 00000000 08:01 1234 /lib/libc.so.6", false, true,
		  FG_UNSURE_CLEAN },
		/* shared and special mappings: never charged */
		{ ANON "rw-s 00000000 00:04 77 /dev/zero (deleted)", true, false,
		  FG_SURE },
		{ FILE "r-xp 00000000 00:00 0 [vdso]", false, false, FG_SURE },
	};
	struct fg_vma v;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = classify(cases[i].line, cases[i].written);
		if (v.account != cases[i].account ||
		    v.unsure != cases[i].unsure)
			fail_msg("%s (written %d): account %d unsure %d",
				 cases[i].line, cases[i].written, v.account,
				 v.unsure);
	}
}

static struct fg_sys host(int mode)
{
	struct fg_sys s;

	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.rule = FG_RULE_2_6;
	s.kmajor = 2;
	s.kminor = 6;
	s.page_kb = 4;
	s.ncpus = 2;
	s.mem_total_kb = 16 * GiB;
	s.mem_free_kb = 8 * GiB;
	s.swap_total_kb = 0;
	s.ratio = 50;
	s.committed_kb = 40 * GiB;
	return s;
}

static enum fg_verdict judge(const struct fg_sys *s, const char *big,
			     bool written, struct fg_eval *ev)
{
	struct fg_task t = { .vsz_kb = 41 * GiB, .admin = true };
	struct fg_vma heap = classify(FILE "rw-p 00000000 00:00 0 [heap]",
				      true);
	struct fg_vma v = classify(big, written);

	fg_eval_begin(ev, s, &t);
	fg_eval_vma(ev, &heap);
	fg_eval_vma(ev, &v);
	return fg_eval_verdict(ev);
}

/* 0x7f0000000000-0x7f0a00000000: 40 GiB, above the 8 GiB free estimate */
#define BIG "7f0000000000-7f0a00000000 "

static void bounds_decide_only_what_they_can(void **state)
{
	struct fg_sys s = host(0);
	struct fg_eval ev;

	(void)state;
	/* anonymous: lower bound 64 kB passes, upper 40 GiB fails */
	assert_int_equal(judge(&s, BIG "rw-p 00000000 00:00 0", true, &ev),
			 FG_BORDERLINE);
	assert_int_equal(ev.largest_min_pages, 16);
	assert_int_equal(ev.largest_pages, 40 * GiB / 4);
	assert_int_equal(ev.charge_min_pages, 16);
	assert_int_equal(ev.nunknown, 1);
	assert_true(ev.unsure & (1u << FG_UNSURE_ANON));
	assert_false(ev.failed);
	/* a written file mapping made read-only: surely charged, fails */
	assert_int_equal(judge(&s, BIG "r--p 00000000 08:01 9 /srv/t", true,
			       &ev),
			 FG_FAIL);
	assert_true(ev.failed);
	assert_string_equal(ev.fail_vma.name, "/srv/t");
	/* larger than Committed_AS: it cannot be charged (NORESERVE) */
	s.committed_kb = 2 * GiB;
	assert_int_equal(judge(&s, BIG "rw-p 00000000 00:00 0", true, &ev),
			 FG_OK);
	assert_int_equal(ev.charge_pages, 16);
	/* mode 2: the upper bound is capped by Committed_AS + band */
	s = host(2);
	s.committed_kb = 3 * GiB;
	assert_int_equal(judge(&s, "7f0000000000-7f0040000000 rw-p 0 00:00 0",
			       true, &ev),
			 FG_OK);
	s.committed_kb = 6 * GiB; /* allowed: 8 GiB - VSZ/32 = 6.7 GiB */
	assert_int_equal(judge(&s, "7f0000000000-7f0040000000 rw-p 0 00:00 0",
			       true, &ev),
			 FG_BORDERLINE);
	assert_int_equal(fg_eval_charge_max(&ev), GiB / 4 + 16);
	assert_int_equal(judge(&s, "7f0000000000-7f0040000000 rw-p 0 00:00 0 "
				   "[heap]",
			       true, &ev),
			 FG_FAIL);
}

/* forkguard check --anon-charged: the operator settles the anonymous ones */
static void operator_statement(void **state)
{
	struct fg_sys s = host(0);
	struct fg_eval ev;

	(void)state;
	s.anon_charged = true;
	assert_int_equal(judge(&s, BIG "rw-p 00000000 00:00 0", true, &ev),
			 FG_FAIL);
	assert_true(ev.failed);
	assert_int_equal(ev.charge_min_pages, ev.charge_pages);
	/* never-written read-only ones stay unsure */
	assert_int_equal(judge(&s, BIG "---p 00000000 00:00 0", false, &ev),
			 FG_BORDERLINE);
	/* Committed_AS outweighs the statement: it cannot be charged */
	s.committed_kb = 2 * GiB;
	assert_int_equal(judge(&s, BIG "rw-p 00000000 00:00 0", true, &ev),
			 FG_OK);
}

static void snapshot(const char *name, char *out, size_t len)
{
	const char *base = getenv("FG_FIXTURES");

	snprintf(out, len, "%s/snapshots/%s", base ? base : "fixtures", name);
}

static enum fg_verdict check(const char *name, struct fg_result *r)
{
	char root[600];

	snapshot(name, root, sizeof(root));
	assert_int_equal(fg_check(root, 0, -1, false, r), 0);
	assert_int_equal(r->tier, FG_TIER_ESTIMATE);
	return r->verdict;
}

/*
 * The layouts of issue 16's table, measured wrong on a real 2.6.38: each
 * now gets the verdict its snapshot supports, in both shapes.
 */
static void layouts(void **state)
{
	static const char *const shapes[] = { "le3.0", "3.1-3.9" };
	char name[64], text[8192], json[8192];
	struct fg_result r;
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* written private file mapping made read-only: charged */
		snprintf(name, sizeof(name), "noflags-%s-m0-relro", shapes[i]);
		assert_int_equal(check(name, &r), FG_FAIL);
		assert_string_equal(r.ev.fail_vma.name, "/srv/table.bin");
		snprintf(name, sizeof(name), "noflags-%s-m2-relro", shapes[i]);
		assert_int_equal(check(name, &r), FG_FAIL);
		/* written anonymous made PROT_NONE: charged unless NORESERVE */
		snprintf(name, sizeof(name), "noflags-%s-m0-protnone",
			 shapes[i]);
		assert_int_equal(check(name, &r), FG_BORDERLINE);
		/* NORESERVE in mode 0: not in Committed_AS, so not charged */
		snprintf(name, sizeof(name), "noflags-%s-m0-noreserve",
			 shapes[i]);
		assert_int_equal(check(name, &r), FG_OK);
		/* MADV_DONTFORK: in Committed_AS, not visible */
		snprintf(name, sizeof(name), "noflags-%s-m0-dontfork",
			 shapes[i]);
		assert_int_equal(check(name, &r), FG_BORDERLINE);
		fg_report_text(&r, text, sizeof(text));
		fg_report_json(&r, json, sizeof(json));
		assert_non_null(strstr(text, "uncertain: noreserve and dontfork "
					     "are not visible before 3.8"));
		assert_non_null(strstr(text, "settle: "));
		assert_non_null(strstr(json, "\"uncertain\":\"noreserve and "
					     "dontfork are not visible before "
					     "3.8\""));
		assert_non_null(strstr(json, "\"charge_min_kb\":"));
		assert_non_null(strstr(json, "\"charge_max_kb\":"));
		assert_non_null(strstr(json, "\"unknown_vmas\":[{"));
		assert_true(r.ev.charge_min_pages < fg_eval_charge_max(&r.ev));
		snprintf(name, sizeof(name), "noflags-%s-m2-dontfork",
			 shapes[i]);
		assert_int_equal(check(name, &r), FG_BORDERLINE);
	}
}

/* The library's path: FORKGUARD_ANON_CHARGED reaches the fork-path check */
static void fast_check_settled(void **state)
{
	char root[600];
	struct fg_result r;

	(void)state;
	snapshot("noflags-le3.0-m0-dontfork", root, sizeof(root));
	assert_int_equal(fg_fast_check(root, FG_RULE_COUNT, false, &r), 0);
	assert_int_equal(r.tier, FG_TIER_ESTIMATE);
	assert_int_equal(r.verdict, FG_BORDERLINE);
	fg_fast_settle(true, false);
	assert_int_equal(fg_fast_check(root, FG_RULE_COUNT, false, &r), 0);
	assert_int_equal(r.verdict, FG_FAIL); /* as stated, not as it is */
	assert_true(r.ev.anon_charged);
	fg_fast_settle(false, false);
	assert_int_equal(fg_fast_check(root, FG_RULE_COUNT, false, &r), 0);
	assert_int_equal(r.verdict, FG_BORDERLINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classification),
		cmocka_unit_test(bounds_decide_only_what_they_can),
		cmocka_unit_test(operator_statement),
		cmocka_unit_test(layouts),
		cmocka_unit_test(fast_check_settled),
	};

	return cmocka_run_group_tests_name("estimate", tests, NULL, NULL);
}
