/*
 * cli_watch_line.h - what `forkguard watch` knows of each child (cli_watch.c
 * samples it, cli_watch_line.c prints its line).
 */
#ifndef FG_CLI_WATCH_LINE_H
#define FG_CLI_WATCH_LINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "check.h"

#define MAX_CHILDREN 64

/* what became of a child, as its line says */
enum state { RUNNING, EXITED, UNSAMPLED, UNREADABLE };

struct child {
	pid_t pid;
	long born_us;
	uint64_t worst_kb, peak_kb, low_room_kb;
	int64_t oom_before;
	unsigned samples;
	long sample_us;	 /* total */
	uint64_t faults; /* its minflt+majflt(+children's), last read */
	bool final;	 /* read from the zombie: what its reaping adds */
	bool seen;	 /* in this round's list */
	bool reported;	 /* its line is out: kept until reaped, not again */
	int err;	 /* why its memory could not be read */
};

struct watch {
	const char *root, *sysfs;
	pid_t pid;
	bool json;
	struct fg_sys sys;
	struct child c[MAX_CHILDREN];
	unsigned n;
	uint64_t reaped_faults; /* the parent's cminflt + cmajflt */
	long interval;
	char limit[FG_PATH_MAX + 64];
};

/*
 * watch_print_child - @c's one line (text or JSON, as @w says) in state
 * @s, with the OOM kills counted since it was first seen (@now).
 */
void watch_print_child(const struct watch *w, const struct child *c,
		       enum state s, const struct fg_cow *now);
/* watch_print_unseen - the line for at least one child never listed. */
void watch_print_unseen(const struct watch *w);

#endif /* FG_CLI_WATCH_LINE_H */
