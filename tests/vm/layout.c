/*
 * layout.c - the memory layouts of the VM oracle's driver (scenario.c):
 * one mapping or two halves that may merge, NORESERVE, DONTFORK,
 * WIPEONFORK, shared, RELRO-like, PROT_NONE over written or clean memory,
 * brk and mremap growth, many small VMAs, and three shapes allocators
 * make: a 64 MiB-aligned arena heap (reserved PROT_NONE + MAP_NORESERVE,
 * then made writable, as glibc's thread arenas), a thread stack (mapped
 * without MAP_NORESERVE, a PROT_NONE guard page at its bottom) and chunks
 * an allocator keeps mapped after a free (jemalloc <= 4.1: no
 * MAP_NORESERVE, so charged at every fork).  Every call goes through
 * libc's exported functions, as a program's own calls do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scenario.h"

#define BRK_STEP  (1UL << 30)
#define ARENA_SPAN (64UL << 20) /* glibc's HEAP_MAX_SIZE on 64-bit */

static int fail(struct region *r, const char *step)
{
	r->step = step;
	r->err = errno;
	return -1;
}

/*
 * A free address range of @len with a free page on each side, so that the
 * region built there can merge with itself but with no older neighbour
 * (a neighbour's size, or its anon_vma, would blur the boundary tests).
 */
static char *free_range(size_t len)
{
	size_t span = len + 2 * page;
	char *p = mmap(NULL, span, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, span);
	return p + page;
}

/* post - the kind's madvise or mprotect over [@p, @p + @len). */
static int post(const struct opts *o, char *p, size_t len, struct region *r)
{
	switch (o->kind) {
	case K_DONTFORK:
		return madvise(p, len, MADV_DONTFORK) ? fail(r, "madvise") : 0;
	case K_WIPEONFORK:
		return madvise(p, len, MADV_WIPEONFORK) ? fail(r, "madvise")
							: 0;
	case K_RELRO:
		return mprotect(p, len, PROT_READ) ? fail(r, "mprotect") : 0;
	case K_PROTNONE:
	case K_PROTCLEAN:
		return mprotect(p, len, PROT_NONE) ? fail(r, "mprotect") : 0;
	default: return 0;
	}
}

/*
 * One mapping, or two halves (-j ascending, -r descending, both at hinted
 * adjacent addresses; -a wherever mmap(NULL) puts them), then the kind's
 * madvise/mprotect over the whole when adjacent, else over each half.
 */
