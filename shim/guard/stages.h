/*
 * stages.h - the stages of a quiet fork timed one by one, in a library
 * built for it (make bench-stages: -DFG_STAGES); in every other build
 * fg_stage() is nothing.
 *
 * fork()'s wrapper marks its entry (FG_STAGE_ENTRY) and the end of its
 * check (FG_STAGE_PASSED); stages.c adds atfork handlers around the
 * guard's own: a prepare handler that runs last, just before libc's
 * _Fork, a parent handler that runs first, just after it, and one that
 * runs after the guard's last (registered at the second fork, after the
 * guard's late set).  Each quiet fork's four spans, by the TSC, go to a
 * page the children find wiped; at exit the process prints their medians
 * and p90s on stderr (make bench-stages runs the occasional forks so).
 */
#ifndef FG_STAGES_H
#define FG_STAGES_H

enum fg_stage { FG_STAGE_ENTRY, FG_STAGE_PASSED };

#ifdef FG_STAGES
void fg_stage(enum fg_stage s);
#else
#define fg_stage(s) ((void)(s))
#endif

#endif
