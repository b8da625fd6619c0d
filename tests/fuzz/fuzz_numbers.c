/*
 * fuzz_numbers - the one-value readers: fg_parse_u64(),
 * fg_parse_u64_prefix(), fg_parse_cpulist(), the release and rule-name
 * parsers, and fg_path() which builds every procfs path.
 *
 * The input becomes a C string of exactly its size + 1.  Each result is
 * compared with a second, plain reading of the same grammar (strtoull
 * based); numbers longer than 18 digits are only checked for safety.
 */
#include <errno.h>

#include "fuzz.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Digits at @s: how many, and their value when there are <= 18. */
static size_t digits(const char *s, uint64_t *v)
{
	size_t d = 0;

	while (s[d] >= '0' && s[d] <= '9')
		d++;
	*v = d && d <= 18 ? strtoull(s, NULL, 10) : 0;
	return d;
}

static void check_u64(const char *s)
{
	const char *p = s;
	uint64_t v = 0, ref;
	size_t d;
	bool ok, ref_ok;

	while (blank(*p))
		p++;
	d = digits(p, &ref);
	ok = fg_parse_u64_prefix(s, &v);
	if (d <= 18) {
		FZ_ASSERT(ok == (d > 0));
		if (ok)
			FZ_ASSERT(v == ref);
	}
	p += d;
	while (blank(*p) || *p == '\n')
		p++;
	ref_ok = d > 0 && !*p;
	ok = fg_parse_u64(s, &v);
	if (d <= 18) {
		FZ_ASSERT(ok == ref_ok);
		if (ok)
			FZ_ASSERT(v == ref);
	} else if (ok) {
		FZ_ASSERT(ref_ok);
	}
}

/* The cpulist grammar: item (',' item)*, item = N | N '-' M with M >= N. */
static bool ref_cpulist(const char *p, unsigned *count)
{
	uint64_t a, b;
	size_t d;

	*count = 0;
	for (;;) {
		while (blank(*p))
			p++;
		d = digits(p, &a);
		if (d > 18)
			return false;
		if (!d)
			return true;
		p += d;
		b = a;
		if (*p == '-') {
			p++;
			while (blank(*p))
				p++;
			d = digits(p, &b);
			if (d > 18)
				return false;
			if (!d || b < a)
				return true;
			p += d;
		}
		if (b - a < 65536)
			*count += (unsigned)(b - a + 1);
		if (*p != ',')
			return true;
		p++;
	}
}

static void check_path(const char *root, size_t size)
{
	static const pid_t pids[] = {-1, 0, 1, 4194304, -7};
	size_t len = 1 + size % 300;
	char *buf = malloc(len), want[1024];
	pid_t pid = pids[size % 5];
	int rc, n;

	if (pid > 0)
		n = snprintf(want, sizeof(want), "%s/%d/smaps", root, (int)pid);
	else if (pid == 0)
		n = snprintf(want, sizeof(want), "%s/self/smaps", root);
	else
		n = snprintf(want, sizeof(want), "%s/smaps", root);
	rc = fg_path(buf, len, root, pid, "smaps");
	if ((size_t)n < len) {
		FZ_ASSERT(rc == 0 && !strcmp(buf, want));
	} else {
		FZ_ASSERT(rc == -ENAMETOOLONG); /* @buf: not to be used */
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	int major = -1, minor = -1, rule;
	unsigned count, ref;

	check_u64(s);
	count = fg_parse_cpulist(s);
	if (ref_cpulist(s, &ref))
		FZ_ASSERT(count == ref);
	if (fg_parse_release(s, &major, &minor))
		FZ_ASSERT(major >= 2 && major <= 99 && minor >= 0 &&
			  minor <= 999);
	FZ_ASSERT((unsigned)fg_rule_for_release(s) < FG_RULE_COUNT);
	rule = fg_rule_from_name(s);
	FZ_ASSERT(rule >= FG_RULE_2_6 && rule <= FG_RULE_COUNT);
	if (rule != FG_RULE_COUNT)
		FZ_ASSERT(fg_rule_from_name(fg_rule_name(rule)) == rule);
	if (strlen(s) < 600)
		check_path(s, size);
	free(s);
	return 0;
}
