/*
 * event.h - what the guard learns around one fork-like call (private).
 *
 * The public struct fg_result is a snapshot and its verdict; the event
 * holds it (the last check made for this call) beside what only the guard
 * knows: the call, its outcome, the task limits of an EAGAIN, the
 * allocator's statistics, each remedy tried, and the fork's own
 * copy-on-write facts (OOM kills since the last fork, protection).  Numbers and enums only:
 * report.c and report_json.c render an event as text or JSON
 * (fg_event_text, fg_event_json).
 */
#ifndef FG_EVENT_H
#define FG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forkguard.h"
#include "memcg.h"

/* jemalloc's own statistics in kB (mallctl "stats.*" after "epoch"). */
struct fg_alloc_stats {
	bool found;	 /* the process has jemalloc's mallctl */
	bool have_stats; /* and it gave the numbers below */
	uint64_t allocated_kb, active_kb, resident_kb, mapped_kb, retained_kb;
};

/* How one remedy (or the retries after them) ended. */
enum fg_attempt_result {
	FG_ATTEMPT_PASS,	/* the fork is now predicted to pass */
	FG_ATTEMPT_HELPED,	/* the margin grew, not enough */
	FG_ATTEMPT_NO_EFFECT,	/* it ran; the margin did not move */
	FG_ATTEMPT_FAILED,	/* it ran and erred */
	FG_ATTEMPT_CANNOT_HELP, /* ruled out for this mode and rule */
	FG_ATTEMPT_FAIL,	/* the retries ended with the fork refused */
};

/* Why a split stopped (FG_SPLIT_OK: it cut, or had nothing to cut). */
enum fg_split_stop {
	FG_SPLIT_OK,
	FG_SPLIT_FLAGGED,  /* the VMA already had both flags */
	FG_SPLIT_TOO_MANY, /* more cuts than allowed */
	FG_SPLIT_MADVISE,  /* madvise failed */
};

/* What an attempt's note says: a sentence, the split's, the retries'. */
enum fg_attempt_note { FG_NOTE_WHY, FG_NOTE_SPLIT, FG_NOTE_RETRY };

/* One remedy tried or ruled out. */
struct fg_attempt {
	const char *name; /* "trim", "jemalloc", "release", "split", "retry" */
	enum fg_attempt_result result;
	enum fg_attempt_note note;
	uint64_t released_kb, rss_kb;
	long us;
	const char *why; /* a fixed sentence, or NULL */
	int err;	 /* an error number after why, or 0 */
	/* split */
	enum fg_split_stop stop;
	unsigned cuts;
	uint64_t piece_kb;
	bool thp; /* cut with MADV_NOHUGEPAGE */
	/* retry */
	unsigned rechecks, delay_ms;
};

#define FG_ATTEMPTS_MAX 8

struct fg_event {
	struct fg_result r; /* the last check for this call */
	const char *call;   /* "fork", "_Fork", "clone", "daemon" */
	int outcome_errno;  /* -1: not forked (yet); 0: ok; else errno */
	bool refused;	    /* enforce mode returned ENOMEM itself */
	bool mismatch;	    /* the kernel disagreed with the prediction */
	bool read_after;    /* the figures were read after a failed call */
	long check_us;	    /* every check made for this call */
	bool have_limits;   /* EAGAIN post-mortem */
	struct fg_limits limits;
	struct fg_alloc_stats jemalloc; /* read when the fork is risky */
	struct fg_attempt attempts[FG_ATTEMPTS_MAX];
	unsigned nattempts;
	enum fg_verdict verdict_before; /* before the remedies (nattempts) */
	struct fg_cow_fork cow;		/* r.cow's verdict, for this fork */
};

/* fg_attempt_result_name - "pass", "helped", "no effect", "failed",
 * "cannot help", "fail"; "?" out of range. */
const char *fg_attempt_result_name(enum fg_attempt_result v);

/* fg_event_init - an event for @call, nothing known yet. */
void fg_event_init(struct fg_event *e, const char *call);

/*
 * fg_event_attempt - append @a to @e (dropped when the array is full).
 */
void fg_event_attempt(struct fg_event *e, const struct fg_attempt *a);

/*
 * fg_event_text / fg_event_json - render @e as fg_report_text /
 * fg_report_json render a result, with the call, its outcome and what the
 * guard did.  Same return and truncation rules.
 */
size_t fg_event_text(const struct fg_event *e, char *buf, size_t len);
size_t fg_event_json(const struct fg_event *e, char *buf, size_t len);

#endif /* FG_EVENT_H */
