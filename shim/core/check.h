/*
 * check.h - the tiered check, stateless (check.c): shared by the library's
 * fork path, the CLI and the tests.
 */
#ifndef FG_CHECK_H
#define FG_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h" /* the checks time themselves: fg_now_us */
#include "forkguard.h"

/* fg_result_init - an empty result: no snapshot, verdict unknown. */
void fg_result_init(struct fg_result *r);

/*
 * fg_evaluate - evaluate r->sys and r->task for @pid (0: self) under
 * @root, as deep as needed: a bound that passes settles it; otherwise the
 * exact smaps walk (at once when @full); without VmFlags, the maps estimate
 * (private + writable), which is a verdict but not exact.  Fills r->ev,
 * r->tier, r->exact, r->verdict and r->read_error.
 */
void fg_evaluate(const char *root, pid_t pid, bool full, struct fg_result *r);

#endif /* FG_CHECK_H */
