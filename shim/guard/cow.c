/*
 * cow.c - the copy-on-write check on the fork path.
 *
 * A fork whose worst case (RssAnon: the statm the overcommit check read,
 * else one pread of a kept statm) is below half of a headroom read less
 * than a second ago reads nothing more.  When the headroom is older it is
 * read again, out of line: the cgroup's files, and the host's figures the
 * overcommit check read less than a second ago (read afresh only when it
 * has none).  Any other fork reads the cgroup and the host afresh
 * (cgroup.c, no heap), counts the OOM kills in the cgroup since the fork
 * before (kept in the event: struct fg_cow_fork), and decides
 * whether its risk is reported: once per FORKGUARD_COW_INTERVAL, and at
 * every fork that follows an OOM kill in the group.  Under
 * FORKGUARD_COW=protect the child of a risky fork raises its own
 * oom_score_adj to 1000 (an unprivileged process may raise its own), so
 * that the OOM killer takes the child, the save, and spares the parent.
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

#define FRESH_US 1000000L

static struct {
	struct fg_kept statm;
	uint64_t headroom_kb, page_kb;
	long at;	   /* when headroom_kb was read (0: never) */
	int64_t oom_kills; /* the cgroup's count at the last fork */
	long last_report;  /* when a risk was last reported (0: never) */
} cow = {
	.statm = FG_KEPT_INIT,
	.oom_kills = -1,
};

static void keep(uint64_t headroom_kb, uint64_t page_kb, long now)
{
	__atomic_store_n(&cow.page_kb, page_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&cow.headroom_kb, headroom_kb, __ATOMIC_RELAXED);
	__atomic_store_n(&cow.at, now, __ATOMIC_RELEASE);
}

/* Out of line, once a second: its frame (the cgroup's figures) is big. */
__attribute__((noinline)) static bool refresh(const struct fg_config *c,
					      long now)
{
	struct fg_sys s;
	struct fg_memcg cg;
	struct fg_cow out;

	if (!fg_fast_sys(&s) && fg_sys_read(c->procfs, &s))
		return false;
	/* the headroom does not depend on the worst case: statm is read
	 * (or was) by the caller */
	if (fg_memcg_read(c->procfs, c->sysfs, 0, &cg))
		return false;
	fg_cow_eval(&cg, &s, 0, &out);
	keep(out.headroom_kb, s.page_kb, now);
	return true;
}

bool fg_cow_quick(const struct fg_config *c, uint64_t anon)
{
	long now = fg_now_us(), at = __atomic_load_n(&cow.at, __ATOMIC_ACQUIRE);
	uint64_t room, limit, page_kb;
	char buf[128];

	if (c->cow == FG_COW_OFF)
		return true;
	if ((!at || now - at > FRESH_US) && !refresh(c, now))
		return false;
	limit = __atomic_load_n(&cow.headroom_kb, __ATOMIC_RELAXED);
	page_kb = __atomic_load_n(&cow.page_kb, __ATOMIC_RELAXED);
	if (!page_kb)
		return false;
	room = limit == FG_COW_NONE ? UINT64_MAX - 1 : limit;
	if (anon == FG_ANON_UNREAD &&
	    (fg_kept_read(&cow.statm, getpid(), c->procfs, "self/statm", buf,
			  sizeof(buf)) <= 0 ||
	     !fg_parse_statm_anon(buf, &anon)))
		return false;
	if (anon > room / 2 / page_kb)
		return false;
	/* the headroom as read (at most a second ago): the gauges' view */
	fg_metrics_cow(FG_COW_OK, anon * page_kb, limit, 0);
	return true;
}

bool fg_cow_fork(const struct fg_config *c, const struct fg_sys *s,
		 struct fg_cow *out, struct fg_cow_fork *f)
{
	long now = fg_now_us();
	bool due;

	f->oom_kills = -1;
	f->protect = false;
	if (fg_cow_check(c->procfs, c->sysfs, 0, s, out)) {
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
