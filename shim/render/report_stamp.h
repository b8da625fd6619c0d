/*
 * report_stamp.h - date and attribute each log entry (report_stamp.c).
 */
#ifndef FG_REPORT_STAMP_H
#define FG_REPORT_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fmt.h"

/* syslog severities (RFC 5424), as the reports use them */
#define FG_PRIO_ERR	3
#define FG_PRIO_WARNING 4
#define FG_PRIO_INFO	6

struct fg_stamp {
	bool json;	  /* the message is FORKGUARD_FORMAT=json */
	bool syslog;	  /* a datagram for /dev/log, not a stream line */
	int prio;	  /* FG_PRIO_*: syslog only */
	pid_t pid;	  /* the writer */
	const char *comm; /* its name */
	int64_t sec;	  /* CLOCK_REALTIME */
	long nsec;
};

/*
 * fg_stamp_entry - append the first entry of @msg (@n bytes), dated and
 * attributed as @s says, to @b.  A stream entry ends with '\n'; a syslog
 * one is one datagram (no trailing '\n').  Returns the bytes of @msg that
 * entry took (> 0 while @n > 0).
 */
size_t fg_stamp_entry(const struct fg_stamp *s, const char *msg, size_t n,
		      struct fg_buf *b);

#endif /* FG_REPORT_STAMP_H */
