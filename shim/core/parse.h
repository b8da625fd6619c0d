/*
 * parse.h - pure parsers of /proc text (parse.c); buffers are NUL-terminated.
 */
#ifndef FG_PARSE_H
#define FG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forkguard.h"

/* fg_parse_meminfo - the meminfo fields of @s from @buf; false if empty. */
bool fg_parse_meminfo(const char *buf, struct fg_sys *s);
/* fg_parse_status - Name, VmSize, VmRSS, CapEff; @cap_admin from CapEff. */
bool fg_parse_status(const char *buf, struct fg_task *t, bool *cap_admin);
/* fg_parse_statm - total_vm and rss in pages (each at most FG_PAGES_MAX). */
#define FG_PAGES_MAX (UINT64_C(1) << 52)
bool fg_parse_statm(const char *buf, uint64_t *size, uint64_t *resident);
/* fg_parse_statm_anon - resident - shared (RssAnon) in pages. */
bool fg_parse_statm_anon(const char *buf, uint64_t *anon);
/* fg_parse_u64 - a decimal number (leading blanks, trailing newline ok). */
bool fg_parse_u64(const char *buf, uint64_t *v);
/* fg_parse_u64_prefix - the decimal number @buf starts with. */
bool fg_parse_u64_prefix(const char *buf, uint64_t *v);
/* fg_parse_cpulist - the number of CPUs in a list such as "0-3,8". */
unsigned fg_parse_cpulist(const char *buf);
/*
 * fg_parse_maps_line - a maps/smaps VMA header "start-end perms off dev
 * ino [name]" of @len bytes.  Fills range, name, and account as the maps
 * upper bound (private mapping).  False if the line is not a header.
 */
bool fg_parse_maps_line(const char *line, size_t len, struct fg_vma *v);
/* fg_parse_vmflags - a "VmFlags: ..." line: sets account and dontcopy. */
bool fg_parse_vmflags(const char *line, size_t len, struct fg_vma *v);

/*
 * What /proc/PID/stat says of a task (proc(5) field numbers): the state
 * (3), the PF_* flags (9), the page faults, its own and those of reaped
 * children (10-13), the start in clock ticks after boot (22).
 */
struct fg_stat {
	char state; /* R, S, D, Z (zombie), X (dead), ... */
	unsigned long flags;
	uint64_t minflt, cminflt, majflt, cmajflt;
	uint64_t starttime;
};
#define FG_PF_KTHREAD 0x00200000UL /* flags: a kernel thread, no mm */
/*
 * fg_parse_stat - the fields of struct fg_stat from the text of
 * /proc/PID/stat (the comm, field 2, may hold spaces and parentheses: the
 * fields are counted from its last ')').  False when a field up to 22 is
 * missing.
 */
bool fg_parse_stat(const char *buf, struct fg_stat *st);

/*
 * struct fg_zone_acc - totalreserve_pages as calculate_totalreserve_pages()
 * does it: per zone max(lowmem_reserve) + high watermark, capped at managed.
 */
struct fg_zone_acc {
	uint64_t total, high, managed, prot;
	bool in_zone;
};
void fg_zoneinfo_line(struct fg_zone_acc *z, const char *line, size_t len);
uint64_t fg_zoneinfo_end(struct fg_zone_acc *z);

/*
 * fg_parse_release - "major.minor..." of a kernel release string into
 * @major and @minor; false when it does not start that way.
 */
bool fg_parse_release(const char *release, int *major, int *minor);

#endif /* FG_PARSE_H */
