/*
 * main.c - the forkguard command: the subcommand dispatch.
 *
 *   forkguard check PID...|--all   evaluate running processes from outside
 *   forkguard run -- CMD ARGS...   run CMD with the guard preloaded
 *   forkguard explain              the host's overcommit policy in words
 *   forkguard watch PID            what each fork of PID really copies
 *   forkguard metrics --prune DIR  remove dead processes' metrics files
 *
 * Every error is one line on stderr and a non-zero status; output on
 * stdout is either whole or absent (never a partial JSON object).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: forkguard COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Predict whether the kernel's overcommit accounting will refuse a "
    "fork, and say why;\n"
    "for a fork that passes, weigh its copy-on-write against the memory\n"
    "cgroup's and the host's room (will the OOM killer end the service?).\n"
    "\n"
    "commands:\n"
    "  check PID...     would this process's fork pass now, would its copies\n"
    "                   fit, is the guard loaded in it? (also --all)\n"
    "  run -- CMD...    run CMD with libforkguard preloaded\n"
    "  explain          the host's overcommit policy and memory cgroup in "
    "words\n"
    "  watch PID        measure what each fork of PID really copies "
    "(copy-on-write)\n"
    "  metrics --prune DIR  remove the metrics files of dead processes\n"
    "\n"
    "options:\n"
    "  -h, --help       this text; `forkguard COMMAND --help` for a "
    "command\n"
    "  -V, --version    the version\n"
    "\n"
    "See forkguard(1) and libforkguard(7).\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "check", cli_check },	    { "run", cli_run },
		{ "explain", cli_explain }, { "watch", cli_watch },
		{ "metrics", cli_metrics },
	};
	const char *cmd = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!cmd)
		return cli_usage_error(NULL, "no command given");
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return fflush(stdout) ? FG_EXIT_UNKNOWN : FG_EXIT_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("forkguard %s\n", FG_VERSION);
		return fflush(stdout) ? FG_EXIT_UNKNOWN : FG_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", cmd);
	return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
