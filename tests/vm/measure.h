/*
 * measure.h - the VM oracle's own reading of the kernel's fork rule.
 *
 * Deliberately independent of forkguard (no shared code): it reads
 * /proc/meminfo, /proc/sys/vm and /proc/self/smaps with plain read(2) into
 * static buffers (no malloc, no stdio, so measuring does not change the
 * layout it measures) and applies __vm_enough_memory as KERNEL.md §1-§2
 * describe it for kernels 5.2+.  The driver prints this expectation next to
 * the real outcome, so a wrong model shows up as a mismatch there, not as a
 * guard bug.
 *
 * Conventions: readers return 0 or -errno; sizes are kB unless a name says
 * pages.
 */
#ifndef FG_VM_MEASURE_H
#define FG_VM_MEASURE_H

#include <stdbool.h>

/* Host-wide numbers. */
struct m_sys {
	long pk; /* page size, kB */
	long mode, ratio, kbytes, admin_kb, user_kb;
	long mem_total_kb, swap_total_kb, hugetlb_kb;
	long commit_limit_kb, committed_kb; /* as /proc/meminfo says */
	long ncpus;			    /* present CPUs */
	long rel_major, rel_minor;	    /* uname -r */
	long guess_kb; /* free + file + swap free + slab - shmem (3.1+)
			- totalreserve: mode 0's free before 5.2 */
};

/* This process: what dup_mmap will charge, in address order. */
struct m_self {
	long vmsize_kb;
	bool admin;		    /* CAP_SYS_ADMIN effective */
	long charge_kb, largest_kb; /* sum and max over ac && !dc */
	unsigned nvma, nacct;
	const long *acct_pages; /* nacct VMA sizes, address order */
	const unsigned long *acct_start;
};

/* What the kernel should decide for one fork. */
struct m_expect {
	bool fail;
	long limit_kb;		 /* mode 0: per VMA max; mode 2: allowed */
	long my_commit_limit_kb; /* vm_commit_limit() recomputed */
	long margin_kb;		 /* kB still chargeable; < 0: fails */
	long band_kb;		 /* percpu counter lag (mode 2) */
	long fail_vma_kb;	 /* first VMA refused, 0 if none */
	unsigned long fail_vma_start;
};

int m_read_sys(struct m_sys *s);
int m_read_self(struct m_self *m);

/* m_expect - apply the 5.2+ rule of @mode to @s and @m; @admin as given. */
void m_expect(const struct m_sys *s, const struct m_self *m, int mode,
	      bool admin, struct m_expect *e);

/*
 * m_limit_pages - the largest region, in pages, this process could add
 * (charged at creation and at fork) and still fork under @mode: mode 0/1:
 * MemTotal + SwapTotal (one VMA; before 5.2, about the free memory of the
 * heuristic: an aim for sizes, which the kernel's outcome judges, not a
 * prediction); mode 2 (with the 2.6.32-3.9 allowed before 3.10): solves
 * committed + charge + 2x < allowed(total_vm + x).
 */
long m_limit_pages(const struct m_sys *s, const struct m_self *m, int mode,
		   bool admin);

/* m_count_vmas - how many VMAs of /proc/self/maps overlap [lo, hi). */
int m_count_vmas(unsigned long lo, unsigned long hi);

#endif
