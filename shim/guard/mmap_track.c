/*
 * mmap_track.c - how the process's mappings were made, for kernels whose
 * smaps has no VmFlags (before 3.8).
 *
 * There the estimate tier cannot tell a charged anonymous mapping from a
 * MAP_NORESERVE or MADV_DONTFORK one.  But calls that reach libc through
 * the dynamic linker reach these wrappers first: mmap (its flags, the
 * mode at that moment: MAP_NORESERVE counts only outside mode 2),
 * mprotect to writable (charges what was neither charged nor NORESERVE),
 * madvise DONTFORK/DOFORK, mremap and munmap.  The table of mmap_table.c
 * keeps what is known of each range (charged? noreserve? dontcopy?) and
 * answers fg_vmas_walk() for each unsure VMA: settled only when tracked
 * intervals cover it whole and agree (mm/mmap.c mmap_region, mm/mprotect.c
 * mprotect_fixup, mm/madvise.c, mm/mremap.c of 2.6.32-3.7).
 *
 * Whether to track is decided once, at the first call or at load: only
 * where smaps has no VmFlags.  Elsewhere each wrapper tail-calls the real
 * function after one predictable branch, and the fork path is unchanged.
 * Everywhere, mmap, mmap64 and a growing mremap add what they mapped, in
 * pages, to a count of the bytes mapped (an atomic add, after the call),
 * which the size a fork goes by takes (size.c).
 * The real call's return value and errno always reach the caller as they
 * were.  No heap, no lock that waits (see mmap_table.c).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "forksafe.h"
#include "mmap_table.h"
#include "mmap_track.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

/* musl's header makes mmap64 a macro for mmap (LFS64); glibc exports it
 * as a function of its own, which a -D_FILE_OFFSET_BITS=64 program calls:
 * both builds export the same symbols */
#undef mmap64
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4 /* 5.7 */
#endif

static struct {
	int state; /* 0 undecided, 1 off, 2 on */
	uintptr_t page;
} tr;

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef int (*mprotect_fn)(void *, size_t, int);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);

static struct {
	mmap_fn mmap, mmap64;
	munmap_fn munmap;
	mprotect_fn mprotect, madvise; /* same shape */
	mremap_fn mremap;
} real;

/*
 * Does smaps show VmFlags?  From 3.8 on it does (uname: no file read at
 * load on these kernels); before, unless a distribution backported them,
 * which the first entries of smaps tell.
 */
static bool has_vmflags(void)
{
	char buf[8192];
	struct utsname u;
	int major, minor;

	if (uname(&u) || !fg_parse_release(u.release, &major, &minor))
		return true;
	if (major > 3 || (major == 3 && minor >= 8))
		return true;
	return fg_read_path("/proc/self/smaps", buf, sizeof(buf)) > 0 &&
	       strstr(buf, "\nVmFlags:") != NULL;
}

/* 1 (off) or 2 (on), decided once; errno is kept. */
static int state(void)
{
	int s = __atomic_load_n(&tr.state, __ATOMIC_ACQUIRE), err;

	if (s)
		return s;
	err = errno;
	s = has_vmflags() ? 1 : 2;
	tr.page = (uintptr_t)sysconf(_SC_PAGESIZE);
	if (__atomic_compare_exchange_n(&tr.state, &(int){ 0 }, s, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
	    s == 2)
		fg_vmas_set_known(fg_track_known);
	fg_errno_keep(err);
	return __atomic_load_n(&tr.state, __ATOMIC_ACQUIRE);
}

__attribute__((constructor)) static void track_init(void)
{
	real.mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	real.mmap64 = (mmap_fn)dlsym(RTLD_NEXT, "mmap64");
	real.munmap = (munmap_fn)dlsym(RTLD_NEXT, "munmap");
	real.mprotect = (mprotect_fn)dlsym(RTLD_NEXT, "mprotect");
	real.madvise = (mprotect_fn)dlsym(RTLD_NEXT, "madvise");
	real.mremap = (mremap_fn)dlsym(RTLD_NEXT, "mremap");
	__atomic_thread_fence(__ATOMIC_RELEASE);
	state();
}

/* bytes mapped through these wrappers since load (wraps never in practice) */
static uint64_t mapped;

/* @len rounded up to whole pages (4 kB before our constructor ran) */
static uintptr_t pages(size_t len)
{
	uintptr_t page = tr.page ? tr.page : 4096;

	return (len + page - 1) & ~(page - 1);
}

/* @p, the result of a call that mapped @len bytes, counted once it holds
 * (after the call: a fork that read the size between the count and the
 * mapping would miss it), page by page as the kernel maps; errno kept */
static void *mapped_add(void *p, size_t len)
{
	if (p != MAP_FAILED && len)
		__atomic_fetch_add(&mapped, (uint64_t)pages(len),
				   __ATOMIC_RELAXED);
	return p;
}

uint64_t fg_track_mapped(void)
{
	return __atomic_load_n(&mapped, __ATOMIC_RELAXED);
}

/* Record @op over [addr, addr + len), the length rounded to pages. */
static void note(const void *addr, size_t len, enum fg_top op, uint8_t arg)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + pages(len);

	if (state() == 2 && hi > lo)
		fg_table_note(lo, hi, op, arg, 0, 0);
}

enum fg_known fg_track_known(uint64_t start, uint64_t end)
{
	uint8_t a;

	if (__atomic_load_n(&tr.state, __ATOMIC_ACQUIRE) != 2)
		return FG_KNOWN_NONE;
	a = fg_table_attrs((uintptr_t)start, (uintptr_t)end);
	if (FG_DC(a) == FG_YES || (FG_DC(a) == FG_NO && FG_ACCT(a) == FG_NO))
		return FG_KNOWN_FREE;
	if (FG_DC(a) == FG_NO && FG_ACCT(a) == FG_YES)
		return FG_KNOWN_CHARGED;
	return FG_KNOWN_NONE;
}

