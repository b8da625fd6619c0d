/*
 * mmap_track.c - how the process's mappings were made, for kernels whose
 * smaps has no VmFlags (before 3.8).
 *
 * There the estimate tier cannot tell a charged anonymous mapping from a
 * MAP_NORESERVE or MADV_DONTFORK one.  But calls that reach libc through
 * the dynamic linker reach these wrappers first: mmap (its flags, the
 * mode at that moment: MAP_NORESERVE counts only outside mode 2),
 * mprotect to writable (charges what was neither charged nor NORESERVE),
 * madvise DONTFORK/DOFORK, mremap and munmap.  A fixed table of address
 * intervals with what is known of each (charged? noreserve? dontcopy?)
 * answers fg_vmas_walk() for each unsure VMA: settled only when tracked
 * intervals cover it whole and agree (mm/mmap.c mmap_region, mm/mprotect.c
 * mprotect_fixup, mm/madvise.c, mm/mremap.c of 2.6.32-3.7).
 *
 * Whether to track is decided once, at the first call or at load: only
 * where smaps has no VmFlags.  Elsewhere each wrapper tail-calls the real
 * function after one predictable branch, and the fork path is unchanged.
 * The real call's return value and errno always reach the caller as they
 * were.  No heap, no lock that waits: the table has a try-lock; a thread
 * that finds it taken (another thread mapping at the same moment) gives
 * the table up (nothing is known from then on: the estimate stands), and
 * a fork that finds it taken settles nothing.
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
#include "mmap_track.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

/* musl's header makes mmap64 a macro for mmap (LFS64); glibc exports it
 * as a function of its own, which a -D_FILE_OFFSET_BITS=64 program calls:
 * both builds export the same symbols */
#undef mmap64

#define TRACK_MAX    1024 /* intervals */
#define TRACK_PIECES 64	  /* pieces one call may touch */

/* Each attribute: 0 unknown, NO or YES. */
enum { NO = 1, YES = 2 };
#define ACCT(a)		   ((a)&3)	    /* VM_ACCOUNT */
#define NR(a)		   (((a) >> 2) & 3) /* VM_NORESERVE, VM_SHARED, hugetlb */
#define DC(a)		   (((a) >> 4) & 3) /* VM_DONTCOPY */
#define ATTR(acct, nr, dc) ((uint8_t)((acct) | (nr) << 2 | (dc) << 4))

struct iv {
	uintptr_t lo, hi;
	uint8_t a;
};

static struct {
	int state; /* 0 undecided, 1 off, 2 on, 3 given up */
	pid_t lock, owner;
	unsigned n;
	uintptr_t page;
	struct iv t[TRACK_MAX];
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

/* --- the table (under tr.lock) --- */

enum op { OP_SET, OP_PROT_W, OP_DC };

/* A piece's attributes after @op (@arg: OP_SET the attributes, OP_DC
 * YES/NO); 0 for a gap that stays unknown. */
static uint8_t apply(uint8_t a, enum op op, uint8_t arg)
{
	switch (op) {
	case OP_SET: return arg;
	case OP_PROT_W:
		/* mprotect_fixup: charged unless already charged, writable,
		 * shared, hugetlb or NORESERVE */
		if (ACCT(a) == NO && NR(a) == NO)
			return ATTR(YES, NO, DC(a));
		return a;
	case OP_DC: return ATTR(ACCT(a), NR(a), arg);
	}
	return a;
}

/* Append @p to @out[*k] merging with its left neighbour; false if full. */
static bool push(struct iv *out, unsigned *k, struct iv p)
{
	if (!p.a || p.hi <= p.lo)
		return true;
	if (*k && out[*k - 1].hi == p.lo && out[*k - 1].a == p.a) {
		out[*k - 1].hi = p.hi;
		return true;
	}
	if (*k == TRACK_PIECES)
		return false;
	out[(*k)++] = p;
	return true;
}

/*
 * update - @op over [lo, hi): the intervals it overlaps are replaced by
 * their pieces (outside parts kept, inside parts changed, gaps given
 * what @op gives a gap).  When the pieces do not fit, what they cover
 * is forgotten: unknown is always safe.
 */
static void update(uintptr_t lo, uintptr_t hi, enum op op, uint8_t arg)
{
	struct iv out[TRACK_PIECES], *t = tr.t, g;
	unsigned i = 0, j, k = 0, m;
	uintptr_t at = lo;
	bool fit = true;

	while (i < tr.n && t[i].hi <= lo)
		i++;
	if (i > 0 && t[i - 1].hi == lo)
		i--; /* a neighbour to merge with */
	for (j = i; j < tr.n && t[j].lo <= hi; j++) {
		if (t[j].lo > at && at < hi) {
			g = (struct iv){ at, t[j].lo < hi ? t[j].lo : hi,
					 apply(0, op, arg) };
			fit &= push(out, &k, g);
			at = g.hi;
		}
		g = t[j];
		if (g.lo < lo)
			fit &= push(out, &k, (struct iv){ g.lo, lo, g.a });
		if (g.hi > lo && g.lo < hi)
			fit &= push(out, &k,
				    (struct iv){ g.lo > lo ? g.lo : lo,
						 g.hi < hi ? g.hi : hi,
						 apply(g.a, op, arg) });
		if (g.hi > hi)
			fit &= push(out, &k, (struct iv){ hi, g.hi, g.a });
		if (g.hi > at)
			at = g.hi;
	}
	if (at < hi)
		fit &= push(out, &k, (struct iv){ at, hi, apply(0, op, arg) });
	if (!fit || tr.n - (j - i) + k > TRACK_MAX)
		k = 0; /* forget [t[i].lo, t[j-1].hi) */
	m = tr.n - j;
	memmove(&t[i + k], &t[j], m * sizeof(*t));
	memcpy(&t[i], out, k * sizeof(*t));
	tr.n = i + k + m;
}

/* A child's table: its parent's DONTFORK ranges are not mapped in it. */
static void own(pid_t self)
{
	unsigned i, k = 0;

	if (tr.owner == self)
		return;
	for (i = 0; i < tr.n; i++)
		if (DC(tr.t[i].a) != YES)
			tr.t[k++] = tr.t[i];
	tr.n = k;
	tr.owner = self;
}

/* Record @op over [addr, addr + len), the length rounded to pages. */
static void note(const void *addr, size_t len, enum op op, uint8_t arg)
{
	uintptr_t lo = (uintptr_t)addr,
		  hi = lo + ((len + tr.page - 1) & ~(tr.page - 1));
	pid_t self;

	if (state() != 2 || hi <= lo)
		return;
	self = getpid();
	if (!fg_trylock(&tr.lock, self)) {
		/* another thread is recording: the order is lost */
		__atomic_store_n(&tr.state, 3, __ATOMIC_RELEASE);
		return;
	}
	own(self);
	update(lo, hi, op, arg);
	fg_unlock(&tr.lock);
}

/* The uniform attributes of [lo, hi) in the table, 0 if not uniform. */
static uint8_t attrs_of(uintptr_t lo, uintptr_t hi)
{
	uintptr_t at = lo;
	uint8_t a = 0;
	unsigned i;

	for (i = 0; i < tr.n && at < hi; i++) {
		if (tr.t[i].hi <= at)
			continue;
		if (tr.t[i].lo > at || (a && tr.t[i].a != a))
			return 0;
		a = tr.t[i].a;
		at = tr.t[i].hi;
	}
	return at >= hi ? a : 0;
}

enum fg_known fg_track_known(uint64_t start, uint64_t end)
{
	pid_t self = getpid();
	uint8_t a;

