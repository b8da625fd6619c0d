/*
 * watcher.c - FORKGUARD_COW=abort: follow a risky fork's child until it
 * exits, and end it with a signal before the copies run the room out.
 *
 * How it runs, and why so.  A thread of the parent, created after the
 * real fork returned (in the parent step of fg_guard_run) and ending when
 * the last followed child has ended:
 * - not a process: nothing the host can see as its child (no SIGCHLD,
 *   nothing for its waitpid(-1)); the child is seen through a pidfd
 *   (readable when it exits, before anyone reaps it) and its end status
 *   through waitid(WNOWAIT), which leaves it to the host to reap;
 * - nothing runs when no followed child lives: the thread exits with the
 *   last one, and is created again at the next followed fork;
 * - it blocks every signal, so the host's handlers never run on it;
 * - nothing on the fork itself: the fork path only decides (plan.c, no
 *   heap) and the child runs nothing of ours but its protection (its
 *   oom_score_adj raised, as under protect: should the thread come late,
 *   an OOM kill without oom.group takes the child).  The parent's fork()
 *   returns once the thread has made its first look (at most 50 ms).
 *   Creating the thread, in the parent after the fork, is the one place
 *   glibc's pthread_create allocates (its thread-local table): only after
 *   a fork that is followed, never in one that is not;
 * - static slots: FG_FOLLOW_SLOTS children at most (more: only protected).
 * Each look reads the bound level's usage (memory.current, v1
 * memory.usage_in_bytes, or the host's MemAvailable + SwapFree) with one
 * pread of a kept fd; the whole room (cgroup.c + policy_cow.c, the
 * verdict's own rule, page cache included) is read once a second, and
 * when the cheap figure less the page cache reaches the margin: an abort
 * is decided on it.  core/follow.c decides.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "emit.h"
#include "fmt.h"
#include "forksafe.h"
#include "metrics.h"
#include "parse.h"
#include "plan.h"
#include "policy_cow.h"
#include "procfs.h"
#include "watch_usage.h"
#include "watcher.h"

/* the same number on every architecture (Linux 5.1, 5.3) */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define FG_FOLLOW_SLOTS 4
#define FULL_EVERY_US	1000000L

enum { SLOT_FREE, SLOT_TAKEN, SLOT_LIVE };

struct slot {
	int state; /* SLOT_* */
	pid_t child;
	const char *call;
	const struct fg_config *c;
	struct fg_sys sys; /* the host at the fork (mode, page size) */
	struct fg_cow cow; /* the verdict at the fork */
	long t0_us;
	/* the watcher's */
	int pidfd, usage_fd;
	char usage_path[FG_PATH_MAX * 2];
	long full_at_us, look_at_us;
	uint64_t room_full, room_prev, rate;
	uint64_t reclaim, margin; /* at the last full read, the last look */
	int64_t u_full, u0, upeak;
	int64_t oom0;
	unsigned next_ms;
	long sig_at_us; /* our signal sent */
	uint64_t cpu0;
	struct fg_child_end end;
};

static struct slot slots[FG_FOLLOW_SLOTS];
static int running; /* the thread lives */
static pid_t owner; /* the process it was started in */
/* this process's recent lateness of looks (actual - planned time), and
 * time a signalled child took to end: the margin covers their worst */
static uint32_t late_ring[16], end_ring[8];
static unsigned late_n, end_n;

static bool usage(struct slot *sl, int64_t *u)
{
	return fg_watch_usage(sl->c, sl->usage_path, &sl->usage_fd, u);
}

/* The whole room, by the verdict's rule; the bound may have moved. */
static bool full(struct slot *sl, uint64_t *room)
{
	/* the whole room; its clean page cache kept in sl->reclaim */
	struct fg_memcg cg;
	struct fg_cow out;
	struct fg_sys s = sl->sys;
	char buf[4096];

	if (fg_read(sl->c->procfs, -1, "meminfo", buf, sizeof(buf)) > 0)
		fg_parse_meminfo(buf, &s);
	fg_memcg_read(sl->c->procfs, sl->c->sysfs, 0, &cg);
	fg_cow_eval(&cg, &s, 0, &out);
	if (out.headroom_kb == FG_COW_NONE)
		return false;
	if (out.bind != sl->cow.bind ||
	    strcmp(out.bind_path, sl->cow.bind_path)) {
		memcpy(sl->cow.bind_path, out.bind_path, sizeof(out.bind_path));
		sl->cow.bind = out.bind;
		if (sl->usage_fd >= 0)
			close(sl->usage_fd);
		sl->usage_fd = -1;
		fg_watch_usage_path(sl->c, &sl->cow, sl->usage_path,
				    sizeof(sl->usage_path));
	}
	if (cg.oom_kill >= 0 && sl->oom0 >= 0 && cg.oom_kill > sl->oom0)
		sl->end.oom_kills = cg.oom_kill - sl->oom0;
	*room = out.headroom_kb;
	sl->reclaim = out.reclaim_kb;
	return true;
}

