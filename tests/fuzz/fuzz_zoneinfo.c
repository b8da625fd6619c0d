/*
 * fuzz_zoneinfo - fg_zoneinfo_line() / fg_zoneinfo_end() on arbitrary text.
 *
 * The input is a whole /proc/zoneinfo.  Each line goes to the accumulator
 * as an exactly-sized heap copy; then the same bytes are read back through
 * fg_lines() with the 4096-byte buffer fg_sys_read() uses, and when no
 * line is longer than that buffer both ways must give the same total.
 */
#include "fuzz.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

FZ_FILES("zoneinfo")

static void zone_line(const char *line, size_t n, void *arg)
{
	char *copy = fz_dup(line, n);

	fg_zoneinfo_line(arg, copy, n);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_zone_acc z1, z2;
	char path[96], buf[4096];
	size_t start = 0, i, longest = 0;
	uint64_t t1, t2;

	memset(&z1, 0, sizeof(z1));
	for (i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			if (i < size || i > start)
				zone_line((const char *)data + start, i - start,
					  &z1);
			if (i - start > longest)
				longest = i - start;
			start = i + 1;
		}
	}
	t1 = fg_zoneinfo_end(&z1);
	FZ_ASSERT(!z1.in_zone);
	FZ_ASSERT(fg_zoneinfo_end(&z1) == t1); /* closing twice adds nothing */

	fz_file_set(&file, data, size);
	memset(&z2, 0, sizeof(z2));
	snprintf(path, sizeof(path), "%s/zoneinfo", file.dir);
	FZ_ASSERT(fg_lines(path, buf, sizeof(buf), zone_line, &z2) == 0);
	t2 = fg_zoneinfo_end(&z2);
	if (longest < sizeof(buf))
		FZ_ASSERT(t1 == t2);
	return 0;
}
