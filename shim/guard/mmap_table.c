/*
 * mmap_table.c - the intervals of address space whose accounting the
 * process knows (mmap_track.c records, fg_vmas_walk() asks).
 *
 * A sorted array of at most TABLE_MAX disjoint intervals, each with what is
 * known of it: charged (VM_ACCOUNT), noreserve (VM_NORESERVE, shared or
 * hugetlb: never charged by mprotect), dontcopy (VM_DONTCOPY); each of
 * them unknown, no or yes.  Adjacent intervals that agree are one.  No
 * heap and no lock that waits: the array is changed under a try-lock; a
 * thread that finds it taken appends its change to a ring of RING_MAX
 * entries instead (a ticket by atomic increment, then a ready mark), and
 * whoever holds the lock next applies the ring, in ticket order, before
 * its own change and after it, and before an answer.  Only a full ring
 * loses the order: then the table is given up and answers nothing again.
 * What does not fit is forgotten, never guessed: unknown is always safe.
 */
#include <string.h>
#include <unistd.h>

#include "forksafe.h"
#include "mmap_table.h"

#define TABLE_MAX  1024 /* intervals */
#define PIECES_MAX 64	/* pieces one change may leave */
#define RING_MAX   256	/* changes waiting for the lock */

struct iv {
	uintptr_t lo, hi;
	uint8_t a;
};

struct change {
	uintptr_t lo, hi, lo2, hi2;
	uint8_t op, arg;
	unsigned long ready; /* its ticket + 1 once written */
};

static struct {
	pid_t lock, owner;
	bool lost; /* the ring overflowed */
	unsigned n;
	struct iv t[TABLE_MAX];
	unsigned long head, tail; /* ring tickets: applied, taken */
	struct change ring[RING_MAX];
} tb;

/* A piece's attributes after @op (0: a gap that stays unknown). */
static uint8_t apply(uint8_t a, enum fg_top op, uint8_t arg)
{
	switch (op) {
	case FG_TOP_SET: return arg;
	case FG_TOP_PROT_W:
		/* mprotect_fixup: charged unless already charged, writable,
		 * shared, hugetlb or NORESERVE */
		if (FG_ACCT(a) == FG_NO && FG_NR(a) == FG_NO)
			return FG_ATTR(FG_YES, FG_NO, FG_DC(a));
		return a;
	case FG_TOP_DC: return FG_ATTR(FG_ACCT(a), FG_NR(a), arg);
	case FG_TOP_MOVE: return a;
	}
	return a;
}

/* Append @p to @out[*k] merging with its left neighbour; false if full. */
static bool push(struct iv *out, unsigned *k, struct iv p)
{
	if (!p.a || p.hi <= p.lo)
		return true;
	if (*k && out[*k - 1].hi == p.lo && out[*k - 1].a == p.a) {
		out[*k - 1].hi = p.hi;
		return true;
	}
	if (*k == PIECES_MAX)
		return false;
	out[(*k)++] = p;
	return true;
}

/*
 * update - @op over [lo, hi): the intervals it overlaps are replaced by
 * their pieces (outside parts kept, inside parts changed, gaps given what
 * @op gives a gap).  When the pieces do not fit, what they cover is
 * forgotten.
 */
static void update(uintptr_t lo, uintptr_t hi, enum fg_top op, uint8_t arg)
{
	struct iv out[PIECES_MAX], *t = tb.t, g;
	unsigned i = 0, j, k = 0, m;
	uintptr_t at = lo;
	bool fit = true;

	while (i < tb.n && t[i].hi <= lo)
		i++;
	if (i > 0 && t[i - 1].hi == lo)
		i--; /* a neighbour to merge with */
	for (j = i; j < tb.n && t[j].lo <= hi; j++) {
		if (t[j].lo > at && at < hi) {
			g = (struct iv){ at, t[j].lo < hi ? t[j].lo : hi,
					 apply(0, op, arg) };
			fit &= push(out, &k, g);
			at = g.hi;
		}
		g = t[j];
		if (g.lo < lo)
			fit &= push(out, &k, (struct iv){ g.lo, lo, g.a });
		if (g.hi > lo && g.lo < hi)
			fit &= push(out, &k,
				    (struct iv){ g.lo > lo ? g.lo : lo,
						 g.hi < hi ? g.hi : hi,
						 apply(g.a, op, arg) });
		if (g.hi > hi)
			fit &= push(out, &k, (struct iv){ hi, g.hi, g.a });
		if (g.hi > at)
			at = g.hi;
	}
	if (at < hi)
		fit &= push(out, &k, (struct iv){ at, hi, apply(0, op, arg) });
	if (!fit || tb.n - (j - i) + k > TABLE_MAX)
		k = 0; /* forget [t[i].lo, t[j-1].hi) */
	m = tb.n - j;
	memmove(&t[i + k], &t[j], m * sizeof(*t));
	memcpy(&t[i], out, k * sizeof(*t));
	tb.n = i + k + m;
}

