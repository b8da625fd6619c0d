/*
 * mmap_table.h - the table of what the process knows of its mappings'
 * accounting (mmap_table.c), filled by the mmap wrappers (mmap_track.c).
 */
#ifndef FG_MMAP_TABLE_H
#define FG_MMAP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* Each attribute of an interval: 0 unknown, FG_NO or FG_YES. */
enum { FG_NO = 1, FG_YES = 2 };
#define FG_ACCT(a)	      ((a)&3)	       /* VM_ACCOUNT */
#define FG_NR(a)	      (((a) >> 2) & 3) /* VM_NORESERVE, VM_SHARED, hugetlb */
#define FG_DC(a)	      (((a) >> 4) & 3) /* VM_DONTCOPY */
#define FG_ATTR(acct, nr, dc) ((uint8_t)((acct) | (nr) << 2 | (dc) << 4))

/* What a tracked call did to a range. */
enum fg_top {
	FG_TOP_SET,    /* mmap (arg: its attributes), munmap (arg 0) */
	FG_TOP_PROT_W, /* mprotect to writable */
	FG_TOP_DC,     /* madvise DONTFORK (arg FG_YES) / DOFORK (FG_NO) */
	FG_TOP_MOVE,   /* mremap: [lo, hi) is now [lo2, hi2), its flags kept */
};

/*
 * fg_table_note - record @op over [@lo, @hi) (page-aligned; @lo2, @hi2
 * for FG_TOP_MOVE only).  Never waits, no heap; errno untouched.
 */
void fg_table_note(uintptr_t lo, uintptr_t hi, enum fg_top op, uint8_t arg,
		   uintptr_t lo2, uintptr_t hi2);

/*
 * fg_table_attrs - the attributes of [@lo, @hi) when tracked intervals
 * cover it whole and agree, else 0 (also when the table is busy, given
 * up, or a change is still being written).  Never waits.
 */
uint8_t fg_table_attrs(uintptr_t lo, uintptr_t hi);

/* fg_table_reset - an empty table (the test seam's fresh start). */
void fg_table_reset(void);

/*
 * fg_table_hold - test seam: take (@hold) or release the table's lock as
 * this process, so that every change in between goes through the ring.
 */
void fg_table_hold(bool hold);

#endif /* FG_MMAP_TABLE_H */
