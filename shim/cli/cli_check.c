/*
 * cli_check.c - `forkguard check`: evaluate running processes from outside
 * (its options; the PIDs named are checked by cli_check_pids.c, --all by
 * cli_check_all.c).
 *
 * The same tiered check the library runs before a fork (fg_check_task:
 * statm bound, then maps, then smaps only when the bounds do not clear the
 * limit), applied to another process through /proc/PID, and rendered by
 * the library's own fg_report_text / fg_report_json with call "check".
 * The host's facts are read once per invocation, so `--all` costs one
 * status + statm read per process on a host in a safe state.
 *
 * Exit status: 0 pass, 1 fail, 2 borderline, 3 could not evaluate; with
 * several processes the worst, where fail > borderline > could not
 * evaluate > pass (a predicted failure is the most urgent news).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_check_all.h"
#include "cli_check_pids.h"
#include "cli_check_prom.h"

static const char usage[] =
    "usage: forkguard check [OPTIONS] PID...\n"
    "       forkguard check [OPTIONS] --all\n"
    "\n"
    "Evaluate, from outside, whether each process's fork would pass the\n"
    "kernel's overcommit check now, and print the diagnosis the library\n"
    "would log, whether its copies-on-write would fit, and (one PID, in\n"
    "text) whether libforkguard is loaded in it, in which mode, and where\n"
    "its reports go.  Root may check any process, a user its own.\n"
    "\n"
    "  -a, --all              every process whose fork would fail or is\n"
    "                         borderline, largest charge first; then\n"
    "                         those at copy-on-write risk\n"
    "  -j, --json             one JSON object per process and line (the\n"
    "                         library's keys, \"call\":\"check\")\n"
    "  -f, --format FMT       text (default), json (= --json) or\n"
    "                         prometheus: per process its margin to the\n"
    "                         binding limit, its verdict (0 ok, 1\n"
    "                         borderline, 2 fail) and its copy-on-write\n"
    "                         risk, worst copy and headroom; with --all,\n"
    "                         every process, not only the risky ones\n"
    "  -e, --exact            always read smaps for the exact charge\n"
    "  -p, --procfs DIR       read DIR instead of /proc (recorded "
    "snapshots;\n"
    "                         PID may then be `self`)\n"
    "  -s, --sysfs DIR        read cgroups and THP under DIR instead of\n"
    "                         /sys (the copy-on-write headroom)\n"
    "  -k, --kernel-rule R    apply rule R instead of the one for the\n"
    "                         kernel release: <=3.0 3.1-3.9 3.10-4.16\n"
    "                         4.17-5.1 5.2+\n"
    "      --anon-charged     state that no anonymous mapping of these\n"
    "                         processes is MAP_NORESERVE or MADV_DONTFORK\n"
    "                         (kernels before 3.8 do not show it)\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 would pass, 1 would fail, 2 borderline, 3 could not\n"
    "evaluate (the reason is on stderr; a zombie or a kernel thread is\n"
    "\"not applicable\": it has no memory map); several processes: the\n"
    "worst, fail > borderline > could not evaluate > pass, with --all\n"
    "too (processes this user cannot read count as could not evaluate);\n"
    "64 usage error.  --all --json ends with one summary object.\n";

int cli_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "exact", no_argument, NULL, 'e' },
		{ "procfs", required_argument, NULL, 'p' },
		{ "sysfs", required_argument, NULL, 's' },
		{ "kernel-rule", required_argument, NULL, 'k' },
		{ "anon-charged", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts g = { "check", ":ajf:ep:s:k:h", longopts, usage, 0 };
	struct cli_check_opts o = { .root = "/proc",
				    .sysfs = "/sys",
				    .rule = FG_RULE_RUNNING };
	struct fg_sys s;
	pid_t pid;
	int c, i;

	while ((c = cli_next_opt(&g, argc, argv)) > 0) {
		switch (c) {
		case 'a': o.all = true; break;
		case 'j': o.json = true; break;
		case 'f':
			o.json = !strcmp(optarg, "json");
			o.prom = !strcmp(optarg, "prometheus");
			if (!o.json && !o.prom && strcmp(optarg, "text"))
				return cli_usage_error(
				    "check",
				    "unknown format '%s': expected "
				    "text, json or prometheus",
				    optarg);
			break;
		case 'e': o.exact = true; break;
		case 'p': o.root = optarg; break;
		case 'A': o.anon_charged = true; break;
		case 's': o.sysfs = optarg; break;
		case 'k':
			o.rule = cli_parse_rule("check", optarg);
			if (o.rule == FG_RULE_COUNT)
				return FG_EXIT_USAGE;
			break;
		}
	}
	if (c < 0)
		return g.status;
	if (!o.root[0])
		return cli_usage_error("check", "--procfs needs a directory");
	if (o.all && optind < argc)
		return cli_usage_error("check", "--all takes no PID");
	if (!o.all && optind == argc)
		return cli_usage_error("check", "no PID given (or --all)");
	for (i = optind; i < argc; i++)
		if (!cli_check_parse_pid(argv[i], &pid))
			return cli_usage_error("check", "'%s' is not a PID",
					       argv[i]);
	if (cli_sys_read("check", o.root, o.rule, &s))
		return FG_EXIT_UNKNOWN;
	s.anon_charged = o.anon_charged;
	c = o.all ? cli_check_all(&o, &s)
		  : cli_check_pids(&o, &s, argv + optind, argc - optind);
	if ((o.prom && cli_prom_flush()) || fflush(stdout)) {
		cli_error("check", "cannot write the report: %s",
			  strerror(errno));
		return FG_EXIT_UNKNOWN;
	}
	return c;
}
