/*
 * follow.c - the pure half of following a forked child (see follow.h):
 * when to end it, when to look again, and what a fork can be expected to
 * copy from the recent ones.  No I/O, no globals: guard/follow.c reads the
 * room and acts; the unit tests drive these with numbers.
 */
#include "follow.h"

void fg_follow_step(const struct fg_follow_in *in, struct fg_follow_out *out)
{
	uint64_t rate = in->rate_kb_s, inst = 0, left, t_ms, end_us;

	if (in->dt_us && in->prev_room_kb > in->room_kb)
		inst = (in->prev_room_kb - in->room_kb) * 1000000u / in->dt_us;
	if (in->dt_us)
		rate = inst >= rate ? inst : (rate + inst) / 2;
	end_us = in->end_us > FG_FOLLOW_END_MIN_MS * 1000u
		     ? in->end_us
		     : FG_FOLLOW_END_MIN_MS * 1000u;
	/* what the rate copies until the next look (late) and the end */
	out->rate_kb_s = rate;
	out->margin_kb =
	    in->floor_kb +
	    rate * (FG_FOLLOW_MIN_MS * 1000u + in->late_us + end_us) / 1000000u;
	out->abort = in->room_kb <= out->margin_kb;
	out->kill = in->signal_us &&
		    (in->room_kb < out->margin_kb / 2 ||
		     in->signal_us >= FG_FOLLOW_GRACE_MS * 1000u);
	out->next_ms = FG_FOLLOW_MAX_MS;
	if (out->abort || in->signal_us) {
		out->next_ms = FG_FOLLOW_MIN_MS;
		return;
	}
	left = in->room_kb - out->margin_kb;
	/* a burst from a standstill: the margin's room at the peak rate */
	t_ms = left * 1000 / FG_FOLLOW_PEAK_KB_S;
	if (rate && left * 1000 / rate / 4 < t_ms)
		t_ms = left * 1000 / rate / 4;
	if (t_ms < FG_FOLLOW_MIN_MS)
		out->next_ms = FG_FOLLOW_MIN_MS;
	else if (t_ms < FG_FOLLOW_MAX_MS)
		out->next_ms = (unsigned)t_ms;
}

uint64_t fg_follow_worst_us(const uint32_t *ring, unsigned n)
{
	uint64_t w = 0;

	while (n--)
		if (ring[n] > w)
			w = ring[n];
	return w;
}

bool fg_copy_share(const struct fg_fork_cost *h, unsigned n, uint64_t *copy_kb,
		   uint64_t *worst_kb)
{
	uint64_t num = 0, den = 0;
	unsigned i;

	for (i = 0; i < n && i < 8; i++) {
		if (!h[i].worst_kb)
			continue;
		/* copy/worst > num/den, without dividing */
		if (!den || h[i].copy_kb * den > num * h[i].worst_kb) {
			num = h[i].copy_kb;
			den = h[i].worst_kb;
		}
	}
	if (!den)
		return false;
	*copy_kb = num < den ? num : den;
	*worst_kb = den;
	return true;
}

/* @v * @num / @den, @num <= @den: exact without overflow while @den is
 * below 2^32 (kB: 4 TiB) */
static uint64_t scale(uint64_t v, uint64_t num, uint64_t den)
{
	return v / den * num + v % den * num / den;
}

uint64_t fg_copy_expected_kb(const struct fg_fork_cost *h, unsigned n,
			     uint64_t worst_kb)
{
	uint64_t num, den;

	if (!fg_copy_share(h, n, &num, &den))
		return UINT64_MAX;
	return num >= den ? worst_kb : scale(worst_kb, num, den);
}

uint64_t fg_save_holds_kb(uint64_t room_kb, uint64_t anon_kb, uint64_t keep_kb,
			  uint64_t copy_kb, uint64_t worst_kb)
{
	uint64_t total = room_kb + anon_kb;

	if (total <= keep_kb)
		return 0;
	total -= keep_kb;
	if (!worst_kb)
		return total; /* nothing copied: the room alone */
	if (copy_kb > worst_kb)
		copy_kb = worst_kb;
	/* A * (worst + copy) / worst <= total */
	return scale(total, worst_kb, worst_kb + copy_kb);
}

const char *fg_child_cause_name(enum fg_child_cause c)
{
	static const char *const names[] = {
		[FG_END_UNKNOWN] = "unknown", [FG_END_EXIT] = "exit",
		[FG_END_SIGNAL] = "signal",   [FG_END_ABORT] = "abort",
		[FG_END_OOM] = "oom_kill",
	};

	return (unsigned)c < FG_END_CAUSES ? names[c] : "unknown";
}
