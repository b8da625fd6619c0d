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

static const char *const state_names[] = { "running", "exited",
					   "exited_unsampled", "unreadable" };

static void json_kb(const char *key, uint64_t kb, bool known)
{
	if (known)
		printf(",\"%s\":%" PRIu64, key, kb);
	else
		printf(",\"%s\":null", key);
}

static void print_json(const struct watch *w, const struct child *c,
		       enum state s, long life_ms, int64_t kills, unsigned pct)
{
	bool m = c->samples > 0;

	printf("{\"event\":\"watch\",\"pid\":%d,\"child\":%d,\"state\":\"%s\","
	       "\"lifetime_ms\":%ld",
	       (int)w->pid, (int)c->pid, state_names[s], life_ms);
	json_kb("peak_copy_kb", c->peak_kb, m);
	printf(",\"worst_kb\":%" PRIu64, c->worst_kb);
	if (m)
		printf(",\"peak_pct\":%u", pct);
	else
		fputs(",\"peak_pct\":null", stdout);
	json_kb("lowest_headroom_kb", c->low_room_kb,
		c->low_room_kb != FG_COW_NONE);
	printf(",\"cow_limit\":\"%s\",\"oom_kills\":", w->limit);
	if (kills < 0)
		fputs("null", stdout);
	else
		printf("%" PRId64, kills);
	printf(",\"samples\":%u,\"sample_us\":%ld", c->samples,
	       m ? c->sample_us / (long)c->samples : 0);
	if (c->err)
		printf(",\"error\":\"%s\"", fg_errno_name(c->err) ?: "?");
	puts("}");
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
	char a[32], b[32], d[32];

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
		printf("forkguard watch: %d forked %d: %s %ld ms, peak copy "
		       "%s (%u %% of the worst case %s), lowest headroom %s "
		       "(%s), OOM kills %s%" PRId64 "; %u samples of %ld us\n",
		       (int)w->pid, (int)c->pid,
		       s == RUNNING ? "still running after" : "lived", life_ms,
		       cli_size(c->peak_kb, a), pct, cli_size(c->worst_kb, b),
		       c->low_room_kb == FG_COW_NONE
			   ? "unlimited"
			   : cli_size(c->low_room_kb, d),
		       w->limit, kills < 0 ? "unknown " : "",
		       kills < 0 ? (int64_t)0 : kills, c->samples, avg);
	}
	fflush(stdout);
}

void watch_print_unseen(const struct watch *w)
{
	if (w->json)
		printf("{\"event\":\"watch\",\"pid\":%d,\"child\":null,"
		       "\"state\":\"unseen\",\"interval_ms\":%ld}\n",
		       (int)w->pid, w->interval);
	else
		printf("forkguard watch: %d: at least one child forked, exited "
		       "and was reaped between two samples (shorter than the "
		       "%ld ms interval, -i): not measured\n",
		       (int)w->pid, w->interval);
	fflush(stdout);
}
