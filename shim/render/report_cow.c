/*
 * report_cow.c - the copy-on-write part of a report (report.c's other
 * half): the "cow:" line and its fixes, and the cow_* JSON members.  The
 * text and the JSON come from one struct fg_cow.  No stdio, no heap.
 */
#include <string.h>

#include "policy_cow.h"
#include "report_cow.h"

/* What binds the copies: "memcg /a memory.max", "host MemAvailable...". */
void fg_report_cow_limit(struct fg_buf *b, const struct fg_cow *c)
{
	bool v1 = c->cg_version == 1;

	switch (c->bind) {
	case FG_BIND_MEMCG:
	case FG_BIND_MEMCG_SWAP:
		fg_puts(b, "memcg ");
		fg_puts(b, c->bind_path);
		if (c->bind == FG_BIND_MEMCG)
			fg_puts(b,
				v1 ? " memory.limit_in_bytes" : " memory.max");
		else
			fg_puts(b, v1 ? " memory.memsw.limit_in_bytes"
				      : " memory.max+memory.swap.max");
		return;
	case FG_BIND_HOST: fg_puts(b, "host MemAvailable+SwapFree"); return;
	default:
		fg_puts(b, c->mode2 ? "none (mode 2: reserved at the fork)"
				    : "none");
	}
}

/* Who an OOM kill here would take, and which FORKGUARD_COW keeps the
 * service (the blast radius, fg_cow_blast). */
static void put_blast(struct fg_buf *b, const struct fg_cow *c)
{
	char unit[128];

	switch (fg_cow_blast(c, unit, sizeof(unit))) {
	case FG_BLAST_UNIT:
		fg_puts(b, "an OOM kill here stops the whole unit ");
		fg_puts(b, unit);
		fg_puts(b, " (systemd's OOMPolicy= defaults to stop; check: "
			   "systemctl show -p OOMPolicy ");
		fg_puts(b, unit);
		fg_puts(b,
			"): protect cannot keep it unless OOMPolicy=continue, "
			"FORKGUARD_COW=abort can (it ends the child before "
			"the limit)");
		return;
	case FG_BLAST_GROUP:
		fg_puts(b,
			"memory.oom.group=1: an OOM kill here takes the whole "
			"group, the parent with the child: protect cannot "
			"help, FORKGUARD_COW=abort can (it ends the child "
			"before the limit); or set memory.oom.group=0, or "
			"raise the limit");
		return;
	default:
		fg_puts(b,
			"an OOM kill here takes one process, without "
			"protection the largest, the parent: "
			"FORKGUARD_COW=protect makes it the child (the parent "
			"likely lives), FORKGUARD_COW=abort ends the child "
			"before the limit (no OOM kill)");
	}
}

/* The fixes for a cow risk, separated by @sep; @f: what is in effect. */
static void put_cow_fixes(struct fg_buf *b, const struct fg_cow *c,
			  const struct fg_cow_fork *f, const char *sep)
{
	fg_puts(b, "raise ");
	fg_report_cow_limit(b, c);
	fg_puts(b, " by ");
	fg_putsize(b, c->worst_kb - c->headroom_kb);
	fg_puts(b, " or more, or keep the private memory under ");
	fg_putsize(b, c->headroom_kb);
	fg_puts(b, " (Redis: maxmemory)");
	if (!strcmp(c->thp, "always")) {
		fg_puts(b, sep);
		fg_puts(b, "set THP to madvise or never (before 5.8 a write "
			   "to a shared huge page copies 2 MiB; with always, "
			   "the OOM killer may take the parent too, after the "
			   "child)");
	}
	fg_puts(b, sep);
	put_blast(b, c);
	if (f && f->follow)
		fg_puts(b, " [in effect: abort, the child is followed (and its "
			   "oom_score_adj 1000)]");
	else if (f && f->protect)
		fg_puts(b, " [in effect: protect, the child's oom_score_adj is "
			   "1000]");
}