void fg_track_force(bool on)
{
	tr.page = (uintptr_t)sysconf(_SC_PAGESIZE);
	fg_table_reset();
	__atomic_store_n(&tr.state, on ? 2 : 1, __ATOMIC_RELEASE);
	fg_vmas_set_known(on ? fg_track_known : NULL);
}

/* Is vm.overcommit_memory 2 now?  (MAP_NORESERVE is ignored then.) */
static bool mode2(void)
{
	char c[4];

	return fg_read_path("/proc/sys/vm/overcommit_memory", c, sizeof(c)) >
		   0 &&
	       c[0] == '2';
}

/* What a new mapping is, from its prot and flags (mm/mmap.c). */
static uint8_t born(int prot, int flags)
{
	bool nr = (flags & MAP_NORESERVE) && !mode2();

	if ((flags & MAP_TYPE) != MAP_PRIVATE || (flags & MAP_HUGETLB))
		return FG_ATTR(FG_NO, FG_YES, FG_NO);
	return FG_ATTR((prot & PROT_WRITE) && !nr ? FG_YES : FG_NO,
		       nr ? FG_YES : FG_NO, FG_NO);
}

/* --- the exported wrappers --- */

static void *track_mmap(mmap_fn fn, void *addr, size_t len, int prot, int flags,
			int fd, off_t off)
{
	void *p = fn ? fn(addr, len, prot, flags, fd, off)
		     : (void *)syscall(SYS_mmap, addr, len, prot, flags, fd,
				       off);
	int err = errno;

	if (p != MAP_FAILED)
		note(p, len, FG_TOP_SET, state() == 2 ? born(prot, flags) : 0);
	else if (flags & MAP_FIXED)
		note(addr, len, FG_TOP_SET, 0); /* the old range may be gone */
	fg_errno_keep(err);
	return p;
}

FG_API void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	mmap_fn fn = __atomic_load_n(&real.mmap, __ATOMIC_ACQUIRE);

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return mapped_add(fn(addr, len, prot, flags, fd, off), len);
	return mapped_add(track_mmap(fn, addr, len, prot, flags, fd, off), len);
}

FG_API void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	mmap_fn fn = __atomic_load_n(&real.mmap64, __ATOMIC_ACQUIRE);

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return mapped_add(fn(addr, len, prot, flags, fd, off), len);
	return mapped_add(track_mmap(fn, addr, len, prot, flags, fd, off), len);
}

FG_API int munmap(void *addr, size_t len)
{
	munmap_fn fn = __atomic_load_n(&real.munmap, __ATOMIC_ACQUIRE);
	int rc, err;

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return fn(addr, len);
	rc = fn ? fn(addr, len) : (int)syscall(SYS_munmap, addr, len);
	err = errno;
	if (!rc)
		note(addr, len, FG_TOP_SET, 0);
	fg_errno_keep(err);
	return rc;
}

FG_API int mprotect(void *addr, size_t len, int prot)
{
	mprotect_fn fn = __atomic_load_n(&real.mprotect, __ATOMIC_ACQUIRE);
	int rc, err;

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return fn(addr, len, prot);
	rc = fn ? fn(addr, len, prot)
		: (int)syscall(SYS_mprotect, addr, len, prot);
	err = errno;
	/* a failure may leave the VMAs before the bad one changed */
	if (prot & PROT_WRITE)
		note(addr, len, rc ? FG_TOP_SET : FG_TOP_PROT_W, 0);
	fg_errno_keep(err);
	return rc;
}

FG_API int madvise(void *addr, size_t len, int advice)
{
	mprotect_fn fn = __atomic_load_n(&real.madvise, __ATOMIC_ACQUIRE);
	int rc, err;

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return fn(addr, len, advice);
	rc = fn ? fn(addr, len, advice)
		: (int)syscall(SYS_madvise, addr, len, advice);
	err = errno;
	/* ENOMEM over a hole still advises the mapped parts: forget */
	if (advice == MADV_DONTFORK || advice == MADV_DOFORK)
		note(addr, len, rc ? FG_TOP_SET : FG_TOP_DC,
		     rc			       ? 0
		     : advice == MADV_DONTFORK ? FG_YES
					       : FG_NO);
	fg_errno_keep(err);
	return rc;
}

FG_API void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	mremap_fn fn = __atomic_load_n(&real.mremap, __ATOMIC_ACQUIRE);
	void *want = NULL, *p;
	size_t grown;
	va_list ap;
	int err;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	/* what total_vm grows by: the growth (old_len 0: a second mapping of
	 * new_len), or all of it when the old range stays (DONTUNMAP) */
	grown = flags & MREMAP_DONTUNMAP ? new_len
		: new_len > old_len	 ? new_len - old_len
					 : 0;
	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return mapped_add(fn(old, old_len, new_len, flags, want),
				  grown);
	p = fn ? fn(old, old_len, new_len, flags, want)
	       : (void *)syscall(SYS_mremap, old, old_len, new_len, flags,
				 want);
	err = errno;
	if (p != MAP_FAILED && state() == 2 && old_len)
		/* the VMA keeps its flags; growth is charged if it was */
		fg_table_note((uintptr_t)old, (uintptr_t)old + pages(old_len),
			      FG_TOP_MOVE, 0, (uintptr_t)p,
			      (uintptr_t)p + pages(new_len));
	else if (p != MAP_FAILED)
		note(p, new_len, FG_TOP_SET, 0);
	fg_errno_keep(err);
	return mapped_add(p, grown);
}
