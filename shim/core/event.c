/*
 * event.c - start an event and record what the guard did (see event.h).
 */
#include <string.h>

#include "event.h"

void fg_event_init(struct fg_event *e, const char *call)
{
	memset(e, 0, sizeof(*e));
	e->call = call;
	e->outcome_errno = -1;
	e->cow.oom_kills = -1;
	e->cow.expected_kb = UINT64_MAX;
	e->r.verdict = FG_UNKNOWN;
}

void fg_event_attempt(struct fg_event *e, const struct fg_attempt *a)
{
	if (e->nattempts < FG_ATTEMPTS_MAX)
		e->attempts[e->nattempts++] = *a;
}

const char *fg_attempt_result_name(enum fg_attempt_result v)
{
	static const char *const names[] = {
		[FG_ATTEMPT_PASS] = "pass",
		[FG_ATTEMPT_HELPED] = "helped",
		[FG_ATTEMPT_NO_EFFECT] = "no effect",
		[FG_ATTEMPT_FAILED] = "failed",
		[FG_ATTEMPT_CANNOT_HELP] = "cannot help",
		[FG_ATTEMPT_FAIL] = "fail",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}
