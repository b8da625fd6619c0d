/*
 * size.c - the process's size as a fork of it last read statm, for the
 * forks that follow (fastpath.c decides with it).
 *
 * A cold pread of statm costs a fork after an idle spell 10-30 us (make
 * bench, bench_pass), the most of what the guard adds to such a fork.  So
 * a fork that reads statm keeps total_vm and RssAnon on the wiped page
 * (self.h: a child starts with none, and a store there costs no fault
 * after a fork), and the forks of the next window go by it (of the next
 * ten far below its limits: fastpath.c).  What grows the process between
 * two reads: its own mappings through libc (mmap, mmap64, mremap:
 * mmap_track.c's wrappers count their bytes, and the record holds the
 * count as it was before the read, so a program's or jemalloc's new
 * mapping counts before the next fork), and what libc maps on its own
 * (glibc's malloc: its brk heap and its large chunks), which counts only
 * when statm is read again.
 *
 * One writer at a time (the try-lock); forks read under a sequence count
 * that is odd while a read is kept.
 */
#include "forksafe.h"
#include "mmap_track.h"
#include "self.h"
#include "size.h"

bool fg_size_seen(pid_t self, long now, long older_us, uint64_t page_kb,
		  uint64_t *size, uint64_t *anon, long *age)
{
	struct fg_wiped *w = fg_wiped();
	unsigned seq = __atomic_load_n(&w->size.seq, __ATOMIC_ACQUIRE);
	uint64_t grown, page = page_kb * 1024;
	pid_t pid;
	long at;

	if ((seq & 1) || !page)
		return false;
	pid = __atomic_load_n(&w->size.pid, __ATOMIC_RELAXED);
	at = __atomic_load_n(&w->size.at, __ATOMIC_RELAXED);
	*size = __atomic_load_n(&w->size.size, __ATOMIC_RELAXED);
	*anon = __atomic_load_n(&w->size.anon, __ATOMIC_RELAXED);
	grown = __atomic_load_n(&w->size.mapped, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (pid != self || !at || now - at > older_us ||
	    __atomic_load_n(&w->size.seq, __ATOMIC_RELAXED) != seq)
		return false;
	*age = now - at;
	/* what it mapped since; in pages, it cannot wrap the sum */
	grown = fg_track_mapped() - grown;
	*size += grown / page + (grown % page != 0);
	return true;
}

bool fg_size_begin(pid_t self)
{
	struct fg_wiped *w = fg_wiped();
	unsigned odd;

	if (!fg_trylock(&w->size.lock, self))
		return false;
	/* odd (already, if a fork froze a parent's write) */
	odd = __atomic_load_n(&w->size.seq, __ATOMIC_RELAXED) | 1;
	__atomic_store_n(&w->size.seq, odd, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&w->size.pid, self, __ATOMIC_RELAXED);
	__atomic_store_n(&w->size.at, 0, __ATOMIC_RELAXED);
	/* from here, a mapping counts on the figures read next (the
	 * wrappers count after the call: one the read sees may count twice,
	 * none is missed) */
	__atomic_store_n(&w->size.mapped, fg_track_mapped(), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return true;
}

void fg_size_end(bool ok, long now, uint64_t size, uint64_t anon)
{
	struct fg_wiped *w = fg_wiped();
	unsigned seq = __atomic_load_n(&w->size.seq, __ATOMIC_RELAXED);

	if (ok) {
		__atomic_store_n(&w->size.size, size, __ATOMIC_RELAXED);
		__atomic_store_n(&w->size.anon, anon, __ATOMIC_RELAXED);
		__atomic_store_n(&w->size.at, now, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&w->size.seq, seq + 1, __ATOMIC_RELEASE);
	fg_unlock(&w->size.lock);
}

void fg_size_forget(void)
{
	if (fg_size_begin(fg_self()))
		fg_size_end(false, 0, 0, 0);
}
