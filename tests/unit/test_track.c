/*
 * test_track - the in-process knowledge of kernels without VmFlags
 * (mmap_track.c) against the kernel's own answer on this host, which has
 * VmFlags.  Tracking is forced on (fg_track_force); each case makes its
 * mappings through the wrappers (linked into this program, as the library
 * is preloaded into a host), then for every VMA of the region asks the
 * table (fg_track_known) and reads smaps: a settled VMA must say what
 * VmFlags say (charged = ac and not dc), and the cases built only from
 * tracked calls must be settled, also when two threads map at once and
 * when changes wait in the table's ring.
 * Mode 0 or 1 is needed (MAP_NORESERVE is
 * honoured there); in mode 2 the test skips.  Nothing here mprotects to
 * PROT_NONE: 6.7+ un-charges a never-faulted VMA then, which the kernels
 * this models (< 3.8) never do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mmap_table.h"
#include "mmap_track.h"
#include "size.h"

#define MiB (1UL << 20)

static char smaps[1 << 20];

/* The VMA of smaps holding @addr: its bounds and whether it is charged. */
static bool vma_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi, bool *charged)
{
	ssize_t n = 0, r;
	int fd = open("/proc/self/smaps", O_RDONLY);
	char *line, *nl;
	unsigned long l, h;
	bool in = false;

	assert_true(fd >= 0);
	while ((r = read(fd, smaps + n, sizeof(smaps) - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	smaps[n] = '\0';
	for (line = smaps; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (sscanf(line, "%lx-%lx ", &l, &h) == 2) {
			in = l <= addr && addr < h;
			*lo = l;
			*hi = h;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			*charged = strstr(line, " ac") && !strstr(line, " dc");
			return true;
		}
	}
	return false;
}

/*
 * expect - the VMA holding @p: the table must settle it (@settled) and,
 * when it does, agree with the kernel; @charged is what the case means
 * to build (checked against the kernel too, so the case is what it says).
 */
/* judge - the VMA holding @p: is it settled?  If so, rightly (asserted);
 * *kernel: whether the kernel charges it. */
static bool judge(const void *p, bool *kernel)
{
	uintptr_t lo = 0, hi = 0;
	enum fg_known k;

	*kernel = false;
	assert_true(vma_of((uintptr_t)p, &lo, &hi, kernel));
	k = fg_track_known(lo, hi);
	if (k != FG_KNOWN_NONE)
		assert_int_equal(k == FG_KNOWN_CHARGED, *kernel);
	return k != FG_KNOWN_NONE;
}

static void expect(const void *p, bool settled, bool charged)
{
	bool kernel;

	assert_int_equal(judge(p, &kernel), settled);
	assert_int_equal(kernel, charged);
}

static int mode(void)
{
	char c = '0';
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '0';
		close(fd);
	}
	return c - '0';
}

/*
 * map - a private anonymous mapping, placed inside a reservation of its
 * own (PROT_NONE, MAP_NORESERVE, tracked), so that the kernel cannot merge
 * it with an untracked neighbour (the test's own libc or cmocka memory):
 * that VMA would rightly be unknown.
 */
static void *map(size_t len, int prot, int flags)
{
	char *r = mmap(NULL, len + 2 * MiB, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *p;

	assert_true(r != MAP_FAILED);
	p = mmap(r + MiB, len, prot,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);
	assert_true(p == r + MiB);
	return p;
}

static void plain_and_noreserve(void **state)
{
	char *a = map(64 * MiB, PROT_READ | PROT_WRITE, 0);
	char *b = map(64 * MiB, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	char *s = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	(void)state;
	expect(a, true, true);
	expect(b, true, false);
	expect(s, true, false);
	munmap(a, 64 * MiB);
	munmap(b, 64 * MiB);
	munmap(s, 8 * MiB);
}

/* glibc's arena heap and thread stack shapes (tests/vm/layout.c) */
static void arena_and_stack(void **state)
{
	char *h = map(64 * MiB, PROT_NONE, MAP_NORESERVE);
	char *t = map(8 * MiB + 4096, PROT_NONE, MAP_STACK);

	(void)state;
	assert_int_equal(mprotect(h, 16 * MiB, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(mprotect(t + 4096, 8 * MiB, PROT_READ | PROT_WRITE),
			 0);
	expect(h, true, false);
	expect(h + 32 * MiB, true, false);
	expect(t + 4096, true, true);
	expect(t, true, false);
	munmap(h, 64 * MiB);
	munmap(t, 8 * MiB + 4096);
}

static void dontfork_and_back(void **state)
{
	char *a = map(32 * MiB, PROT_READ | PROT_WRITE, 0);

	(void)state;
	assert_int_equal(madvise(a, 32 * MiB, MADV_DONTFORK), 0);
	expect(a, true, false);
	assert_int_equal(madvise(a + 8 * MiB, 8 * MiB, MADV_DOFORK), 0);
	expect(a, true, false);
	expect(a + 8 * MiB, true, true);
	expect(a + 16 * MiB, true, false);
	munmap(a, 32 * MiB);
}

static void remap_and_replace(void **state)
{
	char *a = map(64 * MiB, PROT_NONE, MAP_NORESERVE), *g, *m;

	(void)state;
	/* grown in place: the VMA keeps its flags, the growth charged */
	munmap(a, 64 * MiB);
	g = mmap(a, 16 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_true(g == a);
	assert_true(mremap(g, 16 * MiB, 48 * MiB, 0) == g);
	expect(g + 40 * MiB, true, true);
	/* moved: the new place has the old flags, the old one is gone */
	m = map(8 * MiB, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	g = mremap(m, 8 * MiB, 24 * MiB, MREMAP_MAYMOVE);
	assert_true(g != MAP_FAILED);
	expect(g, true, false);
	/* MAP_FIXED over a charged mapping replaces what is known */
	assert_true(mmap(a + 8 * MiB, 8 * MiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			     MAP_FIXED,
			 -1, 0) == a + 8 * MiB);
	expect(a + 8 * MiB, true, false);
	expect(a, true, true);
	munmap(a, 48 * MiB);
	munmap(g, 24 * MiB);
}

/*
 * A call that fails over a hole may still have changed the mapped part
 * (madvise advises it, mprotect changes the VMAs before the hole): the
 * table must not keep its old answer there.
 */
static void failed_calls(void **state)
{
	char *a = map(8 * MiB, PROT_READ | PROT_WRITE, 0);
	char *b = map(8 * MiB, PROT_NONE, 0);

	(void)state;
	expect(a, true, true);
	munmap(a + 4 * MiB, 4 * MiB);
	assert_int_equal(madvise(a, 8 * MiB, MADV_DONTFORK), -1);
	assert_int_equal(errno, ENOMEM);
	expect(a, false, false); /* the kernel did make it DONTFORK */
	munmap(b + 4 * MiB, 4 * MiB);
	assert_int_equal(mprotect(b, 8 * MiB, PROT_READ | PROT_WRITE), -1);
	expect(b, false, true); /* charged, though the call failed */
}

/* a mapping made behind the wrappers' back stays unknown, also merged */
static void untracked(void **state)
{
	char *a = map(32 * MiB, PROT_NONE, MAP_NORESERVE);
	long r;

	(void)state;
	munmap(a, 32 * MiB);
	assert_true(mmap(a, 16 * MiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == a);
	r = syscall(SYS_mmap, a + 16 * MiB, 16 * MiB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_true(r == (long)(a + 16 * MiB));
	expect(a + 16 * MiB, false, true);
	expect(a, false, true); /* merged with the untracked half */
	assert_int_equal(munmap(a, 32 * MiB), 0);
	expect(map(4 * MiB, PROT_READ | PROT_WRITE, 0), true, true);
}

/*
 * Two threads mapping at once, each unmapping a third of its mappings at
 * once, which the other may get back from the kernel: a settled mapping
 * must agree with the kernel; one thread's munmap recorded after the
 * other's mmap of the same range leaves it unknown (never wrong), so only
 * most need to be settled.  100 changes per thread: fewer than the ring
 * holds.
 */
#define ROUNDS 100
static void *churn(void *arg)
{
	char **keep = arg;
	char *p;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		p = map(MiB, PROT_READ | PROT_WRITE, i % 2 ? MAP_NORESERVE : 0);
		if (i % 3 == 0) {
			munmap(p, MiB);
			continue;
		}
		keep[i] = p;
	}
	return NULL;
}

static void threads(void **state)
{
	static char *keep[2][ROUNDS];
	pthread_t t[2];
	int i, k, n = 0, settled = 0;
	bool kernel;

	(void)state;
	memset(keep, 0, sizeof(keep));
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, churn, keep[k]), 0);
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < 2; k++)
		for (i = 0; i < ROUNDS; i++)
			if (keep[k][i]) {
				n++;
				settled += judge(keep[k][i], &kernel);
				assert_int_equal(kernel, i % 2 == 0);
			}
	for (k = 0; k < 2; k++)
		for (i = 0; i < ROUNDS; i++)
			if (keep[k][i])
				munmap(keep[k][i], MiB);
	printf("  threads: %d of %d mappings settled\n", settled, n);
	assert_true(settled * 4 >= n * 3);
}

/*
 * The ring, deterministically: while the table is held, every change
 * waits there; the next reader applies them in order.  More changes than
 * the ring holds: the table is given up and settles nothing any more.
 */
static void ring(void **state)
{
	char *base = map(82 * MiB, PROT_NONE, MAP_NORESERVE), *p[40];
	int i;

	(void)state;
	/* inside a tracked reservation: no untracked neighbour to merge with */
	fg_table_hold(true);
	for (i = 0; i < 40; i++) {
		p[i] = mmap(base + (2 * i + 1) * MiB, MiB, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				(i % 2 ? MAP_NORESERVE : 0),
			    -1, 0);
		assert_true(p[i] == base + (2 * i + 1) * MiB);
	}
	for (i = 0; i < 40; i += 4)
		assert_int_equal(mprotect(p[i], MiB, PROT_READ | PROT_WRITE),
				 0);
	assert_int_equal(madvise(p[2], MiB, MADV_DONTFORK), 0);
	fg_table_hold(false);
	for (i = 0; i < 40; i++)
		expect(p[i], true, i % 4 == 0);
	fg_table_hold(true);
	for (i = 0; i < 300; i++)
		munmap(map(MiB, PROT_READ | PROT_WRITE, 0), MiB);
	fg_table_hold(false);
	expect(map(MiB, PROT_READ | PROT_WRITE, 0), false, true);
	fg_track_force(true); /* a fresh table for what follows */
	expect(p[0], false, true);
	munmap(base, 82 * MiB);
}

/* errno and return values pass through the wrappers as they were */
static void transparent(void **state)
{
	(void)state;
	errno = 0;
	assert_true(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) ==
		    MAP_FAILED);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(munmap((void *)1, 4096), -1);
	assert_int_equal(errno, EINVAL);
	errno = 7;
	assert_int_equal(madvise(map(4096, PROT_READ, 0), 4096, MADV_NORMAL),
			 0);
	assert_int_equal(errno, 7);
}

/*
 * Whatever the tracking state, mmap, mmap64 and a growing mremap count
 * what they mapped, in pages, once the call succeeded (fg_track_mapped),
 * and the size the next fork goes by takes it at once (size.c); a failed
 * call counts nothing, munmap never lowers it (the next read does), an
 * mremap that keeps the old range (DONTUNMAP) counts all it maps; a read
 * kept afresh starts again from there; another process's record, or one
 * older than asked, is none.
 */
static void growth_in(bool tracking)
{
	const uint64_t gib = UINT64_C(1) << 30, gib_pages = gib / 4096;
	pid_t self = getpid();
	uint64_t size, anon, before;
	long age;
	char *p, *q;

	fg_track_force(tracking);
	before = fg_track_mapped();
	assert_true(fg_size_begin(self));
	fg_size_end(true, 1000, 100, 10);
	assert_true(fg_size_seen(self, 1000, 0, 4, &size, &anon, &age));
	assert_true(size == 100 && anon == 10 && age == 0);
	p = mmap(NULL, gib, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_true(fg_track_mapped() - before == gib);
	assert_true(fg_size_seen(self, 1000, 0, 4, &size, &anon, &age));
	assert_true(size == 100 + gib_pages);
	q = mremap(p, gib, 2 * gib, MREMAP_MAYMOVE);
	assert_true(q != MAP_FAILED);
	assert_true(fg_size_seen(self, 1000, 0, 4, &size, &anon, &age));
	assert_true(size == 100 + 2 * gib_pages);
	assert_int_equal(munmap(q, 2 * gib), 0);
	/* a byte is a page */
	p = mmap(NULL, 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_true(fg_size_seen(self, 1000, 0, 4, &size, &anon, &age));
	assert_true(size == 100 + 2 * gib_pages + 1);
	/* DONTUNMAP (5.7): the old range stays, all of it counts */
	q = mremap(p, 4096, 4096, MREMAP_MAYMOVE | 4 /* DONTUNMAP */);
	if (q != MAP_FAILED) {
		assert_true(fg_size_seen(self, 1000, 0, 4, &size, &anon,
					 &age));
		assert_true(size == 100 + 2 * gib_pages + 2);
		assert_int_equal(munmap(q, 4096), 0);
		before += 4096;
	}
	assert_int_equal(munmap(p, 1), 0);
	/* failed: nothing counted, errno as the call left it */
	errno = 0;
	p = mmap(NULL, SIZE_MAX & ~(size_t)4095, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p == MAP_FAILED && errno == ENOMEM);
	assert_true(fg_track_mapped() - before == 2 * gib + 4096);
	/* as seen by another process, or past its age */
	assert_false(fg_size_seen(self + 1, 1000, 0, 4, &size, &anon, &age));
	assert_false(fg_size_seen(self, 2001, 1000, 4, &size, &anon, &age));
	assert_true(fg_size_seen(self, 1500, 1000, 4, &size, &anon, &age));
	assert_int_equal(age, 500);
	/* a new read: the growth counted from there */
	assert_true(fg_size_begin(self));
	fg_size_end(true, 3000, 5, 1);
	assert_true(fg_size_seen(self, 3000, 0, 4, &size, &anon, &age));
	assert_true(size == 5 && anon == 1);
	/* a read that failed keeps none */
	assert_true(fg_size_begin(self));
	fg_size_end(false, 0, 0, 0);
	assert_false(fg_size_seen(self, 3000, 0, 4, &size, &anon, &age));
}

static void growth_counted(void **state)
{
	(void)state;
	growth_in(true);
	growth_in(false);
	fg_track_force(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_and_noreserve),
		cmocka_unit_test(arena_and_stack),
		cmocka_unit_test(dontfork_and_back),
		cmocka_unit_test(remap_and_replace),
		cmocka_unit_test(failed_calls),
		cmocka_unit_test(untracked),
		cmocka_unit_test(threads),
		cmocka_unit_test(ring),
		cmocka_unit_test(transparent),
		cmocka_unit_test(growth_counted),
	};

	if (mode() == 2) {
		printf("SKIP test_track: overcommit_memory is 2 here; "
		       "MAP_NORESERVE is not honoured\n");
		return 0;
	}
	fg_track_force(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