/* "  cow: ..." with the numbers; the fixes when at risk. */
void fg_report_cow_text(struct fg_buf *b, const struct fg_cow *c,
			const struct fg_cow_fork *f)
{
	int64_t kills = f ? f->oom_kills : -1;

	fg_puts(b, "  cow: ");
	fg_puts(b, fg_cow_verdict_name(c->verdict));
	fg_puts(b, ", worst case ");
	fg_putsize(b, c->worst_kb);
	fg_puts(b, " (private anonymous RSS)");
	if (f && f->expected_kb != UINT64_MAX) {
		fg_puts(b, ", expected ");
		fg_putsize(b, f->expected_kb);
		fg_puts(b, " (the largest share of ");
		fg_putu(b, f->history);
		fg_puts(b, " recent fork(s))");
	}
	fg_puts(b, ", headroom ");
	if (c->headroom_kb == FG_COW_NONE)
		fg_puts(b, "unlimited");
	else
		fg_putsize(b, c->headroom_kb);
	fg_puts(b, " (");
	fg_report_cow_limit(b, c);
	if (c->reclaim_kb) {
		fg_puts(b, ", counting ");
		fg_putsize(b, c->reclaim_kb);
		fg_puts(b, " of clean page cache");
	}
	fg_puts(b, "); cgroup ");
	fg_puts(b, c->cg_version ? c->cgroup : "none");
	if (c->cg_version) {
		fg_puts(b, c->cg_version == 1 ? " (v1" : " (v2");
		fg_puts(b, c->container_view ? ", its own root)" : ")");
	}
	if (c->throttle_kb != FG_COW_NONE) {
		fg_puts(b, ", throttled by memory.high after ");
		fg_putsize(b, c->throttle_kb);
	}
	fg_puts(b, c->oom_group ? ", oom.group=1" : "");
	fg_puts(b, ", THP ");
	fg_puts(b, c->thp[0] ? c->thp : "?");
	if (kills > 0) {
		fg_puts(b, "; ");
		fg_putu(b, (uint64_t)kills);
		fg_puts(b, " OOM kill(s) in the group since the last fork");
	} else if (kills < 0 && c->oom_kill_count > 0) {
		fg_puts(b, "; ");
		fg_putu(b, (uint64_t)c->oom_kill_count);
		fg_puts(b, " OOM kill(s) in the group so far");
	}
	fg_putc(b, '\n');
	if (f && f->refuse) {
		fg_puts(b,
			"  cow: refused (ENOMEM): a child of this process was "
			"aborted for want of room and the room has not come "
			"back; risky forks are refused for another ");
		fg_putu(b, f->backoff_s);
		fg_puts(b, " s (FORKGUARD_COW_BACKOFF)\n");
	}
	if (c->verdict != FG_COW_RISK)
		return;
	fg_puts(b, "  cow fix: ");
	put_cow_fixes(b, c, f, "\n  cow fix: ");
	fg_putc(b, '\n');
}

static const char *const blast_names[] = { "child", "group", "unit" };

void fg_report_cow_json(struct fg_buf *b, const struct fg_cow *c,
			const struct fg_cow_fork *f)
{
	int64_t kills = f ? f->oom_kills : -1;
	bool protect = f && f->protect;
	char tmp[1024];
	struct fg_buf t;

	fg_json_s(b, "cow_verdict", fg_cow_verdict_name(c->verdict));
	fg_json_u(b, "cow_worst_kb", c->worst_kb);
	fg_json_key(b, "cow_headroom_kb");
	if (c->headroom_kb == FG_COW_NONE)
		fg_puts(b, "null");
	else
		fg_putu(b, c->headroom_kb);
	fg_json_u(b, "cow_reclaimable_kb", c->reclaim_kb);
	fg_buf_init(&t, tmp, sizeof(tmp));
	fg_report_cow_limit(&t, c);
	fg_json_s(b, "cow_limit", c->bind == FG_BIND_NONE ? NULL : tmp);
	fg_json_key(b, "cow_throttle_kb");
	if (c->throttle_kb == FG_COW_NONE)
		fg_puts(b, "null");
	else
		fg_putu(b, c->throttle_kb);
	fg_json_s(b, "cgroup", c->cg_version ? c->cgroup : NULL);
	fg_json_b(b, "oom_group", c->oom_group);
	fg_json_s(b, "thp", c->thp[0] ? c->thp : NULL);
	fg_json_key(b, "oom_kills_since_last_fork");
	if (kills < 0)
		fg_puts(b, "null");
	else
		fg_putu(b, (uint64_t)kills);
	fg_json_key(b, "cgroup_oom_kills");
	if (c->oom_kill_count < 0)
		fg_puts(b, "null");
	else
		fg_putu(b, (uint64_t)c->oom_kill_count);
	fg_json_b(b, "cow_protect", protect);
	fg_json_s(b, "cow_blast", blast_names[fg_cow_blast(c, NULL, 0)]);
	if (f) {
		fg_json_b(b, "cow_follow", f->follow);
		fg_json_key(b, "cow_expected_kb");
		if (f->expected_kb == UINT64_MAX)
			fg_puts(b, "null");
		else
			fg_putu(b, f->expected_kb);
		fg_json_key(b, "cow_backoff_s");
		if (f->refuse)
			fg_putu(b, f->backoff_s);
		else
			fg_puts(b, "null");
	}
	if (c->verdict == FG_COW_RISK) {
		fg_buf_init(&t, tmp, sizeof(tmp));
		put_cow_fixes(&t, c, f, " | ");
		fg_json_s(b, "cow_fix", tmp);
	}
}
