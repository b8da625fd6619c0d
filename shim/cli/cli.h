/*
 * cli.h - what the parts of the forkguard command share.
 *
 * The command is a thin front end over the same core the preload library
 * uses (libforkguard-core.a): main.c dispatches to the five subcommands
 * (cli_check.c, cli_run.c, cli_explain.c, cli_watch.c, cli_metrics_prune.c), cli.c holds the
 * helpers below.  Unlike the library, the CLI is never on a fork path, so it
 * may use stdio and malloc.  Conventions: helpers return 0 or -errno,
 * predicates return bool, subcommands return the process exit status.
 */
#ifndef FG_CLI_H
#define FG_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "forkguard.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

/* Exit statuses; check's 0-3 are also its verdicts. */
#define FG_EXIT_OK	   0   /* the fork would pass */
#define FG_EXIT_FAIL	   1   /* the fork would fail */
#define FG_EXIT_BORDERLINE 2   /* too close to call */
#define FG_EXIT_UNKNOWN	   3   /* could not evaluate (or read the policy) */
#define FG_EXIT_USAGE	   64  /* bad command line (EX_USAGE) */
#define FG_EXIT_NOEXEC	   126 /* run: the command cannot be executed */
#define FG_EXIT_NOTFOUND   127 /* run: no command, or no library */

/* cli_error - "forkguard: @cmd: <printf @fmt>" on one stderr line. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * cli_usage_error - cli_error() plus a pointer to --help; returns
 * FG_EXIT_USAGE so callers can `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * struct cli_opts - a subcommand's options for cli_next_opt: its name,
 * getopt_long's option string (':' first, after a '+' if any; "h":
 * --help) and long
 * options, its usage text; status: what the subcommand returns once
 * cli_next_opt returned -1.
 */
struct option;
struct cli_opts {
	const char *cmd, *shortopts;
	const struct option *longopts;
	const char *usage;
	int status;
};
/*
 * cli_next_opt - the next option of @argv (getopt_long): its character,
 * 0 when the options are done (optind: the first operand), or -1 after
 * --help (the usage on stdout, status FG_EXIT_OK) or a missing argument
 * or an unknown option (one line on stderr, status FG_EXIT_USAGE).
 */
int cli_next_opt(struct cli_opts *o, int argc, char **argv);

/* cli_size - @kb as "512 kB", "3.2 MiB", "32.0 GiB" in @buf (>= 32). */
const char *cli_size(uint64_t kb, char *buf);

/*
 * cli_parse_rule - the --kernel-rule argument: a rule, or FG_RULE_COUNT
 * after a usage message on stderr.
 */
enum fg_rule cli_parse_rule(const char *cmd, const char *arg);

/*
 * cli_sys_read - fg_sys_read() for @root with @rule (-1: from the
 * snapshot's osrelease) applied.  0 or -errno, after one stderr line
 * saying which part of the policy could not be read.
 */
int cli_sys_read(const char *cmd, const char *root, enum fg_rule rule,
		 struct fg_sys *s);

/* The C library a program runs on, from its ELF interpreter. */
enum cli_libc {
	CLI_LIBC_GLIBC,	 /* ld-linux*: the regular build */
	CLI_LIBC_MUSL,	 /* ld-musl-*: the musl build (make musl) */
	CLI_LIBC_STATIC, /* no interpreter: LD_PRELOAD has no effect */
	CLI_LIBC_OTHER,	 /* another dynamic linker */
};

/*
 * cli_interp - the ELF interpreter (PT_INTERP) of @cmd, found as execvp
 * would (a "#!" script: its interpreter's), into @interp; "" for a static
 * program.  0, or -errno (-ENOEXEC: not a 64-bit ELF file).
 */
int cli_interp(const char *cmd, char *interp, size_t len);
/* cli_libc_of - which libc the interpreter @interp ("" static) serves. */
enum cli_libc cli_libc_of(const char *interp);

/* What a guarded process's copy published of its recent forks. */
struct cli_forks {
	bool known;		    /* a history was read */
	unsigned n;		    /* forks in it */
	uint64_t copy_kb, worst_kb; /* the largest share any copied */
	bool abort;	    /* FORKGUARD_COW=abort: its margin is kept */
	unsigned margin_mb; /* FORKGUARD_COW_MARGIN */
};

/*
 * cli_guard_say - the "guard:" line(s) of `forkguard check PID`: whether a
 * libforkguard is mapped in @pid (under procfs @root), its version, mode
 * and where its reports and metrics go; what it published of its forks
 * into @f.
 */
void cli_guard_say(const char *root, pid_t pid, struct cli_forks *f);
/*
 * cli_holds_say - the "save:" line of `forkguard check PID`: up to how
 * much private anonymous memory the limit in @cow holds a fork, from the
 * worst case and, when @f knows them, the process's measured forks.
 */
void cli_holds_say(const struct fg_cow *cow, const struct cli_forks *f);

/* The subcommands: @argc/@argv start at the subcommand's name. */
int cli_check(int argc, char **argv);
int cli_run(int argc, char **argv);
/*
 * cli_run_env_valid - may `forkguard run` exec @cmd with this environment?
 * false (its lines said) for a malformed FORKGUARD_* value, a log path or
 * a metrics directory the library could not write; with @warn_sink, a
 * warning when syslog would be used and /dev/log does not answer.
 */
bool cli_run_env_valid(const char *cmd, bool warn_sink);
int cli_explain(int argc, char **argv);
int cli_watch(int argc, char **argv);
/* cli_metrics - `forkguard metrics --prune DIR` (cli_metrics_prune.c). */
int cli_metrics(int argc, char **argv);

#endif /* FG_CLI_H */
