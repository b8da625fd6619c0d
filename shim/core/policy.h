/*
 * policy.h - the kernel's rules beyond the public fg_eval_*() (policy.c).
 *
 * Pure: no I/O, no globals.  Everyone who needs to know what a rule reads,
 * the largest size it accepts or how far a fork is from its limit asks
 * here.  Predicates return bool.
 */
#ifndef FG_POLICY_H
#define FG_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "forkguard.h"

/*
 * fg_vma_estimate - without VmFlags (< 3.8): decide @v's account and
 * unsure from its perms, its name and whether its pages were @written
 * (smaps Anonymous or Swap).
 */
void fg_vma_estimate(struct fg_vma *v, bool written);

/* What a process knows of one of its own VMAs that smaps < 3.8 hides. */
enum fg_known {
	FG_KNOWN_NONE,	  /* nothing: the estimate stands */
	FG_KNOWN_CHARGED, /* VM_ACCOUNT and not VM_DONTCOPY */
	FG_KNOWN_FREE,	  /* not charged at fork (NORESERVE, DONTFORK, ...) */
};

/* fg_vma_settle - an estimated @v, settled by what is @k (NONE: as is). */
void fg_vma_settle(struct fg_vma *v, enum fg_known k);
/* fg_eval_charge_max - the upper bound of the charge, in pages. */
uint64_t fg_eval_charge_max(const struct fg_eval *ev);

/* fg_verdict_risky - fail or borderline: what the guard diagnoses. */
bool fg_verdict_risky(enum fg_verdict v);

/*
 * What a rule reads.  fg_rule_reads_free: the figures that move between
 * forks (the other sysctls, meminfo: free memory, Committed_AS);
 * fg_rule_reads_admin: the task's CAP_SYS_ADMIN; fg_rule_reads_totalreserve:
 * /proc/zoneinfo.  Mode 1 reads nothing.
 */
bool fg_rule_reads_free(int mode, enum fg_rule rule);
/*
 * fg_mode_refuses - does overcommit mode @mode ever refuse a fork?  Modes
 * 0 and 2 have a limit; mode 1, and an unreadable mode (-1), do not.
 */
bool fg_mode_refuses(int mode);
/*
 * fg_mode_reads_totalreserve - may a rule of @mode read /proc/zoneinfo
 * (mode 0's free-memory eras), whatever rule is forced after the read?
 */
bool fg_mode_reads_totalreserve(int mode);
bool fg_rule_reads_admin(int mode, enum fg_rule rule);
bool fg_rule_reads_totalreserve(int mode, enum fg_rule rule);

/*
 * fg_eval_ram_swap_rule - mode 0 on 5.2+: only a single VMA larger than
 * RAM + swap is refused (freeing memory changes nothing, a split does).
 */
bool fg_eval_ram_swap_rule(const struct fg_eval *ev);
/* fg_eval_heap_fails - the VMA refused is the brk heap. */
bool fg_eval_heap_fails(const struct fg_eval *ev);

/* fg_eval_bound - charge @ev one VMA of @kb: the total_vm bound. */
void fg_eval_bound(struct fg_eval *ev, uint64_t kb);

/*
 * fg_eval_pass_kb - the largest total_vm (kB) whose bound gets FG_OK on
 * @s in @mode under @rule, for a task that is not admin: UINT64_MAX when
 * no size fails (mode 1), 0 when the verdict depends on what moves
 * (fg_rule_reads_free) and a whole check must decide.
 */
uint64_t fg_eval_pass_kb(const struct fg_sys *s, int mode, enum fg_rule rule);

/* fg_eval_vma_max_pages - mode 0: the largest single VMA accepted. */
uint64_t fg_eval_vma_max_pages(const struct fg_eval *ev);
/* fg_eval_room_pages - mode 2: allowed - committed (0 if none left). */
uint64_t fg_eval_room_pages(const struct fg_eval *ev);
/*
 * fg_eval_margin_kb - the limit minus what the rule compares with it (the
 * largest VMA in mode 0, committed + charge in mode 2); < 0: refused;
 * saturated at INT64_MIN / INT64_MAX.
 */
int64_t fg_eval_margin_kb(const struct fg_eval *ev);

#endif /* FG_POLICY_H */
