/*
 * fastpath.c - the fork path's check: the tiered check of check.c for the
 * calling process, with procfs fds kept open (one per file) and the host's
 * facts cached.
 *
 * The process's own size is what changes the verdict most often and
 * fastest (one mmap): a fork reads statm through its kept fd (fstat: still
 * ours?, then pread) unless a fork of the last window read it (size.c).
 * It keeps a base: overcommit_memory, RAM, swap, MemAvailable, SwapFree
 * (meminfo, one pread of a kept fd), the sysctls, the kernel rule.  The
 * staleness accepted, with W the window (1 s; fg_fast_set_window() for
 * tests):
 * - statm read by a fork at most W ago, plus what the process mapped
 *   since through libc's mmap, mmap64 and mremap, decides a fork of at
 *   most half of the size the base passes, and up to FG_FAST_FAR windows
 *   one of at most a quarter: growth libc makes on its own (glibc's
 *   malloc: brk, its large chunks) that more than doubles the size within
 *   W, or quadruples it within 10 W, is missed, then the fork fails and
 *   is explained after; nearer the limit, or older, the fork reads statm
 *   (each fork under FORKGUARD_MODE=remediate: fg_fast_settle);
 * - a base at most W old decides any fork, overcommit_memory included;
 * - a base up to FG_FAST_FAR windows old (10 s), overcommit_memory
 *   included, decides a fork of at most half of the size it passes: a
 *   limit that halves, or a new mode, within that time is missed for such
 *   a fork, nothing else (older, the mode is read at each fork); both
 *   halves together: a quarter;
 * - a fork nearer the limit than that, with a base older than W, reads it
 *   again first;
 * - the base is read again right after a fork, in the parent
 *   (fg_fast_after() from the atfork handler, when the fork found it or
 *   cow's headroom due), past W when the forks come less than W apart,
 *   else past FG_FAST_FAR W, and then already past half of that; when
 *   they come more than a quarter of that apart (fg_seldom: the renewal
 *   would cost a fork more than the reads it spares the next ones), a
 *   fork of at most a quarter of the bound it passed spares it 9 times
 *   in 10 (FG_AFTER_EVERY): such a process goes by a base up to
 *   FG_FAST_FAR W and 10 of its forks old (at the same half), and each of
 *   its forks reads the mode;
 * - in mode 2 and the pre-5.2 rules (whose limits also take the sysctls,
 *   the user ns and Committed_AS) the base is at most W old, and meminfo
 *   and statm are read at every fork;
 * - the kernel release, page size and CPU count are read once; the pid
 *   (a child's kept fds are its parent's) from a page each child finds
 *   zeroed (fg_self), not from getpid().
 * A quiet fork far below its limits thus makes no syscall when a fork of
 * the last 10 windows read statm, else two: statm's fstat and its pread.
 * Library only: the CLI checks other processes and has no use for a cache.
 */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "fastpath.h"
#include "forksafe.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"
#include "self.h"
#include "size.h"

/*
 * What the fork path keeps: three procfs files open, and the base.  Forks
 * read it without a store (after a fork every store is a page fault): the
 * base is copied under a sequence count that the refresher, holding the
 * lock, makes odd while it writes.
 */
static struct {
	struct fg_kept mode, statm, meminfo;
	struct fg_sys base;
	uint64_t pass_kb[3]; /* per mode: fg_eval_pass_kb() */
	long base_at;
	long window_us;
	bool have_base;
	bool init_ns;
	bool anon_charged;   /* fg_fast_settle() */
	bool size_each_fork; /* fg_fast_settle() */
	unsigned seq;
	pid_t lock;
} fast = {
	.mode = FG_KEPT_INIT,
	.statm = FG_KEPT_INIT,
	.meminfo = FG_KEPT_INIT,
	.window_us = FG_FAST_WINDOW_US,
};

/*
 * CAP_SYS_ADMIN in the calling thread's effective set (what fork checks).
 * capget fails with ENOSYS only on a kernel built without CONFIG_MULTIUSER
 * (tinyconfig): it has no capability syscalls, capable() is always true
 * and every task keeps init's full set (no setuid either), so the
 * overcommit check counts every process as admin.  Any other failure: not
 * admin (the stricter limit).  errno is kept.
 */
