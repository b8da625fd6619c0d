/*
 * cow.c - the copy-on-write check on the fork path.
 *
 * The quick check compares a fork's worst case (RssAnon: the statm the
 * overcommit check went by, else one pread of its kept statm; an earlier
 * fork's read counts twice within the window, four times up to
 * FG_FAST_FAR windows) with a kept
 * headroom: the last walk of the memory cgroup's levels combined with the
 * host's figures of the fast path (fastpath.c).  The staleness accepted,
 * with W the fast path's window (1 s):
 * - a headroom at most W old passes a worst case up to half of it;
 * - an older one passes a worst case up to a quarter of it (usage that
 *   doubles in the group or on the host since it was read is missed); when
 *   it is older than FG_FAST_FAR windows (10 s), the host's figures and
 *   the cgroup's usage (the group and its limits too when the last whole
 *   walk is more than FG_COW_LIMITS_FAR windows, 60 s, old: a limit that
 *   changes, or a move to another group, is missed until the first
 *   renewal past that age) are read again right after
 *   that fork, in the parent (fg_cow_after: the atfork handler), as they
 *   are when the fast path's base comes due and the headroom is past
 *   half of that age: one renewal, not two; a worst case of at most a
 *   sixteenth of it, in a process whose forks come more than a quarter
 *   of FG_FAST_FAR windows apart (fg_fast_seldom), spares that renewal 9
 *   times in 10 (FG_AFTER_EVERY): the headroom such a process goes by is
 *   up to FG_FAST_FAR windows and 10 of its forks old (at the same
 *   quarter);
 * - a worst case over that quarter, with a headroom older than W, reads
 *   the host and walks the cgroup again before the fork.
 * A process far below every limit forks without reading them.
 * Any other fork reads the cgroup and the host afresh
 * (cgroup.c, no heap), counts the OOM kills in the cgroup since the fork
 * before (kept in the event: struct fg_cow_fork), and decides
 * whether its risk is reported: once per FORKGUARD_COW_INTERVAL, and at
 * every fork that follows an OOM kill in the group.  Under
 * FORKGUARD_COW=protect the child of a risky fork raises its own
 * oom_score_adj to 1000 (an unprivileged process may raise its own), so
 * that the OOM killer takes the child, the save, and spares the parent.
 * Under FORKGUARD_COW=abort the plan (watcher.c) says whether the child
 * is followed, or the fork refused during the back-off after an abort.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "forksafe.h"
#include "check.h"
#include "cow.h"
#include "fastpath.h"
#include "metrics.h"
#include "parse.h"
#include "policy_cow.h"
#include "plan.h"
#include "self.h"

/* a worst case at most this fraction of a headroom past FG_FAST_FAR
 * windows, in a process that forks seldom, may skip its renewal */
#define FG_COW_SPARE 16
/* a renewal after a fork reads the usage of the cgroup's limited levels
 * (fg_memcg_renew); the membership, the limits, the levels without one
 * and the THP mode only when the last whole walk is more than this many
 * windows old */
#define FG_COW_LIMITS_FAR (6 * FG_FAST_FAR)

static struct {
	struct fg_memcg cg; /* the last walk or renewal (cg_at; 0: never),
			     * under lock */
	uint64_t headroom_kb, page_kb;
	long at; /* when headroom_kb was read (0: never) */
	long cg_at;
	long cg_whole_at; /* the last whole walk, limits and all (0: never) */
	pid_t lock;
	int64_t oom_kills; /* the cgroup's count at the last fork */
	long last_report;  /* when a risk was last reported (0: never) */
} cow = {
	.oom_kills = -1,
};

static void keep(uint64_t headroom_kb, uint64_t page_kb, long now)
{
	__atomic_store_n(&cow.page_kb, page_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&cow.headroom_kb, headroom_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&cow.at, now, __ATOMIC_RELEASE);
}

/*
 * Out of line (its frame is big): the headroom again from the fast path's
 * host figures and the cgroup, each read again when older than @older_us;
 * @usage: the cgroup's usage alone will do while its whole walk is at most
 * FG_COW_LIMITS_FAR windows old (a renewal after a fork; a fork that is
 * not far below reads it all).  False: unread, or another thread is at it.
 */
__attribute__((noinline)) static bool
refresh(const struct fg_config *c, long now, long older_us, bool usage)
{
	struct fg_sys s;
	struct fg_cow out;
	bool ok = false;

	fg_fast_renew(c->procfs, c->rule, older_us);
	if (!fg_trylock(&cow.lock, fg_self()))
		return false;
	if (!fg_fast_sys(&s, older_us) && fg_sys_read(c->procfs, &s))
		goto out;
	if (!cow.cg_at || now - cow.cg_at > older_us) {
		usage = usage && cow.cg_whole_at &&
			now - cow.cg_whole_at <=
			    FG_COW_LIMITS_FAR * fg_fast_window();
		cow.cg_at = 0;
		/* a limited level's usage unreadable: walk it all */
		if (!usage || fg_memcg_renew(c->sysfs, &cow.cg)) {
			cow.cg_whole_at = 0;
			if (fg_memcg_read(c->procfs, c->sysfs, 0, &cow.cg))
				goto out;
			cow.cg_whole_at = now;
		}
		cow.cg_at = now;
	}
	fg_cow_eval(&cow.cg, &s, 0, &out);
	keep(out.headroom_kb, s.page_kb, now);
	ok = true;
out:
	fg_unlock(&cow.lock);
	return ok;
}

