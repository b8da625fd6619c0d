/*
 * size.h - the process's size as a fork of it last read statm (size.c):
 * kept for the forks of the next window, with what it mapped since.
 */
#ifndef FG_SIZE_H
#define FG_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * fg_size_seen - statm as process @self last read it, when at most
 * @older_us old: total_vm in pages into @size, with what it mapped since
 * through libc (fg_track_mapped, in pages of @page_kb), RssAnon in pages
 * into @anon, its age in us into @age.  False:
 * none (a child starts with none), older, or being written.
 */
bool fg_size_seen(pid_t self, long now, long older_us, uint64_t page_kb,
		  uint64_t *size, uint64_t *anon, long *age);
/*
 * fg_size_begin - before a read of statm that is to be kept: false when a
 * sibling thread is keeping its own (then read without keeping).  Until
 * fg_size_end(), no fork goes by the read kept before.
 */
bool fg_size_begin(pid_t self);
/* fg_size_end - after it: @ok, the figures read at @now; else none kept */
void fg_size_end(bool ok, long now, uint64_t size, uint64_t anon);
/* fg_size_forget - no read kept (for tests: as in a new child) */
void fg_size_forget(void);

#endif /* FG_SIZE_H */