static bool cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];
	int saved = errno;
	bool admin;

	if (syscall(SYS_capget, &hdr, data))
		admin = errno == ENOSYS;
	else
		admin = (data[0].effective >> CAP_SYS_ADMIN) & 1;
	errno = saved;
	return admin;
}

/* overcommit_memory through the kept fd: 0-2, or -errno */
static int read_mode(const char *root, pid_t self)
{
	char buf[32];
	uint64_t v;
	ssize_t n = fg_kept_read(&fast.mode, self, root,
				 "sys/vm/overcommit_memory", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return fg_parse_u64(buf, &v) && v <= 2 ? (int)v : -EINVAL;
}

/* Out of line (its buffer is big): meminfo's figures over @s, by one
 * pread of the kept fd; false: unread, @s as it was. */
__attribute__((noinline)) static bool meminfo_over(const char *root, pid_t self,
						   struct fg_sys *s)
{
	char buf[4096];
	struct fg_sys m = *s;

	if (fg_kept_read(&fast.meminfo, self, root, "meminfo", buf,
			 sizeof(buf)) <= 0 ||
	    !fg_parse_meminfo(buf, &m))
		return false;
	*s = m;
	return true;
}

/*
 * The base again, the lock held: everything (fg_sys_read) the first time
 * and for the rules that read the sysctls (@mode 2, pre-5.2); else
 * meminfo's figures over the kept base.
 */
static int refresh_base(const char *root, pid_t self, enum fg_rule forced,
			long now, int mode)
{
	enum fg_rule rule;
	struct fg_sys s = fast.base;
	unsigned odd;
	int rc = 0;

	rule = (unsigned)forced < FG_RULE_COUNT ? forced : s.rule;
	if (!fast.have_base || mode < 0 || fg_rule_reads_admin(mode, rule) ||
	    !meminfo_over(root, self, &s)) {
		rc = fg_sys_read(root, &s);
		if (rc)
			return rc;
		/* the first time too: every kept fd opens at the first fork */
		meminfo_over(root, self, &s);
	}
	if (mode >= 0)
		s.mode = mode;
	rule = (unsigned)forced < FG_RULE_COUNT ? forced : s.rule;
	/* odd while writing (already odd if a fork froze a parent's write) */
	odd = fast.seq | 1;
	__atomic_store_n(&fast.seq, odd, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fast.base = s;
	for (int m = 0; m < 3; m++)
		fast.pass_kb[m] = fg_eval_pass_kb(&s, m, rule);
	fast.base_at = now;
	if (!fast.have_base || fg_rule_reads_admin(s.mode, rule))
		fast.init_ns = fg_init_user_ns(root, 0);
	fast.have_base = true;
	__atomic_store_n(&fast.seq, odd + 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Copies of the base (@s), its mode (@mode), its per-mode bounds (@pass)
 * and page size (@page_kb), each may be NULL, and its age into @age, without
 * storing to @fast; false: none yet, or being written (then the lock, or
 * the whole check).
 */
static bool base_copy(long now, long *age, struct fg_sys *s, int *mode,
		      uint64_t pass[3], uint64_t *page_kb)
{
	unsigned seq = __atomic_load_n(&fast.seq, __ATOMIC_ACQUIRE);
	bool have;

	if (seq & 1)
		return false;
	have = fast.have_base;
	*age = now - fast.base_at;
	if (s)
		*s = fast.base;
	if (mode)
		*mode = fast.base.mode;
	if (pass)
		memcpy(pass, fast.pass_kb, sizeof(fast.pass_kb));
	if (page_kb)
		*page_kb = fast.base.page_kb;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return have && __atomic_load_n(&fast.seq, __ATOMIC_RELAXED) == seq;
}

long fg_fast_window(void)
{
	return __atomic_load_n(&fast.window_us, __ATOMIC_RELAXED);
}

void fg_fast_set_window(long us)
{
	__atomic_store_n(&fast.window_us, us, __ATOMIC_RELAXED);
}

bool fg_fast_sys(struct fg_sys *s, long older_us)
{
	long age;

	return base_copy(fg_now_us(), &age, s, NULL, NULL, NULL) &&
	       age <= older_us;
}

static ssize_t read_statm(const char *root, pid_t self, char *buf, size_t len)
{
	return fg_kept_read(&fast.statm, self, root, "self/statm", buf, len);
}

/* statm read now through the kept fd, and kept (size.c): 0, or -errno
 * (-EINVAL: unparsable); *anon FG_ANON_UNREAD when it has no RssAnon */
static int statm_now(const char *root, pid_t self, long now, uint64_t *size,
		     uint64_t *anon, uint64_t *resident)
{
	bool keep = fg_size_begin(self), ok;
	char buf[128];
	ssize_t n = read_statm(root, self, buf, sizeof(buf));

	ok = n >= 0 && fg_parse_statm(buf, size, resident);
	if (!ok || !fg_parse_statm_anon(buf, anon))
		*anon = FG_ANON_UNREAD;
	if (keep)
		fg_size_end(*anon != FG_ANON_UNREAD, now, *size, *anon);
	return ok ? 0 : n < 0 ? (int)n : -EINVAL;
}

bool fg_fast_anon(const char *root, uint64_t *anon)
{
	uint64_t size, resident;

	return !statm_now(root, fg_self(), fg_now_us(), &size, anon,
			  &resident) &&
	       *anon != FG_ANON_UNREAD;
}

bool fg_fast_seldom(void)
{
	return fg_seldom(FG_FAST_FAR * fg_fast_window());
}

bool fg_fast_pass(const char *root, uint64_t *anon, unsigned *kept)
{
	long now = fg_now_us(), age, w = fg_fast_window(), size_age;
	pid_t self = fg_self();
	uint64_t pass[3], page_kb, size, most, resident;
	bool ok = false, spare = false;
	int v;

	*anon = FG_ANON_UNREAD;
	*kept = 0;
	if (!base_copy(now, &age, NULL, &v, pass, &page_kb) || !page_kb)
		return false;
	/* the base's mode decides with it (at half) up to FG_FAST_FAR
	 * windows: a cold pread of a sysctl costs a fork after an idle
	 * second about 10 us (make bench) */
	if (age > FG_FAST_FAR * w)
		v = read_mode(root, self);
	if (v < 0 || v > 2 || !pass[v])
		goto out;
	/* statm as an earlier fork read it: RssAnon for the cow check, to
	 * count twice (up to W old) or four times (up to FG_FAST_FAR W) */
	if (!__atomic_load_n(&fast.size_each_fork, __ATOMIC_RELAXED) &&
	    fg_size_seen(self, now, FG_FAST_FAR * w, page_kb, &size, anon,
			 &size_age))
		*kept = size_age <= w ? 2 : 4;
	else
		*anon = FG_ANON_UNREAD;
	if (pass[v] == UINT64_MAX) {
		ok = spare = true;
		goto out;
	}
	/* size * page_kb <= pass[v], without the product overflowing; a
	 * base older than the window only for half of it; a kept size for
	 * half of that, a quarter past the window; spare: a quarter of it */
	most = pass[v] / page_kb / (age > w ? 2 : 1);
	if (*kept && size <= most / *kept) {
		spare = size <= most / *kept / FG_FAST_SPARE;
		ok = true;
		goto out;
	}
	*kept = 0;
	if (statm_now(root, self, now, &size, anon, &resident)) {
		*anon = FG_ANON_UNREAD;
		goto out;
	}
	ok = size <= most;
	spare = size <= most / FG_FAST_SPARE;
out:
	if (age > w)
		fg_stale_seen(now, age, w, FG_FAST_FAR * w, ok && spare);
	return ok;
}

void fg_fast_after(const char *root, enum fg_rule forced)
{
	/* forks less than a window apart: renewed once per window, so that
	 * they read nothing; further apart, once per FG_FAST_FAR windows.
	 * Past half of that: a renewal of cow's headroom that comes first
	 * takes the base along, and the two stay together (one renewal a
	 * period, not two) */
	long w = fg_fast_window();

	fg_fast_renew(root, forced, fg_renew_after(w, FG_FAST_FAR * w) / 2);
}

void fg_fast_renew(const char *root, enum fg_rule forced, long older_us)
{
	long now = fg_now_us(), age;
	pid_t self;
	int mode;

	if (base_copy(now, &age, NULL, &mode, NULL, NULL) && age <= older_us)
		return;
	self = fg_self();
	mode = read_mode(root, self);
	if (mode < 0 || !fg_trylock(&fast.lock, self))
		return;
	refresh_base(root, self, forced, now, mode);
	fg_unlock(&fast.lock);
}

int fg_fast_check(const char *root, enum fg_rule forced, bool full,
		  struct fg_result *r)
{
	long t0 = fg_now_us(), age;
	pid_t self = fg_self();
	uint64_t size, resident, anon;
	struct fg_sys *s = &r->sys;
	int rc = 0, mode;

	fg_result_init(r);
	r->task.pid = self;
	mode = read_mode(root, self);
	if (mode < 0) {
		r->read_error = mode;
		goto done;
	}
	if (!base_copy(t0, &age, s, NULL, NULL, NULL) ||
	    age > fg_fast_window()) {
		if (!fg_trylock(&fast.lock, self)) {
			/* another thread is refreshing the cache: read afresh */
			rc = fg_check(root, 0, forced, full, r);
			goto done;
		}
		rc = refresh_base(root, self, forced, t0, mode);
		if (rc) {
			fg_unlock(&fast.lock);
			r->read_error = rc;
			goto done;
		}
		*s = fast.base;
		fg_unlock(&fast.lock);
	} else if (fg_rule_reads_free(mode, (unsigned)forced < FG_RULE_COUNT
						? forced
						: s->rule)) {
		/* these rules read what moves: Committed_AS, the free pages */
		meminfo_over(root, self, s);
	}
	s->mode = mode;
	if ((unsigned)forced < FG_RULE_COUNT)
		s->rule = forced;
	if (!fg_mode_refuses(s->mode) && !full) {
		/* mode 1 refuses nothing: one pread decides */
		fg_eval_begin(&r->ev, s, &r->task);
		r->verdict = FG_OK;
		goto done;
	}

	rc = statm_now(root, self, t0, &size, &anon, &resident);
	if (rc) {
		r->read_error = rc;
		rc = 0;
		goto done;
	}
	r->task.vsz_kb = size * s->page_kb;
	r->task.rss_kb = resident * s->page_kb;
	/* admin matters to these rules only; reports ask fg_task_admin_now() */
	r->task.admin = false;
	r->admin_known = fg_rule_reads_admin(s->mode, s->rule);
	if (r->admin_known)
		r->task.admin = fast.init_ns && cap_sys_admin();
	s->anon_charged = __atomic_load_n(&fast.anon_charged, __ATOMIC_RELAXED);
	fg_evaluate(root, 0, full, r);
done:
	r->check_us = fg_now_us() - t0;
	return r->read_error && r->verdict == FG_UNKNOWN ? r->read_error : 0;
}

void fg_result_complete(const char *root, struct fg_result *r)
{
	char buf[128];
	uint64_t size, resident;

	if (!r->admin_known) {
		r->task.admin = fg_task_admin_now();
		r->admin_known = true;
	}
	if (r->tier != FG_TIER_NONE || r->task.vsz_kb ||
	    fg_read(root, 0, "statm", buf, sizeof(buf)) <= 0 ||
	    !fg_parse_statm(buf, &size, &resident))
		return;
	r->task.vsz_kb = size * r->sys.page_kb;
	r->task.rss_kb = resident * r->sys.page_kb;
	fg_eval_bound(&r->ev, r->task.vsz_kb);
	r->tier = FG_TIER_STATM;
}

void fg_fast_settle(bool anon_charged, bool size_each_fork)
{
	/* a store only when it changes: after a fork each store faults */
	if (__atomic_load_n(&fast.anon_charged, __ATOMIC_RELAXED) !=
	    anon_charged)
		__atomic_store_n(&fast.anon_charged, anon_charged,
				 __ATOMIC_RELAXED);
	if (__atomic_load_n(&fast.size_each_fork, __ATOMIC_RELAXED) !=
	    size_each_fork)
		__atomic_store_n(&fast.size_each_fork, size_each_fork,
				 __ATOMIC_RELAXED);
}

bool fg_task_admin_now(void)
{
	return fast.init_ns && cap_sys_admin();
}