static void start(struct slot *sl)
{
	uint64_t expected = sl->end.expected_kb;
	int64_t u;

	sl->end = (struct fg_child_end){
		.expected_kb = expected,
		.parent = getpid(),
		.child = sl->child,
		.call = sl->call,
		.worst_kb = sl->cow.worst_kb,
		.room_fork_kb = sl->cow.headroom_kb,
		.room_min_kb = sl->cow.headroom_kb,
		.oom_kills = 0,
	};
	sl->pidfd = (int)syscall(SYS_pidfd_open, sl->child, 0);
	sl->usage_fd = -1;
	sl->oom0 = sl->cow.oom_kill_count;
	sl->full_at_us = sl->look_at_us = 0;
	sl->rate = 0;
	sl->reclaim = sl->cow.reclaim_kb;
	sl->margin = (uint64_t)sl->c->cow_margin_mb * 1024;
	sl->room_prev = sl->room_full = sl->cow.headroom_kb;
	fg_watch_usage_path(sl->c, &sl->cow, sl->usage_path,
			    sizeof(sl->usage_path));
	sl->u0 = sl->upeak = sl->u_full = usage(sl, &u) ? u : 0;
	sl->cpu0 = fg_thread_cpu_us();
	sl->next_ms = FG_FOLLOW_MIN_MS;
}

static int send(struct slot *sl, int sig)
{
	return sl->pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, sl->pidfd,
					     sig, NULL, 0)
			      : kill(sl->child, sig);
}

/* One look: the room, the decision, the signal (SIGKILL if need be). */
static void look(struct slot *sl)
{
	long now = fg_now_us();
	struct fg_follow_in in = { .floor_kb = (uint64_t)sl->c->cow_margin_mb *
					       1024 };
	struct fg_follow_out out;
	uint64_t room = sl->room_prev;
	int64_t u;
	bool have_u = usage(sl, &u);
	long late = sl->look_at_us ? now - sl->look_at_us - sl->next_ms * 1000L
				   : 0;
	struct fg_abort_mark mark;

	if (late > 0)
		late_ring[late_n++ % 16] = late < INT32_MAX ? (uint32_t)late
							    : INT32_MAX;
	__atomic_fetch_add(&sl->end.looks, 1, __ATOMIC_RELEASE);
	if (have_u && u > sl->upeak)
		sl->upeak = u;
	if (have_u && sl->full_at_us && now - sl->full_at_us < FULL_EVERY_US) {
		int64_t d = u - sl->u_full;

		room = d >= (int64_t)sl->room_full ? 0
		       : d <= 0			   ? sl->room_full
				: sl->room_full - (uint64_t)d;
	}
	/* the whole room once a second, and when the cheap figure less the
	 * page cache (which reclaim may be eating unseen) is at the margin:
	 * an abort is decided on the whole room only */
	if (!have_u || !sl->full_at_us ||
	    now - sl->full_at_us >= FULL_EVERY_US ||
	    room <= sl->reclaim + sl->margin) {
		if (!full(sl, &room)) {
			sl->next_ms = FG_FOLLOW_MAX_MS;
			return;
		}
		sl->room_full = room;
		sl->full_at_us = now;
		sl->u_full = usage(sl, &u) ? u : sl->u_full;
	}
	in.room_kb = room;
	in.prev_room_kb = sl->room_prev;
	in.dt_us = sl->look_at_us ? (uint64_t)(now - sl->look_at_us) : 0;
	in.rate_kb_s = sl->rate;
	in.late_us = fg_follow_worst_us(late_ring, 16);
	in.end_us = fg_follow_worst_us(end_ring, 8);
	if (in.end_us < FG_FOLLOW_END_MIN_MS * 1000u)
		in.end_us = FG_FOLLOW_END_MIN_MS * 1000u;
	in.signal_us = sl->end.aborted ? (uint64_t)(now - sl->sig_at_us) : 0;
	fg_follow_step(&in, &out);
	sl->rate = out.rate_kb_s;
	sl->margin = out.margin_kb;
	sl->room_prev = room;
	sl->look_at_us = now;
	sl->next_ms = out.next_ms;
	if (room < sl->end.room_min_kb)
		sl->end.room_min_kb = room;
	if (out.kill && !sl->end.kill_us && !send(sl, SIGKILL))
		sl->end.kill_us = in.signal_us ? in.signal_us : 1;
	if (!out.abort || sl->end.aborted)
		return;
	/* the back-off first: the signal ends the child, which wakes its
	 * parent, whose next fork must already see it */
	mark = fg_follow_learn_abort();
	if (send(sl, sl->c->cow_signal)) {
		fg_follow_unlearn_abort(mark);
		return;
	}
	sl->sig_at_us = now;
	sl->end.abort_late_us = in.late_us;
	sl->end.abort_end_us = in.end_us;
	sl->end.aborted = true;
	sl->end.abort_signal = sl->c->cow_signal;
	sl->end.abort_room_kb = room;
	sl->end.abort_margin_kb = out.margin_kb;
	sl->end.abort_rate_kb_s = out.rate_kb_s;
	sl->end.abort_copy_kb = sl->upeak > sl->u0
				    ? (uint64_t)(sl->upeak - sl->u0)
				    : 0;
	sl->end.abort_us = (uint64_t)(now - sl->t0_us);
}