bool fg_cow_quick(const struct fg_config *c, uint64_t anon, unsigned kept)
{
	long now = fg_now_us(), w = fg_fast_window(),
	     at = __atomic_load_n(&cow.at, __ATOMIC_ACQUIRE);
	uint64_t room, limit, page_kb, worst;
	bool ok = false, stale, spare = false;

	if (c->cow == FG_COW_OFF)
		return true;
	if (!at) {
		if (!refresh(c, now, w, false))
			return false;
		at = now;
	}
	stale = now - at > FG_FAST_FAR * w; /* fg_cow_after renews it */
	if (anon == FG_ANON_UNREAD) {
		kept = 0;
		if (!fg_fast_anon(c->procfs, &anon))
			goto out;
	}
	for (;;) {
		limit = __atomic_load_n(&cow.headroom_kb, __ATOMIC_RELAXED);
		page_kb = __atomic_load_n(&cow.page_kb, __ATOMIC_RELAXED);
		if (!page_kb)
			goto out;
		room = limit == FG_COW_NONE ? UINT64_MAX - 1 : limit;
		/* an earlier fork's RssAnon counts @kept times (it may have
		 * doubled since, within the window; quadrupled past it) */
		worst = kept ? kept * anon : anon;
		/* older than the window: a quarter, else read again first */
		if (now - at <= w || worst <= room / 4 / page_kb) {
			if (worst <= room / 2 / page_kb)
				break;
			if (!kept)
				goto out;
		} else if (!kept) {
			if (!refresh(c, now, w, false))
				goto out;
			at = now;
			continue;
		}
		/* not far enough below on an earlier fork's figure: read */
		kept = 0;
		if (!fg_fast_anon(c->procfs, &anon))
			goto out;
	}
	/* the headroom as kept: the gauges' view */
	fg_metrics_cow(FG_COW_OK, anon * page_kb, limit, 0);
	ok = true;
	/* a sixteenth of it, by a process that forks seldom: may wait */
	spare = stale && worst <= room / FG_COW_SPARE / page_kb &&
		fg_fast_seldom();
out:
	if (stale)
		fg_after_due(spare);
	return ok;
}

void fg_cow_after(const struct fg_config *c)
{
	long far, now, at;
	int err = errno;

	if (!c || c->mode == FG_MODE_OFF)
		return;
	/* due (the fork flagged it) past FG_FAST_FAR windows, renewed past
	 * half of that: whichever of the base and the headroom comes due
	 * first takes the other along, one renewal a period */
	far = FG_FAST_FAR * fg_fast_window() / 2;
	fg_fast_after(c->procfs, c->rule);
	at = __atomic_load_n(&cow.at, __ATOMIC_ACQUIRE);
	if (c->cow != FG_COW_OFF && at && (now = fg_now_us()) - at > far)
		refresh(c, now, far, true);
	fg_errno_keep(err);
}

bool fg_cow_fork(const struct fg_config *c, const struct fg_sys *s,
		 struct fg_cow *out, struct fg_cow_fork *f)
{
	long now = fg_now_us();
	struct fg_memcg mine;
	bool due, kept = fg_trylock(&cow.lock, fg_self());
	int err, cg_rc;

	f->oom_kills = -1;
	f->protect = false;
	/* the walk kept for the renewals, unless another thread is at it
	 * (held for the walk: a quick check that needs a refresh meanwhile
	 * goes the whole way); a walk that failed is not kept */
	err = fg_cow_check_cg(c->procfs, c->sysfs, 0, s, out,
			      kept ? &cow.cg : &mine, &cg_rc);
	if (kept) {
		cow.cg_at = cow.cg_whole_at = err || cg_rc ? 0 : now;
		fg_unlock(&cow.lock);
	}
	if (err) {
		out->checked = true;
		fg_metrics_cow(FG_COW_UNKNOWN, 0, 0, 0);
		return false;
	}
	if (out->oom_kill_count >= 0 && cow.oom_kills >= 0 &&
	    out->oom_kill_count >= cow.oom_kills)
		f->oom_kills = out->oom_kill_count - cow.oom_kills;
	if (out->oom_kill_count != cow.oom_kills)
		cow.oom_kills = out->oom_kill_count;
	f->protect = c->cow == FG_COW_PROTECT && out->verdict == FG_COW_RISK;
	fg_follow_plan(c, out, f);
	keep(out->headroom_kb, s->page_kb, now);
	fg_metrics_cow(out->verdict, out->worst_kb, out->headroom_kb,
		       f->oom_kills);
	due = out->verdict == FG_COW_RISK &&
	      (!cow.last_report || f->oom_kills > 0 ||
	       now - cow.last_report >= (long)c->cow_interval_s * 1000000L);
	if (due)
		cow.last_report = now;
	return due;
}

void fg_cow_protect_child(const struct fg_config *c)
{
	char path[FG_PATH_MAX], buf[16];
	int fd, err = errno;
	ssize_t n;

	if (fg_path(path, sizeof(path), c->procfs, 0, "oom_score_adj"))
		return;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fg_errno_keep(err);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	/* "1000" already: leave it; anything lower, negative too: raise */
	if (n > 0 && !(n >= 4 && !memcmp(buf, "1000", 4)))
		(void)!pwrite(fd, "1000\n", 5, 0);
	close(fd);
	fg_errno_keep(err);
}
