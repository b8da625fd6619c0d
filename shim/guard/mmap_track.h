/*
 * mmap_track.h - what the process knows of how its mappings were made,
 * on kernels whose smaps has no VmFlags (mmap_track.c).  The wrappers
 * (mmap, munmap, mprotect, madvise, mremap) are the exported libc names;
 * these are the table's reader and its test seam.
 */
#ifndef FG_MMAP_TRACK_H
#define FG_MMAP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/*
 * fg_track_known - what the tracked calls say of the VMA [start, end):
 * FG_KNOWN_CHARGED or FG_KNOWN_FREE when tracked intervals cover it whole
 * and agree, else FG_KNOWN_NONE (also while tracking is off, given up, or
 * another thread holds the table).  No heap, never waits.  Registered with
 * fg_vmas_set_known() when tracking is on.
 */
enum fg_known fg_track_known(uint64_t start, uint64_t end);

/*
 * fg_track_force - test seam: track (@on) or not, whatever smaps shows;
 * the table starts empty.  The library never calls it.
 */
void fg_track_force(bool on);

/*
 * fg_track_mapped - the bytes mapped through mmap, mmap64 and mremap (its
 * growth) since load, whatever the tracking state: what a process grew by
 * between two reads of its size is the difference.  Async-signal-safe.
 */
uint64_t fg_track_mapped(void);

#endif /* FG_MMAP_TRACK_H */