/* The uniform attributes of [lo, hi) in the table, 0 if not uniform. */
static uint8_t attrs_of(uintptr_t lo, uintptr_t hi)
{
	uintptr_t at = lo;
	uint8_t a = 0;
	unsigned i;

	for (i = 0; i < tb.n && at < hi; i++) {
		if (tb.t[i].hi <= at)
			continue;
		if (tb.t[i].lo > at || (a && tb.t[i].a != a))
			return 0;
		a = tb.t[i].a;
		at = tb.t[i].hi;
	}
	return at >= hi ? a : 0;
}

/* One change, the lock held.  A move: [lo, hi) became [lo2, hi2). */
static void change(const struct change *c)
{
	uint8_t a;

	if (c->op != FG_TOP_MOVE) {
		update(c->lo, c->hi, (enum fg_top)c->op, c->arg);
		return;
	}
	a = c->hi > c->lo ? attrs_of(c->lo, c->hi) : 0;
	if (c->lo2 != c->lo)
		update(c->lo, c->hi, FG_TOP_SET, 0);
	else if (c->hi2 < c->hi)
		update(c->hi2, c->hi, FG_TOP_SET, 0);
	update(c->lo2, c->hi2, FG_TOP_SET, a);
}

/* Apply the ring's written changes in ticket order (the lock held). */
static void drain(void)
{
	struct change *c;

	while (tb.head != __atomic_load_n(&tb.tail, __ATOMIC_ACQUIRE)) {
		c = &tb.ring[tb.head % RING_MAX];
		if (__atomic_load_n(&c->ready, __ATOMIC_ACQUIRE) != tb.head + 1)
			return; /* its writer is between ticket and mark */
		change(c);
		__atomic_store_n(&tb.head, tb.head + 1, __ATOMIC_RELEASE);
	}
}

/*
 * Take the lock for @self; a child first drops its parent's DONTFORK
 * ranges, which are not mapped in it, and gives the table up if a change
 * of its parent's was still in the ring (its writer is not in the child).
 */
static bool take(pid_t self)
{
	unsigned i, k = 0;

	if (!fg_trylock(&tb.lock, self))
		return false;
	if (tb.owner != self) {
		if (tb.owner &&
		    tb.head != __atomic_load_n(&tb.tail, __ATOMIC_ACQUIRE))
			__atomic_store_n(&tb.lost, true, __ATOMIC_RELEASE);
		for (i = 0; i < tb.n; i++)
			if (FG_DC(tb.t[i].a) != FG_YES)
				tb.t[k++] = tb.t[i];
		tb.n = k;
		tb.owner = self;
	}
	drain();
	return true;
}

void fg_table_note(uintptr_t lo, uintptr_t hi, enum fg_top op, uint8_t arg,
		   uintptr_t lo2, uintptr_t hi2)
{
	struct change c = { lo, hi, lo2, hi2, (uint8_t)op, arg, 0 };
	unsigned long ticket;
	pid_t self = getpid();

	if (__atomic_load_n(&tb.lost, __ATOMIC_ACQUIRE))
		return;
	if (take(self)) {
		change(&c);
		drain();
		fg_unlock(&tb.lock);
		return;
	}
	ticket = __atomic_fetch_add(&tb.tail, 1, __ATOMIC_ACQ_REL);
	if (ticket - __atomic_load_n(&tb.head, __ATOMIC_ACQUIRE) >= RING_MAX) {
		__atomic_store_n(&tb.lost, true, __ATOMIC_RELEASE);
		return;
	}
	tb.ring[ticket % RING_MAX] = c; /* ready stays 0 until: */
	__atomic_store_n(&tb.ring[ticket % RING_MAX].ready, ticket + 1,
			 __ATOMIC_RELEASE);
}

uint8_t fg_table_attrs(uintptr_t lo, uintptr_t hi)
{
	uint8_t a = 0;

	if (__atomic_load_n(&tb.lost, __ATOMIC_ACQUIRE) || !take(getpid()))
		return 0;
	/* a change still being written may concern this range */
	if (tb.head == __atomic_load_n(&tb.tail, __ATOMIC_ACQUIRE))
		a = attrs_of(lo, hi);
	fg_unlock(&tb.lock);
	return a;
}

void fg_table_hold(bool hold)
{
	if (hold)
		fg_trylock(&tb.lock, getpid());
	else
		fg_unlock(&tb.lock);
}

void fg_table_reset(void)
{
	tb.n = 0;
	tb.head = tb.tail = 0;
	tb.lost = false;
}
