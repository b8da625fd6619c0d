/*
 * policy_cow.c - the copy-on-write verdict, pure: the
 * kernel's rule for what a successful fork may copy, against the room the
 * memory cgroups and the host leave.  No I/O, no globals.
 */
#include <string.h>

#include "policy.h"
#include "policy_cow.h"

/*
 * Copy-on-write after a successful fork.  The worst case is every private
 * anonymous resident page copied once (RssAnon); pages swapped out at the
 * fork stay shared swap entries until written and are not counted (they
 * were not resident; the swap they sit in is not freed by a write).  Huge
 * pages do not change the worst case: before 5.8 a write to a shared THP
 * copied all 2 MiB, since 3917c80280c9 ("thp: change CoW semantics for
 * anon-THP", 5.8) do_huge_pmd_wp_page splits the PMD and copies 4 kB; either
 * way no more than RssAnon is copied, only sooner.
 *
 * The room is the tightest of each memory cgroup level that has a hard
 * limit (limit - usage, plus the group's clean page cache, plus the swap
 * the group may still use, capped by the host's SwapFree) and, in modes 0
 * and 1, the host (MemAvailable + SwapFree).  A charge over the limit
 * first reclaims the group (mm/memcontrol.c try_charge_memcg →
 * try_to_free_mem_cgroup_pages, retried before mem_cgroup_oom): clean
 * file pages go without I/O; dirty ones and shmem (anon LRU, no swap)
 * may not go in time, and are not counted.  MemAvailable already counts
 * the host's reclaimable cache.  In mode 2 the fork's own charge reserved
 * the copies against CommitLimit: the host is not a limit of its own.
 */
static void copy_str(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint64_t room_minus(uint64_t limit, uint64_t used)
{
	if (limit == FG_COW_NONE)
		return FG_COW_NONE;
	if (used == FG_COW_NONE)
		return limit;
	return limit > used ? limit - used : 0;
}

/* a level's clean page cache, at most its usage; 0 when usage is unknown */
static uint64_t reclaimable(const struct fg_cg_level *l)
{
	if (l->current_kb == FG_COW_NONE)
		return 0;
	return l->cache_kb < l->current_kb ? l->cache_kb : l->current_kb;
}

void fg_cow_eval(const struct fg_memcg *cg, const struct fg_sys *s,
		 uint64_t worst_kb, struct fg_cow *out)
{
	uint64_t host_swap = s ? s->swap_free_kb : 0, room, swap;
	bool known = false;

	out->worst_kb = worst_kb;
	out->headroom_kb = FG_COW_NONE;
	out->reclaim_kb = 0;
	out->throttle_kb = FG_COW_NONE;
	out->bind = FG_BIND_NONE;
	out->bind_path[0] = '\0';
	out->cgroup[0] = out->thp[0] = '\0';
	out->cg_version = 0;
	out->container_view = out->oom_group = false;
	out->mode2 = s && s->mode == 2;
	if (cg)
		copy_str(out->thp, sizeof(out->thp), cg->thp, strlen(cg->thp));
	if (cg && cg->version) {
		known = true;
		out->cg_version = cg->version;
		out->container_view = cg->container_view;
		copy_str(out->cgroup, sizeof(out->cgroup),
			 cg->container_view ? "/" : cg->path,
			 cg->container_view ? 1 : strlen(cg->path));
		for (unsigned i = 0; i < cg->nlvl && i < FG_CG_LEVELS; i++) {
			const struct fg_cg_level *l = &cg->lvl[i];
			uint64_t cache = reclaimable(l);

			out->oom_group |= l->oom_group;
			room = room_minus(l->high_kb, l->current_kb);
			if (room != FG_COW_NONE &&
			    room + cache < out->throttle_kb)
				out->throttle_kb = room + cache;
			room = room_minus(l->max_kb, l->current_kb);
			if (room == FG_COW_NONE)
				continue;
			room += cache;
			swap = room_minus(l->swap_max_kb, l->swap_current_kb);
			if (swap > host_swap)
				swap = host_swap;
			if (room + swap >= out->headroom_kb)
				continue;
			out->headroom_kb = room + swap;
			out->reclaim_kb = cache;
			out->bind = swap ? FG_BIND_MEMCG_SWAP : FG_BIND_MEMCG;
			if (l->path_len)
				copy_str(out->bind_path, sizeof(out->bind_path),
					 cg->path, l->path_len);
			else
				strcpy(out->bind_path, "/");
		}
	}
	if (s && !out->mode2 && (s->mem_available_kb || s->mem_free_kb)) {
		known = true;
		room = (s->mem_available_kb ? s->mem_available_kb
					    : s->mem_free_kb) +
		       host_swap;
		if (room < out->headroom_kb) {
			out->headroom_kb = room;
			out->reclaim_kb = 0;
			out->bind = FG_BIND_HOST;
			out->bind_path[0] = '\0';
		}
	}
	if (out->headroom_kb != FG_COW_NONE)
		out->verdict = worst_kb <= out->headroom_kb ? FG_COW_OK
							    : FG_COW_RISK;
	else
		out->verdict = known || out->mode2 ? FG_COW_OK : FG_COW_UNKNOWN;
}

const char *fg_cow_verdict_name(enum fg_cow_verdict v)
{
	static const char *const names[] = { "unknown", "ok", "risk" };

	return (unsigned)v < 3 ? names[v] : "unknown";
}

enum fg_blast fg_cow_blast(const struct fg_cow *c, char *unit, size_t len)
{
	const char *end;
	bool found = false;
	size_t n;

	if (len)
		unit[0] = '\0';
	/* the innermost "NAME.service" component of the path */
	for (const char *at = c->cgroup; *at; at = end) {
		while (*at == '/')
			at++;
		end = at + strcspn(at, "/");
		n = (size_t)(end - at);
		if (n > 8 && !memcmp(end - 8, ".service", 8)) {
			found = true;
			if (len)
				copy_str(unit, len, at, n);
		}
	}
	if (found)
		return FG_BLAST_UNIT;
	return c->oom_group ? FG_BLAST_GROUP : FG_BLAST_ONE;
}