	if (__atomic_load_n(&tr.state, __ATOMIC_ACQUIRE) != 2 ||
	    !fg_trylock(&tr.lock, self))
		return FG_KNOWN_NONE;
	own(self);
	a = attrs_of((uintptr_t)start, (uintptr_t)end);
	fg_unlock(&tr.lock);
	if (DC(a) == YES || (DC(a) == NO && ACCT(a) == NO))
		return FG_KNOWN_FREE;
	if (DC(a) == NO && ACCT(a) == YES)
		return FG_KNOWN_CHARGED;
	return FG_KNOWN_NONE;
}

void fg_track_force(bool on)
{
	tr.page = (uintptr_t)sysconf(_SC_PAGESIZE);
	tr.n = 0;
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
		return ATTR(NO, YES, NO);
	return ATTR((prot & PROT_WRITE) && !nr ? YES : NO, nr ? YES : NO, NO);
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
		note(p, len, OP_SET, state() == 2 ? born(prot, flags) : 0);
	fg_errno_keep(err);
	return p;
}

FG_API void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	mmap_fn fn = __atomic_load_n(&real.mmap, __ATOMIC_ACQUIRE);

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return fn(addr, len, prot, flags, fd, off);
	return track_mmap(fn, addr, len, prot, flags, fd, off);
}

FG_API void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	mmap_fn fn = __atomic_load_n(&real.mmap64, __ATOMIC_ACQUIRE);

	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return fn(addr, len, prot, flags, fd, off);
	return track_mmap(fn, addr, len, prot, flags, fd, off);
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
		note(addr, len, OP_SET, 0);
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
	if (!rc && (prot & PROT_WRITE))
		note(addr, len, OP_PROT_W, 0);
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
	if (!rc && (advice == MADV_DONTFORK || advice == MADV_DOFORK))
		note(addr, len, OP_DC, advice == MADV_DONTFORK ? YES : NO);
	fg_errno_keep(err);
	return rc;
}

FG_API void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	mremap_fn fn = __atomic_load_n(&real.mremap, __ATOMIC_ACQUIRE);
	void *want = NULL, *p;
	uint8_t a = 0;
	va_list ap;
	int err;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	if (fn && __atomic_load_n(&tr.state, __ATOMIC_RELAXED) & 1)
		return fn(old, old_len, new_len, flags, want);
	p = fn ? fn(old, old_len, new_len, flags, want)
	       : (void *)syscall(SYS_mremap, old, old_len, new_len, flags,
				 want);
	err = errno;
	if (p != MAP_FAILED && state() == 2) {
		/* the VMA keeps its flags; growth is charged if it was */
		if (fg_trylock(&tr.lock, getpid())) {
			a = old_len ? attrs_of((uintptr_t)old,
					       (uintptr_t)old + old_len)
				    : 0;
			fg_unlock(&tr.lock);
		}
		if (p != old)
			note(old, old_len, OP_SET, 0);
		else if (new_len < old_len)
			note((char *)old + new_len, old_len - new_len, OP_SET,
			     0);
		note(p, new_len, OP_SET, a);
	}
	fg_errno_keep(err);
	return p;
}
