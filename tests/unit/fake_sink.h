/*
 * fake_sink.h - log.c's functions for a unit test that links the guard's
 * objects: every line the guard would send is kept in sink[] (lines
 * counts them); one copy of the library, this test's.  Included once, by
 * the test program, after cmocka.h.
 */
#ifndef FG_FAKE_SINK_H
#define FG_FAKE_SINK_H

#include <string.h>

#include "identity.h"
#include "log.h"

static char sink[16384];
static size_t sunk, lines;

unsigned long fg_log_admit(const struct fg_config *c)
{
	(void)c;
	return 0;
}

void fg_log_write(const struct fg_config *c, const char *msg, size_t n)
{
	(void)c;
	if (sunk + n >= sizeof(sink))
		fail_msg("the sink is full");
	memcpy(sink + sunk, msg, n);
	sunk += n;
	sink[sunk] = '\0';
	lines++;
}

void fg_log_send(const struct fg_config *c, int prio, const char *msg,
		 size_t n)
{
	(void)prio;
	fg_log_write(c, msg, n);
}

bool fg_second_copy(void)
{
	return false;
}

static void sink_drain(void)
{
	sunk = lines = 0;
	sink[0] = '\0';
}

static void has(const char *what)
{
	if (!strstr(sink, what))
		fail_msg("no %s in: %s", what, sink);
}

#endif /* FG_FAKE_SINK_H */