static int build_mapped(const struct opts *o, size_t len, struct region *r)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, fd = -1, n = o->join ? 2 : 1;
	size_t half = o->join ? len / 2 / page * page : len;
	size_t hl[2] = {half, len - half};
	char path[256], *base = NULL, *at, *h[2];
	const char *tmp;
	int i, k;

	if (o->kind == K_SHARED)
		flags = MAP_SHARED | MAP_ANONYMOUS;
	if (o->kind == K_NORESERVE)
		flags |= MAP_NORESERVE;
	if (o->kind == K_RELRO) {
		tmp = getenv("TMPDIR");
		snprintf(path, sizeof(path), "%s/fg-relro.%d",
			 tmp ? tmp : "/tmp", (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(r, "open");
		unlink(path);
		if (ftruncate(fd, (off_t)len))
			return fail(r, "ftruncate");
		flags = MAP_PRIVATE;
	}
	if (o->join != J_ANY && !(base = free_range(len)))
		return fail(r, "reserve");
	for (i = 0; i < n; i++) {
		k = o->join == J_DOWN ? n - 1 - i : i;
		at = base ? base + (k ? half : 0) : NULL;
		h[k] = mmap(at, hl[k], PROT_READ | PROT_WRITE,
			    flags | (at ? MAP_FIXED_NOREPLACE : 0), fd,
			    k ? (off_t)half : 0);
		if (h[k] == MAP_FAILED)
			return fail(r, "mmap");
		if (o->fault)
			h[k][0] = 1;
	}
	if (fd >= 0)
		close(fd);
	r->lo = (unsigned long)h[0];
	r->hi = (unsigned long)h[n - 1] + hl[n - 1];
	if (r->lo > (unsigned long)h[n - 1]) {
		r->lo = (unsigned long)h[n - 1];
		r->hi = (unsigned long)h[0] + hl[0];
	}
	if (o->kind == K_RELRO || o->kind == K_PROTNONE)
		for (i = 0; i < n; i++)
			h[i][0] = 1; /* written, so it has an anon_vma */
	if (r->hi - r->lo == len)
		return post(o, (char *)r->lo, len, r);
	for (i = 0; i < n; i++)
		if (post(o, h[i], hl[i], r))
			return -1;
	return 0;
}

/*
 * brk growth in steps of at most BRK_STEP, by the brk system call itself:
 * musl's sbrk() refuses any increment (ENOMEM).  The kernel answers with
 * the new break, or the old one when it refuses.
 */
static int build_brk(size_t len, struct region *r)
{
	unsigned long old = (unsigned long)syscall(SYS_brk, 0), cur = old;
	size_t done, step;

	for (done = 0; done < len; done += step) {
		step = len - done < BRK_STEP ? len - done : BRK_STEP;
		if ((unsigned long)syscall(SYS_brk, cur + step) != cur + step) {
			errno = ENOMEM;
			return fail(r, "brk");
		}
		cur += step;
	}
	r->lo = (unsigned long)old;
	r->hi = r->lo + len;
	return 0;
}

static int build_mremap(size_t len, struct region *r)
{
	size_t half = len / 2 / page * page;
	char *p = free_range(len);

	if (!p)
		return fail(r, "reserve");
	p = mmap(p, half, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return fail(r, "mmap");
	p = mremap(p, half, len, 0); /* grows in place: charges the delta */
	if (p == MAP_FAILED)
		return fail(r, "mremap");
	r->lo = (unsigned long)p;
	r->hi = r->lo + len;
	return 0;
}

/* @n private RW VMAs separated by one-page PROT_NONE gaps. */
static int build_many(size_t len, long n, struct region *r)
{
	size_t chunk = len / n / page * page, off = 0, sz;
	size_t span = len + n * page;
	char *base = free_range(span);
	long i;

	if (!base || mmap(base, span, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			      MAP_FIXED_NOREPLACE,
			  -1, 0) == MAP_FAILED)
		return fail(r, "reserve");
	for (i = 0; i < n; i++) {
		sz = i == n - 1 ? len - chunk * (n - 1) : chunk;
		if (mmap(base + off, sz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) == MAP_FAILED)
			return fail(r, "mmap");
		off += sz + page;
	}
	r->lo = (unsigned long)base;
	r->hi = r->lo + span;
	return 0;
}

/*
 * An arena heap as glibc's new_heap() makes it: twice the span reserved
 * PROT_NONE + MAP_NORESERVE, cut to a 64 MiB-aligned span (rounded up to
 * hold @len), then its first @len bytes made writable (grow_heap).
 */
static int build_arena(size_t len, struct region *r)
{
	size_t span = (len + ARENA_SPAN) / ARENA_SPAN * ARENA_SPAN;
	char *p = mmap(NULL, 2 * span, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return fail(r, "mmap");
	a = (char *)(((uintptr_t)p + ARENA_SPAN - 1) & ~(ARENA_SPAN - 1));
	if ((a > p && munmap(p, (size_t)(a - p))) ||
	    munmap(a + span, (size_t)(p + 2 * span - (a + span))))
		return fail(r, "munmap");
	if (mprotect(a, len, PROT_READ | PROT_WRITE))
		return fail(r, "mprotect");
	a[0] = 1;
	r->lo = (unsigned long)a;
	r->hi = r->lo + span;
	return 0;
}

/*
 * A thread stack as glibc's allocate_stack() makes it: mapped PROT_NONE
 * (MAP_STACK, no MAP_NORESERVE), all but the guard page at its bottom
 * then made writable.
 */
static int build_tstack(size_t len, struct region *r)
{
	char *p = mmap(NULL, len + page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (p == MAP_FAILED)
		return fail(r, "mmap");
	if (mprotect(p + page, len, PROT_READ | PROT_WRITE))
		return fail(r, "mprotect");
	p[len + page - 1] = 1;
	r->lo = (unsigned long)p;
	r->hi = r->lo + len + page;
	return 0;
}

/*
 * Retention: an allocator that maps its chunks without MAP_NORESERVE (as
 * jemalloc <= 4.1, which Redis 3.x/4.x bundled) and keeps them mapped
 * after the program freed what they held.  64 MiB chunks, mapped
 * downwards from the top of a free range (each one merges with the last),
 * one page of each written.  Here they are all "freed"; mallctl below
 * answers jemalloc's purge by unmapping them.
 */
#define CHUNK (64L << 20)
static struct {
	char *lo;
	size_t len;
} retained;

static int build_retain(size_t len, struct region *r)
{
	size_t n = (len + CHUNK - 1) / CHUNK, i;
	char *base = free_range(n * CHUNK), *c;

	if (!base)
		return fail(r, "reserve");
	for (i = n; i-- > 0;) {
		c = mmap(base + i * CHUNK, CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
		if (c == MAP_FAILED)
			return fail(r, "mmap");
		c[0] = 1;
	}
	retained.lo = base;
	retained.len = n * CHUNK;
	r->lo = (unsigned long)base;
	r->hi = r->lo + n * CHUNK;
	return 0;
}

/*
 * mallctl - jemalloc's control entry, as much of it as the retention
 * above has: "arena.4096.purge" (all arenas) unmaps the retained chunks;
 * every other name is ENOENT, as jemalloc says of a name it does not
 * know.  Exported (-rdynamic) so that the guard's remedy finds it.
 */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	    size_t newlen)
{
	(void)oldp;
	(void)oldlenp;
	(void)newp;
	(void)newlen;
	if (strcmp(name, "arena.4096.purge"))
		return ENOENT;
	if (retained.len && munmap(retained.lo, retained.len))
		return errno;
	retained.len = 0;
	return 0;
}

int build(const struct opts *o, long pages, struct region *r)
{
	size_t len = (size_t)pages * page;

	switch (o->kind) {
	case K_BRK: return build_brk(len, r);
	case K_MREMAP: return build_mremap(len, r);
	case K_MANY: return build_many(len, o->nmany, r);
	case K_ARENA: return build_arena(len, r);
	case K_TSTACK: return build_tstack(len, r);
	case K_RETAIN: return build_retain(len, r);
	default: return build_mapped(o, len, r);
	}
}
