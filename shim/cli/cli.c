/*
 * cli.c - the forkguard command: subcommand dispatch and shared helpers.
 *
 *   forkguard check PID...|--all   evaluate running processes from outside
 *   forkguard run -- CMD ARGS...   run CMD with the guard preloaded
 *   forkguard explain              the host's overcommit policy in words
 *   forkguard watch PID            what each fork of PID really copies
 *
 * Every error is one line on stderr and a non-zero status; output on
 * stdout is either whole or absent (never a partial JSON object).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"

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
    "\n"
    "options:\n"
    "  -h, --help       this text; `forkguard COMMAND --help` for a "
    "command\n"
    "  -V, --version    the version\n"
    "\n"
    "See forkguard(1) and libforkguard(7).\n";

static void verror(const char *cmd, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* one line, whatever the arguments held */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fflush(stdout);
	if (cmd)
		fprintf(stderr, "forkguard: %s: %s\n", cmd, msg);
	else
		fprintf(stderr, "forkguard: %s\n", msg);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd, fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd)
		cli_error(cmd, "%s (see forkguard %s --help)", msg, cmd);
	else
		cli_error(NULL, "%s (see forkguard --help)", msg);
	return FG_EXIT_USAGE;
}

const char *cli_size(uint64_t kb, char *buf)
{
	struct fg_buf b;

	fg_buf_init(&b, buf, 32);
	fg_putsize(&b, kb);
	return buf;
}

enum fg_rule cli_parse_rule(const char *cmd, const char *arg)
{
	enum fg_rule rule = fg_rule_from_name(arg);

	if (rule == FG_RULE_COUNT)
		cli_usage_error(cmd,
				"unknown kernel rule '%s': expected <=3.0, "
				"3.1-3.9, 3.10-4.16, 4.17-5.1 or 5.2+",
				arg);
	return rule;
}

int cli_sys_read(const char *cmd, const char *root, enum fg_rule rule,
		 struct fg_sys *s)
{
	int rc = fg_sys_read(root, s);

	if (rc) {
		cli_error(cmd,
			  "cannot read the overcommit policy under %s "
			  "(sys/vm/overcommit_memory, meminfo): %s",
			  root, strerror(-rc));
		return rc;
	}
	if (s->mode < 0) {
		cli_error(cmd, "%s/sys/vm/overcommit_memory is not 0, 1 or 2",
			  root);
		return -EINVAL;
	}
	if (rule != FG_RULE_RUNNING)
		s->rule = rule;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "check", cli_check },
		{ "run", cli_run },
		{ "explain", cli_explain },
		{ "watch", cli_watch },
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
