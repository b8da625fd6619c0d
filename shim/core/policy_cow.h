/*
 * policy_cow.h - the copy-on-write verdict, pure (policy_cow.c).
 */
#ifndef FG_POLICY_COW_H
#define FG_POLICY_COW_H

#include "forkguard.h"
#include "memcg.h"

#include <stddef.h>

/*
 * fg_cow_eval - the copy-on-write verdict (pure): @worst_kb of
 * private anonymous memory against @cg (NULL: none) and the host @s (NULL:
 * unknown).  Fills every field of @out.
 */
void fg_cow_eval(const struct fg_memcg *cg, const struct fg_sys *s,
		 uint64_t worst_kb, struct fg_cow *out);

/*
 * Who an OOM kill in the process's place would take: the victim alone
 * (the OOM killer's pick: protect makes it the child); the whole group
 * (memory.oom.group=1); the whole systemd unit (a cgroup path through a
 * NAME.service: systemd's OOMPolicy= defaults to stop, since v243).
 */
enum fg_blast { FG_BLAST_ONE, FG_BLAST_GROUP, FG_BLAST_UNIT };

/*
 * fg_cow_blast - the blast radius of an OOM kill for the verdict @c
 * (pure); the unit's name (NAME.service) into @unit (@len bytes; ""
 * unless FG_BLAST_UNIT).
 */
enum fg_blast fg_cow_blast(const struct fg_cow *c, char *unit, size_t len);

#endif /* FG_POLICY_COW_H */
