/*
 * fuzz_meminfo - fg_parse_meminfo() on arbitrary text.
 *
 * The input becomes a C string of exactly its size + 1.  Besides memory
 * safety, every field must equal what a plain reading of the text gives:
 * the last "Key:<blanks><digits>" line at the start of a line wins, and
 * without a Hugetlb: line the pool is HugePages_Total x Hugepagesize.
 */
#include "fuzz.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

/* The last valid "key: N" line; -1 if a candidate had too many digits. */
static int ref_key(const char *s, const char *key, uint64_t *v)
{
	size_t k = strlen(key), d;
	const char *line = s, *p;
	int found = 0;

	while (*line) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);

		if ((size_t)(end - line) > k && !memcmp(line, key, k) &&
		    line[k] == ':') {
			for (p = line + k + 1;
			     p < end && (*p == ' ' || *p == '\t');)
				p++;
			for (d = 0; p + d < end && p[d] >= '0' && p[d] <= '9';)
				d++;
			if (d > 18) {
				found = -1;
			} else if (d && found >= 0) {
				*v = strtoull(p, NULL, 10);
				found = 1;
			}
		}
		line = nl ? nl + 1 : end;
	}
	return found;
}

static void expect_field(const char *s, const char *key, uint64_t got)
{
	uint64_t v = 0;
	int r = ref_key(s, key, &v);

	if (r >= 0)
		FZ_ASSERT(got == (r ? v : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct fg_sys sys;
	uint64_t total = 0, pagesz = 0;
	bool ok;

	memset(&sys, 0, sizeof(sys));
	ok = fg_parse_meminfo(s, &sys);
	FZ_ASSERT(ok == (sys.mem_total_kb != 0));
	expect_field(s, "MemTotal", sys.mem_total_kb);
	expect_field(s, "MemFree", sys.mem_free_kb);
	expect_field(s, "Buffers", sys.buffers_kb);
	expect_field(s, "Cached", sys.cached_kb);
	expect_field(s, "SwapCached", sys.swap_cached_kb);
	expect_field(s, "SwapTotal", sys.swap_total_kb);
	expect_field(s, "SwapFree", sys.swap_free_kb);
	expect_field(s, "Shmem", sys.shmem_kb);
	expect_field(s, "SReclaimable", sys.sreclaimable_kb);
	expect_field(s, "KReclaimable", sys.kreclaimable_kb);
	expect_field(s, "CommitLimit", sys.commit_limit_kb);
	expect_field(s, "Committed_AS", sys.committed_kb);
	if (ref_key(s, "Hugetlb", &total) != 0)
		expect_field(s, "Hugetlb", sys.hugetlb_kb);
	else if (ref_key(s, "HugePages_Total", &total) >= 0 &&
		 ref_key(s, "Hugepagesize", &pagesz) >= 0)
		FZ_ASSERT(sys.hugetlb_kb == total * pagesz);
	free(s);
	return 0;
}
