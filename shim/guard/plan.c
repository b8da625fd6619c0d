/*
 * plan.c - FORKGUARD_COW=abort before a fork: follow the child, or refuse
 * the fork during the back-off after an abort; and the copy to expect,
 * from what this process's recent followed forks really copied (learned
 * from the watcher thread, watcher.c, when their children end).  The
 * fork path reads this state without a lock (it stores only to end a
 * back-off); the watcher writes it.
 */
#include <string.h>

#include "check.h"
#include "config.h"
#include "fmt.h"
#include "plan.h"

/* What the plan before a fork learns from the ends: the recent copies,
 * and the aborts in a row (written by the thread, read by forks). */
static struct {
	struct fg_fork_cost h[8];
	unsigned n, next;
	unsigned streak;
	long last_abort_us;
} hist;

void fg_follow_plan(const struct fg_config *c, const struct fg_cow *cow,
		    struct fg_cow_fork *f)
{
	long now = fg_now_us(), since, span;
	unsigned streak = __atomic_load_n(&hist.streak, __ATOMIC_RELAXED);
	struct fg_fork_cost h[8];
	unsigned n = __atomic_load_n(&hist.n, __ATOMIC_ACQUIRE);

	memcpy(h, hist.h, sizeof(h));
	f->history = n;
	f->expected_kb = fg_copy_expected_kb(h, n, cow->worst_kb);
	if (c->cow != FG_COW_ABORT)
		return;
	if (cow->verdict == FG_COW_OK && streak)
		__atomic_store_n(&hist.streak, 0, __ATOMIC_RELAXED);
	if (cow->verdict == FG_COW_RISK && streak && c->cow_backoff_s) {
		since = now -
			__atomic_load_n(&hist.last_abort_us, __ATOMIC_RELAXED);
		span = (long)c->cow_backoff_s * 1000000L
		       << (streak > 5 ? 4 : streak - 1);
		if (since < span) {
			f->refuse = true;
			f->backoff_s = (uint64_t)(span - since) / 1000000u + 1;
			return;
		}
	}
	f->follow = cow->verdict == FG_COW_RISK ||
		    (c->cow_follow_all && cow->verdict == FG_COW_OK);
	/* and protected, should the watcher come late: then an OOM kill
	 * without oom.group takes the child first */
	f->protect = cow->verdict == FG_COW_RISK;
}

/*
 * What `forkguard check PID` reads of the history (from the process's
 * memory, as identity.c's state): the marker, then " forks=N copy_kb=C
 * worst_kb=W", the largest share of the N recent forks.  One writer (the
 * thread), rewritten whole; the reader keeps two equal reads.
 */
__attribute__((used)) static char published[FG_FORKS_LEN] = FG_FORKS_MAGIC;

static void publish(unsigned n, uint64_t copy_kb, uint64_t worst_kb)
{
	char text[FG_FORKS_LEN - sizeof(FG_FORKS_MAGIC) + 1] = "";
	struct fg_buf b;

	fg_buf_init(&b, text, sizeof(text));
	fg_puts(&b, " forks=");
	fg_putu(&b, n);
	fg_puts(&b, " copy_kb=");
	fg_putu(&b, copy_kb);
	fg_puts(&b, " worst_kb=");
	fg_putu(&b, worst_kb);
	memcpy(published + sizeof(FG_FORKS_MAGIC) - 1, text, sizeof(text));
}

/* An abort starts the back-off before its signal: the host may fork
 * again as soon as it reaps the child, before the thread runs again. */
struct fg_abort_mark fg_follow_learn_abort(void)
{
	long now = fg_now_us();
	struct fg_abort_mark m;

	/* a time of its own, after the last one's: its mark names it */
	m.was = __atomic_load_n(&hist.last_abort_us, __ATOMIC_RELAXED);
	do
		m.at = now > m.was ? now : m.was + 1;
	while (!__atomic_compare_exchange_n(&hist.last_abort_us, &m.was, m.at,
					    false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED));
	__atomic_fetch_add(&hist.streak, 1, __ATOMIC_RELEASE);
	return m;
}

/* Its signal could not be sent: the streak one less, never below 0 (a
 * fork judged cow ok may have ended it meanwhile), and the time of the
 * abort before it, unless another abort came since. */
void fg_follow_unlearn_abort(struct fg_abort_mark m)
{
	unsigned s = __atomic_load_n(&hist.streak, __ATOMIC_RELAXED);

	while (s &&
	       !__atomic_compare_exchange_n(&hist.streak, &s, s - 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_compare_exchange_n(&hist.last_abort_us, &m.at, m.was, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* A child that ran to its end (exited, or reaped before we looked, with
 * no abort and no OOM kill): what it copied, for the next estimate. */
void fg_follow_learn(const struct fg_child_end *e)
{
	uint64_t copy, worst;

	if (e->aborted || e->oom_kills > 0 || !e->worst_kb ||
	    (e->cause != FG_END_EXIT && e->cause != FG_END_UNKNOWN))
		return;
	__atomic_store_n(&hist.streak, 0, __ATOMIC_RELAXED);
	hist.h[hist.next] = (struct fg_fork_cost){ e->worst_kb, e->copy_kb };
	hist.next = (hist.next + 1) % 8;
	if (hist.n < 8)
		__atomic_store_n(&hist.n, hist.n + 1, __ATOMIC_RELEASE);
	if (fg_copy_share(hist.h, hist.n, &copy, &worst))
		publish(hist.n, copy, worst);
}
