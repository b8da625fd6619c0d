/*
 * report_follow.c - the line that says how a followed child ended
 * (FORKGUARD_COW=abort): how long it ran, the copy it caused against the
 * worst case and the expectation, the least room, and for an abort the
 * signal, the room left and the margin.  Numbers in, text or JSON out; no
 * heap, no stdio.
 */
#include <signal.h>

#include "fmt.h"
#include "report_cow.h"
#include "report_follow.h"

const char *fg_signal_name(int sig)
{
	switch (sig) {
	case SIGUSR1: return "SIGUSR1";
	case SIGUSR2: return "SIGUSR2";
	case SIGTERM: return "SIGTERM";
	case SIGKILL: return "SIGKILL";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	default: return "SIG?";
	}
}

/* seconds with three decimals */
static void put_secs(struct fg_buf *b, uint64_t us)
{
	uint64_t ms = us / 1000;

	fg_putu(b, ms / 1000);
	fg_putc(b, '.');
	fg_putc(b, (char)('0' + ms / 100 % 10));
	fg_putc(b, (char)('0' + ms / 10 % 10));
	fg_putc(b, (char)('0' + ms % 10));
}

static size_t done(struct fg_buf *b, char *buf, size_t len)
{
	if (b->full) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return b->at;
}

size_t fg_report_child_end_text(const struct fg_child_end *e,
				const struct fg_cow *cow, char *buf, size_t len)
{
	struct fg_buf b;

	fg_buf_init(&b, buf, len);
	fg_puts(&b, "forkguard: ");
	fg_puts(&b, e->call ? e->call : "fork");
	fg_puts(&b, " child ");
	fg_putu(&b, (uint64_t)e->child);
	if (e->cause == FG_END_ABORT) {
		fg_puts(&b, " aborted with ");
		fg_puts(&b, fg_signal_name(e->abort_signal));
		fg_puts(&b, " after ");
		put_secs(&b, e->abort_us);
		fg_puts(&b, " s");
		if (e->kill_us) {
			fg_puts(&b, ", then SIGKILL ");
			put_secs(&b, e->kill_us);
			fg_puts(&b, " s later");
		}
		fg_puts(&b, ": room left ");
		fg_putsize(&b, e->abort_room_kb);
		fg_puts(&b, " <= margin ");
		fg_putsize(&b, e->abort_margin_kb);
		fg_puts(&b, " (copy rate ");
		fg_putsize(&b, e->abort_rate_kb_s);
		fg_puts(&b, "/s over ");
		fg_putu(&b, (FG_FOLLOW_MIN_MS * 1000u + e->abort_late_us +
			     e->abort_end_us) /
				1000u);
		fg_puts(&b, " ms: a look, its lateness, the child's end), the "
			    "child had caused ");
		fg_putsize(&b, e->abort_copy_kb);
		fg_puts(&b, " of copies; ended (");
		fg_puts(&b, fg_child_cause_name(e->how));
		if (e->how == FG_END_EXIT) {
			fg_putc(&b, ' ');
			fg_putu(&b, (uint64_t)e->status);
		} else if (e->how == FG_END_SIGNAL) {
			fg_putc(&b, ' ');
			fg_puts(&b, fg_signal_name(e->status));
		}
		fg_putc(&b, ')');
	} else {
		fg_puts(&b, " ended (");
		fg_puts(&b, fg_child_cause_name(e->cause));
		if (e->cause == FG_END_EXIT || e->cause == FG_END_SIGNAL ||
		    e->cause == FG_END_OOM) {
			fg_putc(&b, ' ');
			if (e->cause == FG_END_EXIT)
				fg_putu(&b, (uint64_t)e->status);
			else
				fg_puts(&b, fg_signal_name(e->status));
		}
		fg_putc(&b, ')');
	}
	fg_puts(&b, " after ");
	put_secs(&b, e->lifetime_us);
	fg_puts(&b, " s; copy caused ");
	fg_putsize(&b, e->copy_kb);
	fg_puts(&b, " of worst ");
	fg_putsize(&b, e->worst_kb);
	if (e->expected_kb != UINT64_MAX) {
		fg_puts(&b, " (expected ");
		fg_putsize(&b, e->expected_kb);
		fg_putc(&b, ')');
	}
	fg_puts(&b, ", room ");
	fg_putsize(&b, e->room_fork_kb);
	fg_puts(&b, " at the fork, least ");
	fg_putsize(&b, e->room_min_kb);
	fg_puts(&b, " (");
	fg_report_cow_limit(&b, cow);
	fg_puts(&b, "); ");
	fg_puti(&b, e->oom_kills);
	fg_puts(&b, " OOM kill(s) meanwhile; ");
	fg_putu(&b, e->looks);
	fg_puts(&b, " looks, ");
	fg_putu(&b, e->cpu_us);
	fg_puts(&b, " us of CPU\n");
	return done(&b, buf, len);
}

