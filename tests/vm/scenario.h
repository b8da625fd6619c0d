/*
 * scenario.h - the VM oracle driver's layouts, shared by scenario.c (the
 * driver: options, sizing, the one fork) and layout.c (the mappings): the
 * kinds, the options that shape them, and the region they leave.
 */
#ifndef FG_VM_SCENARIO_H
#define FG_VM_SCENARIO_H

#include <stdbool.h>

enum join { J_NONE, J_UP, J_DOWN, J_ANY };

enum kind {
	K_ANON,
	K_NORESERVE,
	K_DONTFORK,
	K_WIPEONFORK,
	K_SHARED,
	K_RELRO,
	K_PROTNONE,
	K_PROTCLEAN,
	K_BRK,
	K_MREMAP,
	K_MANY,
	K_ARENA,
	K_TSTACK,
	K_RETAIN,
	K_COUNT
};

struct opts {
	const char *name;
	enum kind kind;
	const char *size;
	enum join join;
	bool fault, user, cap, wait;
	int target; /* sizing mode, -1: current */
	long nmany;
	const char *snap; /* -s DIR: record /proc there before the fork */
};

struct region {
	unsigned long lo, hi;
	const char *step; /* failed step, NULL when built */
	int err;
};

extern long page;
extern const char *const kind_names[K_COUNT];

/*
 * build - map the layout @o->kind of @pages pages; 0, or -1 with r->step
 * and r->err saying what failed.
 */
int build(const struct opts *o, long pages, struct region *r);

/*
 * snap_write - record what `forkguard check --procfs DIR self` reads into
 * @dir: meminfo, zoneinfo, cpus, the sys/vm sysctls, sys/kernel/osrelease and
 * self/{status,statm,maps,smaps}, read and written with plain syscalls
 * into a static buffer (no malloc: the layout stays what is forked).
 * 0 or -errno.
 */
int snap_write(const char *dir);

#endif
