/*
 * fuzz_status - fg_parse_status() and fg_parse_statm() on arbitrary text.
 *
 * The input becomes a C string of exactly its size + 1 and goes to both
 * parsers (a status file and a statm file are both short text).  The
 * command name must stay terminated inside comm[] and hold no newline;
 * CAP_SYS_ADMIN only comes from a CapEff: line; statm's numbers must be
 * the first two decimal fields.
 */
#include "fuzz.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

/* The first two blank-separated decimal numbers (each <= 18 digits),
 * page counts no larger than a 64-bit address space. */
static int ref_statm(const char *s, uint64_t *a, uint64_t *b)
{
	uint64_t *out[2] = {a, b};
	size_t d;
	int i;

	for (i = 0; i < 2; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		for (d = 0; s[d] >= '0' && s[d] <= '9';)
			d++;
		if (d > 18)
			return -1;
		if (!d)
			return 0;
		*out[i] = strtoull(s, NULL, 10);
		if (*out[i] > FG_PAGES_MAX)
			return 0;
		s += d;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct fg_task t;
	uint64_t a = 0, b = 0, ra = 0, rb = 0;
	bool cap = true, ok;
	int r;

	memset(&t, 0, sizeof(t));
	ok = fg_parse_status(s, &t, &cap);
	FZ_ASSERT(fz_terminated(t.comm, sizeof(t.comm)));
	FZ_ASSERT(!strchr(t.comm, '\n'));
	if (t.comm[0])
		FZ_ASSERT(ok);
	if (ok && !t.comm[0])
		FZ_ASSERT(strstr(s, "VmSize:"));
	if (cap)
		FZ_ASSERT(strstr(s, "CapEff:"));
	if (!strstr(s, "VmSize:"))
		FZ_ASSERT(t.vsz_kb == 0);
	if (!strstr(s, "VmRSS:"))
		FZ_ASSERT(t.rss_kb == 0);

	ok = fg_parse_statm(s, &a, &b);
	r = ref_statm(s, &ra, &rb);
	if (r >= 0) {
		FZ_ASSERT(ok == (r == 1));
		if (ok)
			FZ_ASSERT(a == ra && b == rb);
	}
	free(s);
	return 0;
}
