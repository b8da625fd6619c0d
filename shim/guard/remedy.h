/*
 * remedy.h - make a fork the kernel would refuse pass: heap trim,
 * allocator purge or release, VMA split; then retries with backoff.
 */
#ifndef FG_REMEDY_H
#define FG_REMEDY_H

#include "config.h"
#include "event.h"

/*
 * fg_remedy_init - at load time: resolve the enabled allocators' symbols
 * now, so that dlsym's allocations never happen on the fork path.
 */
void fg_remedy_init(const struct fg_config *c);

/*
 * fg_remedy_missing - one line per allocator remedy that FORKGUARD_REMEDY
 * names explicitly but this process does not have (no mallctl, no
 * malloc_trim, ...), written to @buf ('\0'-terminated).  Returns the length;
 * 0 when nothing is missing or @c is not remediate.  No dlsym: the symbols
 * were resolved by fg_remedy_init.
 */
size_t fg_remedy_missing(const struct fg_config *c, char *buf, size_t len);

/*
 * fg_remedy_stats - read jemalloc's statistics into e->jemalloc for the
 * diagnosis of a risky fork, when the process has jemalloc's mallctl
 * (resolved by fg_remedy_init in every mode but off).  Changes nothing.
 * It takes jemalloc's stats locks, which jemalloc's own fork handlers
 * (pthread_atfork, all arena locks) take right after: no new way to block.
 */
void fg_remedy_stats(struct fg_event *e);

/*
 * fg_remedy_run - for a fail or borderline e->r (an exact check of the
 * calling process), try the remedies enabled in @c that can change this
 * verdict, in order (trim, jemalloc, release, split), re-checking exactly
 * after each; stop as soon as the fork is predicted to pass.  If none does,
 * re-check @c->retries times with a doubling delay from @c->retry_delay_ms.
 * Updates @e in place: e->r, the verdict and numbers of the last check
 * (its time added to e->check_us), e->attempts (one per remedy tried or
 * ruled out) and e->jemalloc.  Never fails: a remedy that errs is recorded and skipped.
 * errno is preserved.  A thread that finds another one remediating returns
 * at once and leaves @e as it was.
 */
void fg_remedy_run(const struct fg_config *c, struct fg_event *e);

/*
 * fg_remedy_helps - can remedy @bit (FG_REMEDY_*) change @r's verdict?
 * Otherwise *why may say why not (or is NULL).  policy_remedy.c's
 * fg_remedy_fit with what this process has, and describe.c's sentence:
 * what fg_remedy_run applies, and the test seam (tests/unit/test_remedy.c).
 */
bool fg_remedy_helps(unsigned bit, const struct fg_result *r, const char **why);

#endif /* FG_REMEDY_H */