/* Has the child exited (pidfd readable, or no pidfd: /proc says so)? */
static bool gone(struct slot *sl, short revents)
{
	char buf[256], *p;

	if (sl->pidfd >= 0)
		return revents != 0;
	if (fg_read(sl->c->procfs, sl->child, "stat", buf, sizeof(buf)) <= 0)
		return true;
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static void finish(struct slot *sl)
{
	struct fg_child_end *e = &sl->end;
	siginfo_t si;
	uint64_t room;

	memset(&si, 0, sizeof(si));
	full(sl, &room);
	e->lifetime_us = (uint64_t)(fg_now_us() - sl->t0_us);
	e->copy_kb = sl->upeak > sl->u0 ? (uint64_t)(sl->upeak - sl->u0) : 0;
	e->cause = FG_END_UNKNOWN;
	if (!waitid(P_PID, (id_t)sl->child, &si, WEXITED | WNOWAIT | WNOHANG) &&
	    si.si_pid == sl->child) {
		e->status = si.si_status;
		e->cause = si.si_code == CLD_EXITED ? FG_END_EXIT
						    : FG_END_SIGNAL;
	}
	e->how = e->cause;
	/* a child we signalled ended by our doing, however it ended (Redis's
	 * catches SIGUSR1 and exits 255): child_status says how */
	if (e->aborted) {
		uint64_t took = (uint64_t)(fg_now_us() - sl->sig_at_us);

		e->cause = FG_END_ABORT;
		end_ring[end_n++ % 8] = took < INT32_MAX ? (uint32_t)took
							 : INT32_MAX;
	} else if (e->oom_kills > 0 && e->cause != FG_END_EXIT)
		e->cause = FG_END_OOM;
	e->cpu_us = fg_thread_cpu_us() - sl->cpu0;
	if (sl->pidfd >= 0)
		close(sl->pidfd);
	if (sl->usage_fd >= 0)
		close(sl->usage_fd);
	fg_follow_learn(e);
	fg_metrics_child_end(e);
	fg_emit_child_end(sl->c, e, &sl->cow);
}

static void *watch(void *arg)
{
	struct pollfd pfd[FG_FOLLOW_SLOTS];
	struct slot *at[FG_FOLLOW_SLOTS];
	unsigned i, n, wait_ms;

	(void)arg;
	for (;;) {
		n = 0;
		wait_ms = FG_FOLLOW_MAX_MS;
		for (i = 0; i < FG_FOLLOW_SLOTS; i++) {
			struct slot *sl = &slots[i];

			if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) !=
			    SLOT_LIVE)
				continue;
			if (!sl->end.child)
				start(sl);
			look(sl);
			if (sl->next_ms < wait_ms)
				wait_ms = sl->next_ms;
			pfd[n] = (struct pollfd){ sl->pidfd, POLLIN, 0 };
			at[n++] = sl;
		}
		if (!n) {
			/* the last one ended: stop, unless one came meanwhile */
			__atomic_store_n(&running, 0, __ATOMIC_RELEASE);
			for (i = 0; i < FG_FOLLOW_SLOTS; i++)
				if (__atomic_load_n(&slots[i].state,
						    __ATOMIC_ACQUIRE) ==
				    SLOT_LIVE)
					break;
			if (i == FG_FOLLOW_SLOTS ||
			    __atomic_exchange_n(&running, 1, __ATOMIC_ACQ_REL))
				return NULL;
			continue;
		}
		(void)poll(pfd, n, (int)wait_ms); /* an error: a timeout */
		for (i = 0; i < n; i++) {
			if (!gone(at[i], pfd[i].revents))
				continue;
			finish(at[i]);
			__atomic_store_n(&at[i]->state, SLOT_FREE,
					 __ATOMIC_RELEASE);
		}
	}
}

