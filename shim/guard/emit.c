/*
 * emit.c - the sink of the guard's finished events: one event rendered as
 * text or JSON (report.c) and sent to the log (log.c) at the syslog
 * severity its outcome calls for, with the rate limit's note when reports
 * were dropped before it; and the end of a followed child (watcher.c).  It consumes: it never checks, reads /proc or
 * decides again (guard.c completes the event first).
 *
 * Two threads of one process may report at once (under FORKGUARD_COW=abort
 * the watcher thread reports a child's end while the program forks again):
 * log.c gives the sink to one and sends the other's line to stderr.  So
 * the reports here take turns: a writer waits for the other (a line's
 * write, microseconds; 5 ms at most, then it goes on as before), never for
 * itself (a report from a signal handler that interrupted one).
 */
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "emit.h"
#include "fmt.h"
#include "log.h"
#include "report.h"
#include "report_follow.h"

static pid_t turn; /* the thread whose report is being written */

static pid_t take_turn(void)
{
	pid_t self = (pid_t)syscall(SYS_gettid), none = 0;
	long until = fg_now_us() + 5000;

	while (!__atomic_compare_exchange_n(
	    &turn, &none, self, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		if (none == self || fg_now_us() > until)
			return 0;
		none = 0;
		sched_yield();
	}
	return self;
}

static void give_turn(pid_t self)
{
	if (self)
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
}

void fg_emit_warning(const struct fg_config *c, const char *text, size_t n)
{
	char buf[1536];

	if (c->format == FG_FORMAT_JSON) {
		n = fg_report_warning_json(getpid(), text, n, buf, sizeof(buf));
		text = buf;
	}
	if (n)
		fg_log_write(c, text, n);
}

/* syslog severity: a model the kernel contradicted and a borderline
 * verdict are warnings, a predicted or real failure an error */
static int prio(const struct fg_event *e)
{
	enum fg_verdict v = e->r.verdict;

	if (e->mismatch ||
	    (v == FG_BORDERLINE && !e->refused && e->outcome_errno <= 0))
		return FG_PRIO_WARNING;
	if (v == FG_FAIL || e->refused || e->outcome_errno > 0)
		return FG_PRIO_ERR;
	return v == FG_OK ? FG_PRIO_INFO : FG_PRIO_WARNING;
}

static void suppressed(const struct fg_config *c, unsigned long dropped)
{
	char note[96];
	struct fg_buf b;

	fg_buf_init(&b, note, sizeof(note));
	if (c->format == FG_FORMAT_JSON) {
		fg_puts(&b, "{\"event\":\"suppressed\",\"count\":");
		fg_putu(&b, dropped);
		fg_puts(&b, "}\n");
	} else {
		fg_puts(&b, "forkguard: ");
		fg_putu(&b, dropped);
		fg_puts(&b, " reports suppressed by the rate limit\n");
	}
	fg_log_write(c, note, b.at);
}

void fg_emit(const struct fg_config *c, const struct fg_event *e)
{
	char buf[8192];
	unsigned long dropped = fg_log_admit(c);
	size_t n;
	pid_t self;

	if (dropped == FG_LOG_DROP)
		return;
	if (c->format == FG_FORMAT_JSON)
		n = fg_event_json(e, buf, sizeof(buf));
	else
		n = fg_event_text(e, buf, sizeof(buf));
	self = take_turn();
	if (dropped)
		suppressed(c, dropped);
	fg_log_send(c, prio(e), buf, n);
	give_turn(self);
}

void fg_emit_child_end(const struct fg_config *c, const struct fg_child_end *e,
		       const struct fg_cow *cow)
{
	char buf[2048];
	size_t n;
	pid_t self;

	if (fg_log_admit(c) == FG_LOG_DROP)
		return;
	n = c->format == FG_FORMAT_JSON
		? fg_report_child_end_json(e, cow, buf, sizeof(buf))
		: fg_report_child_end_text(e, cow, buf, sizeof(buf));
	self = take_turn();
	fg_log_send(c,
		    e->cause == FG_END_OOM     ? FG_PRIO_ERR
		    : e->cause == FG_END_ABORT ? FG_PRIO_WARNING
					       : FG_PRIO_INFO,
		    buf, n);
	give_turn(self);
}