size_t fg_report_child_end_json(const struct fg_child_end *e,
				const struct fg_cow *cow, char *buf, size_t len)
{
	char lim[300];
	struct fg_buf b, l;

	fg_buf_init(&l, lim, sizeof(lim));
	fg_report_cow_limit(&l, cow);
	fg_buf_init(&b, buf, len);
	fg_putc(&b, '{');
	fg_json_s(&b, "event", "child_end");
	fg_json_u(&b, "pid", (uint64_t)e->parent);
	fg_json_s(&b, "call", e->call ? e->call : "fork");
	fg_json_u(&b, "child", (uint64_t)e->child);
	fg_json_s(&b, "child_end", fg_child_cause_name(e->cause));
	fg_json_key(&b, "child_status");
	if (e->how == FG_END_UNKNOWN)
		fg_puts(&b, "null");
	else
		fg_puti(&b, e->status);
	/* what child_status is: an exit code or a signal */
	fg_json_s(&b, "child_status_is", fg_child_cause_name(e->how));
	fg_json_key(&b, "child_seconds");
	put_secs(&b, e->lifetime_us);
	fg_json_u(&b, "child_copy_kb", e->copy_kb);
	fg_json_u(&b, "cow_worst_kb", e->worst_kb);
	fg_json_key(&b, "cow_expected_kb");
	if (e->expected_kb == UINT64_MAX)
		fg_puts(&b, "null");
	else
		fg_putu(&b, e->expected_kb);
	fg_json_u(&b, "room_fork_kb", e->room_fork_kb);
	fg_json_u(&b, "room_min_kb", e->room_min_kb);
	fg_json_s(&b, "cow_limit", lim);
	fg_json_b(&b, "aborted", e->aborted);
	if (e->aborted) {
		fg_json_s(&b, "abort_signal", fg_signal_name(e->abort_signal));
		fg_json_u(&b, "abort_room_kb", e->abort_room_kb);
		fg_json_u(&b, "abort_margin_kb", e->abort_margin_kb);
		fg_json_u(&b, "abort_rate_kb_s", e->abort_rate_kb_s);
		fg_json_u(&b, "abort_copy_kb", e->abort_copy_kb);
		fg_json_u(&b, "abort_late_ms", e->abort_late_us / 1000u);
		fg_json_u(&b, "abort_end_ms", e->abort_end_us / 1000u);
		fg_json_key(&b, "abort_kill_seconds");
		if (e->kill_us)
			put_secs(&b, e->kill_us);
		else
			fg_puts(&b, "null");
		fg_json_key(&b, "abort_seconds");
		put_secs(&b, e->abort_us);
	}
	fg_json_key(&b, "oom_kills");
	fg_puti(&b, e->oom_kills);
	fg_json_u(&b, "watch_looks", e->looks);
	fg_json_u(&b, "watch_cpu_us", e->cpu_us);
	fg_puts(&b, "}\n");
	return done(&b, buf, len);
}