/* Sleep in steps of @ns, @n at most, while the thread runs and, given
 * @sl, until it has made its first look at it. */
static void wait_thread(const struct slot *sl, int n, long ns)
{
	struct timespec ts = { 0, ns };

	while (n-- > 0 && __atomic_load_n(&running, __ATOMIC_ACQUIRE) &&
	       !(sl && __atomic_load_n(&sl->end.child, __ATOMIC_ACQUIRE) &&
		 __atomic_load_n(&sl->end.looks, __ATOMIC_ACQUIRE)))
		nanosleep(&ts, NULL);
}

/* At exit, the process that runs the thread gives it up to 200 ms to
 * report the end (a host that reaps and exits at once would lose it). */
__attribute__((destructor)) static void drain(void)
{
	if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) == getpid())
		wait_thread(NULL, 200, 1000000);
}

static void launch(void)
{
	pthread_attr_t a;
	pthread_t t;
	sigset_t all, old;

	if (__atomic_exchange_n(&running, 1, __ATOMIC_ACQ_REL))
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_attr_init(&a) ||
	    pthread_attr_setstacksize(&a, 128 * 1024) ||
	    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) ||
	    pthread_create(&t, &a, watch, NULL))
		__atomic_store_n(&running, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

bool fg_follow_start(const struct fg_config *c, pid_t child,
		     const struct fg_event *e)
{
	pid_t was = __atomic_load_n(&owner, __ATOMIC_ACQUIRE), self = getpid();
	int err = errno;

	if (was != self &&
	    __atomic_compare_exchange_n(&owner, &was, self, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* a new process (a child of a process that followed): the
		 * thread and the children in the slots were its parent's */
		for (unsigned i = 0; i < FG_FOLLOW_SLOTS; i++)
			__atomic_store_n(&slots[i].state, SLOT_FREE,
					 __ATOMIC_RELAXED);
		memset(late_ring, 0, sizeof(late_ring));
		memset(end_ring, 0, sizeof(end_ring));
		__atomic_store_n(&running, 0, __ATOMIC_RELEASE);
	}
	for (unsigned i = 0; i < FG_FOLLOW_SLOTS; i++) {
		struct slot *sl = &slots[i];
		int expect = SLOT_FREE;

		if (!__atomic_compare_exchange_n(
			&sl->state, &expect, SLOT_TAKEN, false,
			__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		sl->child = child;
		sl->call = e->call;
		sl->c = c;
		sl->sys = e->r.sys;
		sl->cow = e->r.cow;
		sl->t0_us = fg_now_us();
		sl->end.child = 0; /* the thread starts it */
		sl->end.expected_kb = e->cow.expected_kb;
		__atomic_store_n(&sl->state, SLOT_LIVE, __ATOMIC_RELEASE);
		launch();
		/* the first look before the program goes on: a thread that
		 * starts late cannot watch copies already made (50 ms at most) */
		wait_thread(sl, 250, 200000);
		fg_errno_keep(err);
		return true;
	}
	fg_errno_keep(err);
	return false;
}
