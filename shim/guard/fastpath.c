/*
 * fastpath.c - the fork path's check: the tiered check of check.c for the
 * calling process, with procfs fds kept open and the host's slow facts
 * cached.
 *
 * It re-reads what can change at every fork (overcommit_memory, statm; in
 * mode 2 the other sysctls and Committed_AS) and refreshes what almost
 * never does (RAM, swap, kernel release) once a second.  Library only: the
 * CLI checks other processes and has no use for a cache.
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

/*
 * What the fork path keeps: two procfs files open, and the facts that do
 * not move (RAM, swap, the kernel rule, ...) for a second.  Forks read it
 * without a store (after a fork every store is a page fault): the base is
 * copied under a sequence count that the refresher, holding the lock,
 * makes odd while it writes.
 */
static struct {
	struct fg_kept mode, statm;
	struct fg_sys base;
	uint64_t pass_kb[3]; /* per mode: fg_eval_pass_kb() */
	long base_at;
	bool have_base;
	bool init_ns;
	bool anon_charged; /* fg_fast_settle() */
	unsigned seq;
	pid_t lock;
} fast = {
	.mode = FG_KEPT_INIT,
	.statm = FG_KEPT_INIT,
};

/* CAP_SYS_ADMIN in the calling thread's effective set (what fork checks). */
static bool cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return (data[0].effective >> CAP_SYS_ADMIN) & 1;
}

static int refresh_base(const char *root, enum fg_rule forced, long now)
{
	enum fg_rule rule;
	struct fg_sys s;
	int rc = fg_sys_read(root, &s);
	unsigned odd;

	if (rc)
		return rc;
	rule = (unsigned)forced < FG_RULE_COUNT ? forced : s.rule;
	/* odd while writing (already odd if a fork froze a parent's write) */
	odd = fast.seq | 1;
	__atomic_store_n(&fast.seq, odd, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fast.base = s;
	for (int mode = 0; mode < 3; mode++)
		fast.pass_kb[mode] = fg_eval_pass_kb(&s, mode, rule);
	fast.base_at = now;
	fast.have_base = true;
	fast.init_ns = fg_init_user_ns(root, 0);
	__atomic_store_n(&fast.seq, odd + 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Copies of a fresh base (@s), its per-mode bounds (@pass) and page size
 * (@page_kb), each may be NULL, without storing to @fast; false: stale or
 * being written (then the lock, or the whole check).
 */
static bool base_copy(long now, struct fg_sys *s, uint64_t pass[3],
		      uint64_t *page_kb)
{
	unsigned seq = __atomic_load_n(&fast.seq, __ATOMIC_ACQUIRE);
	bool fresh;

	if (seq & 1)
		return false;
	fresh = fast.have_base && now - fast.base_at <= 1000000L;
	if (s)
		*s = fast.base;
	if (pass)
		memcpy(pass, fast.pass_kb, sizeof(fast.pass_kb));
	if (page_kb)
		*page_kb = fast.base.page_kb;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return fresh && __atomic_load_n(&fast.seq, __ATOMIC_RELAXED) == seq;
}

bool fg_fast_sys(struct fg_sys *s)
{
	return base_copy(fg_now_us(), s, NULL, NULL);
}

bool fg_fast_pass(const char *root, uint64_t *anon)
{
	long now = fg_now_us();
	pid_t self = getpid();
	uint64_t pass[3], page_kb, v, size, resident;
	char buf[128];

	*anon = FG_ANON_UNREAD;
	if (!base_copy(now, NULL, pass, &page_kb))
		return false;
	if (fg_kept_read(&fast.mode, self, root, "sys/vm/overcommit_memory",
			 buf, 32) < 0 ||
	    !fg_parse_u64(buf, &v) || v > 2 || !pass[v])
		return false;
	if (pass[v] == UINT64_MAX)
		return true;
	if (fg_kept_read(&fast.statm, self, root, "self/statm", buf, 128) < 0 ||
	    !fg_parse_statm(buf, &size, &resident))
		return false;
	if (!fg_parse_statm_anon(buf, anon))
		*anon = FG_ANON_UNREAD;
	/* size * page_kb <= pass[v], without the product overflowing */
	return page_kb && size <= pass[v] / page_kb;
}

int fg_fast_check(const char *root, enum fg_rule forced, bool full,
		  struct fg_result *r)
{
	long t0 = fg_now_us();
	pid_t self = getpid();
	char buf[128];
	uint64_t v, size, resident;
	struct fg_sys *s = &r->sys;
	ssize_t n;
	int rc = 0;

	fg_result_init(r);
	r->task.pid = self;
	if (!base_copy(t0, s, NULL, NULL)) {
		if (!fg_trylock(&fast.lock, self)) {
			/* another thread is refreshing the cache: read afresh */
			rc = fg_check(root, 0, forced, full, r);
			goto done;
		}
		rc = refresh_base(root, forced, t0);
		if (rc) {
			fg_unlock(&fast.lock);
			r->read_error = rc;
			goto done;
		}
		*s = fast.base;
		fg_unlock(&fast.lock);
	}

	n = fg_kept_read(&fast.mode, self, root, "sys/vm/overcommit_memory",
			 buf, 32);
	if (n < 0 || !fg_parse_u64(buf, &v) || v > 2) {
		r->read_error = n < 0 ? (int)n : -EINVAL;
		goto done;
	}
	s->mode = (int)v;
	if ((unsigned)forced < FG_RULE_COUNT)
		s->rule = forced;
	if (!fg_mode_refuses(s->mode) && !full) {
		/* mode 1 refuses nothing: one pread decides */
		fg_eval_begin(&r->ev, s, &r->task);
		r->verdict = FG_OK;
		goto done;
	}
	if (fg_rule_reads_free(s->mode, s->rule)) {
		struct fg_sys fresh;

		/* these rules read what moves: the other sysctls, meminfo */
		if (fg_sys_read(root, &fresh) == 0) {
			fresh.rule = s->rule;
			fresh.mode = s->mode;
			*s = fresh;
		}
	}

	n = fg_kept_read(&fast.statm, self, root, "self/statm", buf, 128);
	if (n < 0 || !fg_parse_statm(buf, &size, &resident)) {
		r->read_error = n < 0 ? (int)n : -EINVAL;
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

void fg_fast_settle(bool anon_charged)
{
	/* a store only when it changes: after a fork each store faults */
	if (__atomic_load_n(&fast.anon_charged, __ATOMIC_RELAXED) !=
	    anon_charged)
		__atomic_store_n(&fast.anon_charged, anon_charged,
				 __ATOMIC_RELAXED);
}

bool fg_task_admin_now(void)
{
	return fast.init_ns && cap_sys_admin();
}
