/*
 * cli.c - what the subcommands of the forkguard command share: the
 * options loop (getopt_long, --help, usage errors), the one-line error
 * messages, sizes in words, the --kernel-rule argument and
 * the policy read with its message.  Every error is one line on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"

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

int cli_next_opt(struct cli_opts *o, int argc, char **argv)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, o->shortopts, o->longopts, NULL);
	switch (c) {
	case -1: return 0;
	case 'h':
		fputs(o->usage, stdout);
		o->status = FG_EXIT_OK;
		return -1;
	case ':':
		o->status = cli_usage_error(o->cmd, "%s needs an argument",
					    argv[optind - 1]);
		return -1;
	case '?':
		o->status = cli_usage_error(o->cmd, "unknown option '%s'",
					    argv[optind - 1]);
		return -1;
	default: return c;
	}
}
