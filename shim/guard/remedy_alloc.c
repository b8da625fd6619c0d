/*
 * remedy_alloc.c - the allocator remedies: glibc's malloc_trim, jemalloc's
 * tcache flush and purge of every arena (and its statistics for the
 * diagnosis), tcmalloc's and mimalloc's release.
 *
 * Allocators are found at run time with dlsym(RTLD_DEFAULT), once per
 * process and only for the remedies FORKGUARD_REMEDY enables; the library
 * has no link dependency on any of them.  No malloc here beyond what the
 * allocators' own calls do: dlsym is asked only for a name that a loaded
 * object defines (dynsym.c), since for one that none does it allocates its
 * error message (tests/transparency "no-heap").  The caller (remedy.c)
 * holds the remediation lock around every call.
 */
#include <dlfcn.h>
#include <string.h>

#include "dynsym.h"
#include "remedy_alloc.h"

#define FG_JE_PURGE_ALL "arena.4096.purge" /* MALLCTL_ARENAS_ALL */

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static struct {
	unsigned resolved; /* FG_REMEDY_* bits looked up */
	mallctl_fn mallctl;
	int (*malloc_trim)(size_t);
	void (*tc_release)(void);
	void (*mi_collect)(bool);
} sym;

/* @name's address, or NULL; dlsym only for a name some object defines */
static void *find(const char *name)
{
	return fg_dynsym_defined(name) ? dlsym(RTLD_DEFAULT, name) : NULL;
}

/* Resolve, once per process, the symbols of the remedies in @mask. */
void fg_alloc_discover(unsigned mask)
{
	mask &= ~sym.resolved;
	if (mask & FG_REMEDY_JEMALLOC) {
		sym.mallctl = (mallctl_fn)find("je_mallctl");
		if (!sym.mallctl)
			sym.mallctl = (mallctl_fn)find("mallctl");
	}
	if (mask & FG_REMEDY_TRIM)
		sym.malloc_trim = (int (*)(size_t))find("malloc_trim");
	if (mask & FG_REMEDY_RELEASE) {
		sym.tc_release =
		    (void (*)(void))find("MallocExtension_ReleaseFreeMemory");
		sym.mi_collect = (void (*)(bool))find("mi_collect");
	}
	sym.resolved |= mask;
}

bool fg_alloc_has(unsigned bit)
{
	switch (bit) {
	case FG_REMEDY_TRIM: return sym.malloc_trim != NULL;
	case FG_REMEDY_JEMALLOC: return sym.mallctl != NULL;
	case FG_REMEDY_RELEASE: return sym.tc_release || sym.mi_collect;
	default: return true;
	}
}

bool fg_alloc_mi_collect(void)
{
	return sym.mi_collect != NULL;
}

int fg_remedy_trim(const struct fg_config *c, struct fg_event *e,
		   struct fg_attempt *a)
{
	(void)c;
	(void)e;
	if (!sym.malloc_trim(0))
		a->why = "malloc_trim found nothing to return";
	return 0;
}

static bool je_read_kb(const char *name, uint64_t *kb)
{
	size_t v = 0, sz = sizeof(v);

	if (sym.mallctl(name, &v, &sz, NULL, 0))
		return false;
	*kb = v / 1024;
	return true;
}

void fg_alloc_je_stats(struct fg_alloc_stats *s)
{
	uint64_t epoch = 1;
	size_t sz = sizeof(epoch);

	memset(s, 0, sizeof(*s));
	s->found = true;
	if (sym.mallctl("epoch", &epoch, &sz, &epoch, sz))
		return;
	/* ENOENT without --enable-stats; "retained" is 5.0+ */
	s->have_stats = je_read_kb("stats.mapped", &s->mapped_kb);
	if (!s->have_stats)
		return;
	je_read_kb("stats.allocated", &s->allocated_kb);
	je_read_kb("stats.active", &s->active_kb);
	je_read_kb("stats.resident", &s->resident_kb);
	je_read_kb("stats.retained", &s->retained_kb);
}

int fg_remedy_jemalloc(const struct fg_config *c, struct fg_event *e,
		       struct fg_attempt *a)
{
	int rc;

	(void)c;
	(void)e;
	/* EFAULT when the thread has no tcache: nothing to flush */
	sym.mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	rc = sym.mallctl(FG_JE_PURGE_ALL, NULL, NULL, NULL, 0);
	if (rc) {
		a->why = FG_JE_PURGE_ALL " failed";
		a->err = rc;
		return -rc;
	}
	return 0;
}

int fg_remedy_release(const struct fg_config *c, struct fg_event *e,
		      struct fg_attempt *a)
{
	(void)c;
	(void)e;
	if (sym.tc_release) {
		sym.tc_release();
		a->why = "tcmalloc MallocExtension_ReleaseFreeMemory";
	}
	if (sym.mi_collect) {
		sym.mi_collect(true);
		a->why = sym.tc_release ? "tcmalloc and mimalloc released"
					: "mimalloc mi_collect(true)";
	}
	return 0;
}
