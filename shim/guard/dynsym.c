/*
 * dynsym.c - whether a loaded object defines a symbol, without dlsym.
 *
 * dlsym(RTLD_DEFAULT) is what finds an allocator's entry points, but for a
 * name that no object defines it allocates its error message (glibc, musl):
 * in a process that has not called malloc yet, that first allocation is
 * the guard's, and it gives the process a heap, a mapping of its own with
 * its page tables, that every fork after copies and every child frees
 * (the kernel's fork of a tiny guarded process 0.1 s apart: 12 us over
 * the guard switched off with it, 1-3 us without; README "Figures").  So the
 * allocator discovery asks here first: each object that dl_iterate_phdr
 * lists, its dynamic section's hash table (GNU or SysV) and symbol table.
 * A filter, not a second dlsym: it may say yes where dlsym's scope says no
 * (an object dlopen'ed RTLD_LOCAL), never the other way round.
 */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "dynsym.h"

typedef ElfW(Sym) elf_sym;
typedef ElfW(Dyn) elf_dyn;

struct query {
	const char *name;
	uint32_t gnu, sysv; /* its two hashes */
	bool found;
};

/* One object's tables; pointers already in this process's addresses. */
struct tables {
	const elf_sym *sym;
	const char *str;
	size_t strsz;
	const uint32_t *gnu, *sysv;
};

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0, g;

	for (; *s; s++) {
		h = (h << 4) + (unsigned char)*s;
		g = h & 0xf0000000u;
		h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

static bool defines(const struct tables *t, uint32_t i, const char *name)
{
	const elf_sym *s = &t->sym[i];

	return s->st_shndx != SHN_UNDEF && s->st_name < t->strsz &&
	       ELF64_ST_BIND(s->st_info) != STB_LOCAL && /* ELF32_: the same */
	       !strcmp(t->str + s->st_name, name);
}

/* The GNU table: buckets of chains whose hashes end a chain with bit 0. */
static bool in_gnu(const struct tables *t, const struct query *q)
{
	uint32_t nbuckets = t->gnu[0], base = t->gnu[1], i, h;
	const uint32_t *buckets, *chain;

	if (!nbuckets)
		return false;
	buckets = (const uint32_t *)(const void *)(t->gnu + 4) +
		  t->gnu[2] * (sizeof(ElfW(Addr)) / sizeof(uint32_t));
	chain = buckets + nbuckets;
	i = buckets[q->gnu % nbuckets];
	if (!i || i < base)
		return false; /* an empty bucket */
	do {
		h = chain[i - base];
		if ((h | 1) == (q->gnu | 1) && defines(t, i, q->name))
			return true;
		i++;
	} while (!(h & 1));
	return false;
}

/* The SysV table: nbucket, nchain, buckets, chains; 0 ends a chain. */
static bool in_sysv(const struct tables *t, const struct query *q)
{
	uint32_t nbucket = t->sysv[0], nchain = t->sysv[1], i, steps = 0;
	const uint32_t *bucket = t->sysv + 2, *chain = bucket + nbucket;

	if (!nbucket)
		return false;
	for (i = bucket[q->sysv % nbucket]; i && i < nchain && steps < nchain;
	     i = chain[i], steps++)
		if (defines(t, i, q->name))
			return true;
	return false;
}

/* Is @a in one of the loaded segments of @info's object? */
static bool loaded(const struct dl_phdr_info *info, ElfW(Addr) a)
{
	for (int k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
		ElfW(Addr) lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && a >= lo && a - lo < ph->p_memsz)
			return true;
	}
	return false;
}

/*
 * A d_ptr as the object's loader left it: glibc relocates most objects'
 * in place, musl and the vDSO's are link-time addresses; whichever lies
 * in the object's segments, else NULL.
 */
static const void *at(const struct dl_phdr_info *info, ElfW(Addr) v)
{
	if (loaded(info, v))
		return (const void *)v;
	if (loaded(info, v + info->dlpi_addr))
		return (const void *)(v + info->dlpi_addr);
	return NULL;
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct query *q = arg;
	const elf_dyn *d = NULL;
	struct tables t = { 0 };
	ElfW(Addr) b = info->dlpi_addr;

	(void)size;
	for (int k = 0; k < info->dlpi_phnum; k++)
		if (info->dlpi_phdr[k].p_type == PT_DYNAMIC)
			d = (const elf_dyn *)(b + info->dlpi_phdr[k].p_vaddr);
	if (!d)
		return 0; /* linked statically: exports nothing */
	for (; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: t.sym = at(info, d->d_un.d_ptr); break;
		case DT_STRTAB: t.str = at(info, d->d_un.d_ptr); break;
		case DT_STRSZ: t.strsz = d->d_un.d_val; break;
		case DT_GNU_HASH: t.gnu = at(info, d->d_un.d_ptr); break;
		case DT_HASH: t.sysv = at(info, d->d_un.d_ptr); break;
		}
	}
	if (!t.sym || !t.str || !t.strsz || (!t.gnu && !t.sysv))
		q->found = true; /* tables unreadable: let dlsym say */
	else
		q->found = t.gnu ? in_gnu(&t, q) : in_sysv(&t, q);
	return q->found; /* non-zero stops the walk */
}

bool fg_dynsym_defined(const char *name)
{
	struct query q = { name, gnu_hash(name), sysv_hash(name), false };

	dl_iterate_phdr(visit, &q);
	return q.found;
}
