/*
 * cli_check_pids.h - what the parts of `forkguard check` share: its
 * options, and the helpers of cli_check_pids.c that --all uses.
 * Status values are FG_EXIT_* (cli.h).
 */
#ifndef FG_CLI_CHECK_PIDS_H
#define FG_CLI_CHECK_PIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "forkguard.h"

struct cli_check_opts {
	bool json, prom, all, exact, anon_charged;
	const char *root, *sysfs;
	enum fg_rule rule;
};

/* cli_check_status - the exit status of verdict @v. */
int cli_check_status(enum fg_verdict v);
/* cli_check_worse - the worse of two exit statuses: fail > borderline >
 * could not evaluate > pass. */
int cli_check_worse(int a, int b);
/*
 * cli_check_na - why @pid of @root has no memory map to fork (a zombie, a
 * kernel thread), or NULL when it has one.
 */
const char *cli_check_na(const char *root, pid_t pid);
/*
 * cli_check_no_verdict - why the check of a process (its return @rc, its
 * result @r) gave no trustworthy verdict, or NULL if it did; the reason
 * may be written into @why (@len bytes).
 */
const char *cli_check_no_verdict(int rc, const struct fg_result *r, char *why,
				 size_t len);
/* cli_check_print - @r on stdout in @o's format; 0 or -errno. */
int cli_check_print(const struct fg_result *r, const struct cli_check_opts *o);
/* cli_check_parse_pid - a PID argument (or "self": 0); false if not one. */
bool cli_check_parse_pid(const char *s, pid_t *pid);
/* cli_check_pids - check the @n PIDs of @args on @s; the exit status. */
int cli_check_pids(const struct cli_check_opts *o, const struct fg_sys *s,
		   char **args, int n);
#endif /* FG_CLI_CHECK_PIDS_H */
