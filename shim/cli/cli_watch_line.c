/*
 * cli_watch_line.c - the lines of `forkguard watch`: one per child, in
 * text or JSON, whatever became of it (exited with its figures, exited
 * before a sample, unreadable, still running at the end), and the line
 * for children that came and went between two samples.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "cli_watch_line.h"
#include "fmt.h"
#include "follow.h"

static const char *const state_names[] = { "running", "exited",
					   "exited_unsampled", "unreadable" };

/* "key":N, or "key":null when not @known */
static void json_kb(struct fg_buf *b, const char *key, uint64_t v, bool known)
{
	fg_json_key(b, key);
	if (known)
		fg_putu(b, v);
	else
		fg_puts(b, "null");
}

/*
 * Up to how much private anonymous memory the limit holds a save like
 * this one: the room before its copies (the lowest room plus the peak
 * copy) and this child's share; false when not measured.
 */
static bool holds(const struct child *c, uint64_t *kb)
{
	if (!c->samples || !c->worst_kb || c->low_room_kb == FG_COW_NONE)
		return false;
	*kb = fg_save_holds_kb(c->low_room_kb + c->peak_kb, c->worst_kb, 0,
			       c->peak_kb, c->worst_kb);
	return true;
}

/* One JSON object, built in fmt.h's buffer (escaped strings) */
static void print_json(const struct watch *w, const struct child *c,
		       enum state s, long life_ms, int64_t kills, unsigned pct)
{
	char line[1024];
	struct fg_buf b;
	bool m = c->samples > 0;
	uint64_t hk = 0;

	fg_buf_init(&b, line, sizeof(line));
	fg_putc(&b, '{');
	fg_json_s(&b, "event", "watch");
	fg_json_u(&b, "pid", (uint64_t)w->pid);
	fg_json_u(&b, "child", (uint64_t)c->pid);
	fg_json_s(&b, "state", state_names[s]);
	fg_json_key(&b, "lifetime_ms");
	fg_puti(&b, life_ms);
	json_kb(&b, "peak_copy_kb", c->peak_kb, m);
	fg_json_u(&b, "worst_kb", c->worst_kb);
	json_kb(&b, "peak_pct", pct, m);
	json_kb(&b, "lowest_headroom_kb", c->low_room_kb,
		c->low_room_kb != FG_COW_NONE);
	fg_json_s(&b, "cow_limit", w->limit);
	json_kb(&b, "holds_kb", hk, holds(c, &hk));
	json_kb(&b, "oom_kills", (uint64_t)kills, kills >= 0);
	fg_json_u(&b, "samples", c->samples);
	fg_json_key(&b, "sample_us");
	fg_puti(&b, m ? c->sample_us / (long)c->samples : 0);
	if (c->err)
		fg_json_s(&b, "error", fg_errno_name(c->err) ?: "?");
	fg_puts(&b, "}\n");
	fwrite(line, 1, b.at, stdout);
}

void watch_print_child(const struct watch *w, const struct child *c,
		       enum state s, const struct fg_cow *now)
{
	long life_ms = (fg_now_us() - c->born_us) / 1000;
	int64_t kills = now->oom_kill_count >= 0 && c->oom_before >= 0
			    ? now->oom_kill_count - c->oom_before
			    : -1;
	unsigned pct = c->worst_kb ? (unsigned)(c->peak_kb * 100 / c->worst_kb)
				   : 0;
	long avg = c->samples ? c->sample_us / (long)c->samples : 0;
	char a[32], b[32], d[32], h[96] = "";
	uint64_t hk;

	if (w->json) {
		print_json(w, c, s, life_ms, kills, pct);
	} else if (s == UNSAMPLED) {
		printf("forkguard watch: %d forked %d: it exited before its "
		       "first sample (shorter than the %ld ms interval, -i): "
		       "its copy was not measured\n",
		       (int)w->pid, (int)c->pid, w->interval);
	} else if (s == UNREADABLE) {
		printf("forkguard watch: %d forked %d: its memory cannot be "
		       "read (%s): run watch as its user or root; it lived "
		       "%ld ms or more\n",
		       (int)w->pid, (int)c->pid, fg_errno_name(c->err) ?: "?",
		       life_ms);
	} else {
		if (holds(c, &hk))
			snprintf(h, sizeof(h),
				 "; the limit holds such a save up to %s of "
				 "private anonymous memory",
				 cli_size(hk, a));
		printf("forkguard watch: %d forked %d: %s %ld ms, peak copy "
		       "%s (%u %% of the worst case %s), lowest headroom %s "
		       "(%s), OOM kills %s%" PRId64 "%s; %u samples of %ld "
		       "us\n",
		       (int)w->pid, (int)c->pid,
		       s == RUNNING ? "still running after" : "lived", life_ms,
		       cli_size(c->peak_kb, a), pct, cli_size(c->worst_kb, b),
		       c->low_room_kb == FG_COW_NONE
			   ? "unlimited"
			   : cli_size(c->low_room_kb, d),
		       w->limit, kills < 0 ? "unknown " : "",
		       kills < 0 ? (int64_t)0 : kills, h, c->samples, avg);
	}
	fflush(stdout);
}

void watch_print_unseen(const struct watch *w)
{
	char line[256];
	struct fg_buf b;

	if (w->json) {
		fg_buf_init(&b, line, sizeof(line));
		fg_putc(&b, '{');
		fg_json_s(&b, "event", "watch");
		fg_json_u(&b, "pid", (uint64_t)w->pid);
		fg_json_s(&b, "child", NULL);
		fg_json_s(&b, "state", "unseen");
		fg_json_key(&b, "interval_ms");
		fg_puti(&b, w->interval);
		fg_puts(&b, "}\n");
		fwrite(line, 1, b.at, stdout);
	} else
		printf("forkguard watch: %d: at least one child forked, exited "
		       "and was reaped between two samples (shorter than the "
		       "%ld ms interval, -i): not measured\n",
		       (int)w->pid, w->interval);
	fflush(stdout);
}
