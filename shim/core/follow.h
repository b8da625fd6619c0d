/*
 * follow.h - following a forked child under FORKGUARD_COW=abort: the pure
 * decision at each look (follow.c), the expected copy from a process's
 * recent forks, and what the guard learns when the child ends.
 *
 * Conventions: sizes in kB, rates in kB/s, times in ms or us as named;
 * pure functions, no I/O, no globals.
 */
#ifndef FG_FOLLOW_H
#define FG_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The look interval's bounds (ms): fast when the room shrinks. */
#define FG_FOLLOW_MIN_MS 5u
#define FG_FOLLOW_MAX_MS 250u
/* The least time a signalled child is taken to need to end (its
 * handler, its exit, the kernel freeing it); measured ends raise it. */
#define FG_FOLLOW_END_MIN_MS 50u
/* After the signal, the child still alive this long: SIGKILL. */
#define FG_FOLLOW_GRACE_MS 500u
/* The fastest copy to assume from a standstill: a copy-on-write fault
 * copies 4 kB in about 1-4 us, 1-4 GiB/s on one core. */
#define FG_FOLLOW_PEAK_KB_S (1024u * 1024u)

/* One look at the room (the tightest limit the cow verdict found). */
struct fg_follow_in {
	uint64_t room_kb;      /* room left now */
	uint64_t prev_room_kb; /* at the previous look */
	uint64_t dt_us;	       /* since it; 0: this is the first look */
	uint64_t rate_kb_s;    /* the copy rate estimated before this look */
	uint64_t floor_kb;     /* the margin's floor (FORKGUARD_COW_MARGIN) */
	uint64_t late_us;      /* the worst recent lateness of a look */
	uint64_t end_us;       /* a signalled child's time to end (worst
				  recent of this process; 0: none yet) */
	uint64_t signal_us;    /* since our signal; 0: not signalled */
};

struct fg_follow_out {
	uint64_t rate_kb_s; /* the copy rate estimated with this look */
	uint64_t margin_kb; /* floor + what that rate copies meanwhile */
	bool abort;	    /* room <= margin: end the child now */
	bool kill;	    /* signalled, still alive, and the room below
			       half the margin or the grace over: SIGKILL */
	unsigned next_ms;   /* when to look again */
};

/*
 * fg_follow_step - the decision at one look: the copy rate (the fall of
 * the room since the previous look, taken at once when it rises, halved
 * toward it when it falls), the margin (the floor plus what that rate
 * copies in the fastest look interval, the worst recent lateness of a
 * look, and the time a signalled child takes to end, at least
 * FG_FOLLOW_END_MIN_MS), abort when the room is at or below it.  Once
 * signalled (@signal_us): look again at the fastest interval, and kill
 * when the room is below half the margin or FG_FOLLOW_GRACE_MS passed.
 * Else the next look at a quarter
 * of the time the room takes to reach the margin at that rate, and no
 * later than it takes at FG_FOLLOW_PEAK_KB_S (a burst from a standstill),
 * within [FG_FOLLOW_MIN_MS, FG_FOLLOW_MAX_MS].
 */
void fg_follow_step(const struct fg_follow_in *in, struct fg_follow_out *out);

/*
 * fg_follow_worst_us - the largest of the @n values in @ring (the recent
 * lateness of looks, or ends of signalled children); 0 when none.
 */
uint64_t fg_follow_worst_us(const uint32_t *ring, unsigned n);

/* One past fork of this process, measured when its child ended. */
struct fg_fork_cost {
	uint64_t worst_kb; /* RssAnon at the fork */
	uint64_t copy_kb;  /* the copy it caused (usage peak - at the fork) */
};

/*
 * fg_copy_expected_kb - the copy to expect from a fork of @worst_kb of
 * private anonymous memory, from the @n (at most 8) recent forks in @h:
 * the largest fraction copy/worst any of them showed, applied to
 * @worst_kb (never above it).  UINT64_MAX when there is no history.
 */
uint64_t fg_copy_expected_kb(const struct fg_fork_cost *h, unsigned n,
			     uint64_t worst_kb);

/*
 * fg_copy_share - of the @n (at most 8) recent forks in @h, the one that
 * copied the largest share of its worst case: that copy and worst case
 * into @copy_kb and @worst_kb (never a share above 1).  false when none.
 */
bool fg_copy_share(const struct fg_fork_cost *h, unsigned n, uint64_t *copy_kb,
		   uint64_t *worst_kb);

/*
 * fg_save_holds_kb - up to how much private anonymous memory a process
 * can grow and still fork without running out of room, when a fork copies
 * @copy_kb/@worst_kb of it (equal: every page, the worst case): with
 * @room_kb of hard room now, @anon_kb of private anonymous memory now,
 * and @keep_kb of the room kept (the abort's margin).  Growing to A takes
 * A - @anon_kb of the room, and its fork then copies the share of A:
 *   A + share * A <= @room_kb + @anon_kb - @keep_kb.
 * 0 when even an empty process has no room left.
 */
uint64_t fg_save_holds_kb(uint64_t room_kb, uint64_t anon_kb, uint64_t keep_kb,
			  uint64_t copy_kb, uint64_t worst_kb);

/* How a followed child ended. */
enum fg_child_cause {
	FG_END_UNKNOWN, /* reaped by the host before we could look */
	FG_END_EXIT,	/* it exited */
	FG_END_SIGNAL,	/* a signal not ours, not the OOM killer's */
	FG_END_ABORT,	/* our signal, the room below the margin */
	FG_END_OOM,	/* SIGKILL with an OOM kill in the group */
	FG_END_CAUSES
};

/* fg_child_cause_name - "unknown", "exit", "signal", "abort", "oom_kill". */
const char *fg_child_cause_name(enum fg_child_cause c);

/* What the guard learned of one followed child (rendered by
 * report_follow.c, counted by metrics). */
struct fg_child_end {
	pid_t parent, child;
	const char *call;
	enum fg_child_cause cause;
	int status;		 /* exit code, or the signal */
	enum fg_child_cause how; /* what status is: UNKNOWN, EXIT or SIGNAL */
	uint64_t worst_kb;	 /* RssAnon at the fork */
	uint64_t room_fork_kb;	 /* the room at the fork */
	uint64_t room_min_kb;	 /* the least room seen */
	uint64_t copy_kb;	 /* usage's peak - usage at the fork */
	uint64_t expected_kb;	 /* expected at the fork; UINT64_MAX: none */
	uint64_t lifetime_us;
	/* the abort, when cause is FG_END_ABORT or the signal was sent */
	bool aborted;
	int abort_signal;
	uint64_t abort_room_kb, abort_margin_kb, abort_rate_kb_s;
	uint64_t abort_copy_kb, abort_us;     /* copied, run until then */
	uint64_t abort_late_us, abort_end_us; /* the margin's times */
	uint64_t kill_us;  /* SIGKILL after the signal, since it; 0: none */
	int64_t oom_kills; /* in the group while it lived; -1 n/a */
	unsigned looks;
	uint64_t cpu_us; /* the watcher's CPU time spent on it */
};

#endif /* FG_FOLLOW_H */
