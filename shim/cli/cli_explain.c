/*
 * cli_explain.c - `forkguard explain`: the host's overcommit policy in words
 * (the facts are gathered by cli_explain_host.c).
 *
 * Everything an operator needs before touching vm.overcommit_*: the mode
 * and what it refuses on this kernel's rule, the numbers behind
 * CommitLimit, how large a fork may be right now under mode 0 (the
 * largest single accountable VMA) and under mode 2 (allowed - committed),
 * whether this is a container (where the host-wide sysctl cannot be set),
 * and the usual tug of war: Redis wants mode 1, PostgreSQL recommends 2.
 * Nothing is written anywhere; the sysctl's writability is only asked
 * with access(2).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "cli_explain_host.h"
#include "report_rule.h"
#include "fmt.h"
#include "report_cow.h"

static const char usage[] =
    "usage: forkguard explain [OPTIONS]\n"
    "\n"
    "Describe the host's overcommit policy: mode, ratio/kbytes,\n"
    "CommitLimit, Committed_AS, reserves, RAM/swap, transparent huge\n"
    "pages, the kernel rule, the largest fork that would pass now in mode\n"
    "0 and in mode 2, whether this is a container, and the usual\n"
    "conflicts (Redis wants mode 1, PostgreSQL recommends mode 2).\n"
    "\n"
    "  -j, --json             one JSON object\n"
    "  -p, --procfs DIR       read DIR instead of /proc (the container\n"
    "                         and THP facts are then unknown)\n"
    "  -s, --sysfs DIR        read cgroups and THP under DIR instead of\n"
    "                         /sys (with --procfs: the copy-on-write\n"
    "                         headroom of the recorded process `self`)\n"
    "  -k, --kernel-rule R    apply rule R instead of the release's\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0, 3 if the policy cannot be read, 64 usage error.\n";

/* The conflicts, each one sentence; @i-th into @b; false past the end. */
static bool conflict(const struct cli_host *h, unsigned i, struct fg_buf *b)
{
	char x[32];

	switch (i) {
	case 0:
		if (h->s.mode == FG_OVERCOMMIT_ALWAYS) {
			fg_puts(b, "Redis: satisfied (it asks for "
				   "vm.overcommit_memory=1)");
			return true;
		}
		fg_puts(b, "Redis: logs \"WARNING Memory overcommit must be "
			   "enabled!\" at start unless vm.overcommit_memory=1");
		if (h->s.mode == FG_OVERCOMMIT_NEVER)
			fg_puts(b, "; in mode 2 every BGSAVE/AOF rewrite fork "
				   "is charged the whole accountable heap "
				   "again, and ENOMEM follows once it exceeds "
				   "the room left");
		else
			fg_puts(b, "; in mode 0 a fork is refused only by a "
				   "VMA the rule rejects (see above)");
		return true;
	case 1:
		if (h->s.mode == FG_OVERCOMMIT_NEVER) {
			fg_puts(b, "PostgreSQL: satisfied (its documentation "
				   "recommends vm.overcommit_memory=2)");
			return true;
		}
		fg_puts(b, "PostgreSQL: its documentation recommends "
			   "vm.overcommit_memory=2 so the OOM killer spares "
			   "the postmaster; in mode 2 every fork would count "
			   "against CommitLimit (room now ");
		fg_puts(b, cli_size(h->mode2_room_kb, x));
		fg_putc(b, ')');
		return true;
	case 2:
		if (!h->redis.n || !h->postgres.n)
			return false;
		fg_puts(b, "both Redis and PostgreSQL run here: no one mode "
			   "satisfies both; forkguard check --all shows "
			   "which forks the current mode would refuse");
		return true;
	default: return false;
	}
}

static void put_pids(struct fg_buf *b, const struct cli_procs *p, bool json)
{
	unsigned i;

	for (i = 0; i < p->n; i++) {
		if (i)
			fg_puts(b, json ? "," : " ");
		fg_putu(b, (uint64_t)p->pid[i]);
	}
}

static void key_tri(struct fg_buf *b, const char *k, int v)
{
	fg_json_key(b, k);
	fg_puts(b, v < 0 ? "null" : v ? "true" : "false");
}

static void json(struct fg_buf *b, const struct cli_host *h)
{
	const struct fg_sys *s = &h->s;
	char tmp[1024];
	struct fg_buf t;
	unsigned i;

	fg_putc(b, '{');
	fg_json_s(b, "event", "explain");
	fg_json_key(b, "overcommit_mode");
	fg_puti(b, s->mode);
	fg_json_s(b, "mode_name", fg_mode_word(s->mode));
	fg_json_u(b, "overcommit_ratio", s->ratio);
	fg_json_u(b, "overcommit_kbytes", s->kbytes);
	fg_json_u(b, "commit_limit_kb", s->commit_limit_kb);
	fg_json_u(b, "committed_kb", s->committed_kb);
	fg_json_u(b, "admin_reserve_kb", s->admin_reserve_kb);
	fg_json_u(b, "user_reserve_kb", s->user_reserve_kb);
	fg_json_u(b, "mem_total_kb", s->mem_total_kb);
	fg_json_u(b, "mem_free_kb", s->mem_free_kb);
	fg_json_u(b, "swap_total_kb", s->swap_total_kb);
	fg_json_u(b, "swap_free_kb", s->swap_free_kb);
	fg_json_u(b, "hugetlb_kb", s->hugetlb_kb);
	fg_json_s(b, "thp", h->thp[0] ? h->thp : NULL);
	fg_json_s(b, "kernel", s->release);
	fg_json_s(b, "kernel_rule", fg_rule_name(s->rule));
	fg_json_u(b, "max_fork_mode0_kb", h->mode0_max_kb);
	fg_json_u(b, "mode2_allowed_kb", h->mode2_allowed_kb);
	fg_json_u(b, "max_fork_mode2_kb", h->mode2_room_kb);
	key_tri(b, "container", h->live ? h->container : -1);
	key_tri(b, "user_ns_initial", h->init_ns);
	key_tri(b, "dockerenv", h->live ? h->dockerenv : -1);
	key_tri(b, "containerenv", h->live ? h->containerenv : -1);
	fg_json_s(b, "cgroup", h->cgroup[0] ? h->cgroup : NULL);
	key_tri(b, "sysctl_writable", h->writable);
	fg_json_key(b, "redis_pids");
	fg_putc(b, '[');
	put_pids(b, &h->redis, true);
	fg_putc(b, ']');
	fg_json_key(b, "postgres_pids");
	fg_putc(b, '[');
	put_pids(b, &h->postgres, true);
	fg_putc(b, ']');
	fg_json_key(b, "conflicts");
	fg_putc(b, '[');
	for (i = 0;; i++) {
		fg_buf_init(&t, tmp, sizeof(tmp));
		if (!conflict(h, i, &t))
			break;
		if (i)
			fg_putc(b, ',');
		fg_putjs(b, tmp);
	}
	fg_puts(b, "],\"cow\":");
	if (h->cow.checked) {
		fg_buf_init(&t, tmp, sizeof(tmp));
		fg_putc(&t, '{');
		fg_report_cow_json(&t, &h->cow, NULL);
		fg_putc(&t, '}');
		fg_puts(b, tmp);
	} else
		fg_puts(b, "null");
	fg_puts(b, "}\n");
}

static void text(struct fg_buf *b, const struct cli_host *h, const char *root)
{
	const struct fg_sys *s = &h->s;
	char x[32], y[32], z[32];
	char tmp[1024];
	struct fg_buf t;
	unsigned i;

	fg_puts(b, "forkguard explain (");
	fg_puts(b, root);
	fg_puts(b, ")\n  kernel ");
	fg_puts(b, s->release[0] ? s->release : "?");
	fg_puts(b, ": the ");
	fg_puts(b, fg_rule_name(s->rule));
	fg_puts(
	    b,
	    " rule of __vm_enough_memory applies\n  vm.overcommit_memory = ");
	fg_puti(b, s->mode);
	fg_puts(b, " (");
	fg_describe_mode(b, s);
	fg_puts(b, ")\n");
	fg_describe_policy(b, s, h->mode0_max_kb, h->mode2_allowed_kb,
			   h->mode2_room_kb);
	fg_puts(b, "  vm.overcommit_ratio = ");
	fg_putu(b, s->ratio);
	fg_puts(b, "%, vm.overcommit_kbytes = ");
	fg_putu(b, s->kbytes);
	fg_puts(b, s->kbytes ? "" : " (unset: the ratio applies)");
	fg_puts(b, "\n  CommitLimit ");
	fg_puts(b, cli_size(s->commit_limit_kb, x));
	fg_puts(b, " (= ");
	fg_describe_commit_limit(b, s);
	fg_putc(b, ')');
	fg_puts(b, s->mode == FG_OVERCOMMIT_NEVER
		       ? ", enforced"
		       : ", enforced only in mode 2");
	fg_puts(b, "; Committed_AS ");
	fg_puts(b, cli_size(s->committed_kb, y));
	if (s->commit_limit_kb) {
		fg_puts(b, " (");
		fg_putu(b, s->committed_kb * 100 / s->commit_limit_kb);
		fg_puts(b, "%)");
	}
	fg_puts(b, "\n  reserves: admin_reserve_kbytes ");
	fg_puts(b, cli_size(s->admin_reserve_kb, x));
	fg_puts(b, " (kept from processes without CAP_SYS_ADMIN), "
		   "user_reserve_kbytes ");
	fg_puts(b, cli_size(s->user_reserve_kb, y));
	fg_puts(b, "\n  RAM ");
	fg_puts(b, cli_size(s->mem_total_kb, x));
	fg_puts(b, " (free ");
	fg_puts(b, cli_size(s->mem_free_kb, y));
	fg_puts(b, "), swap ");
	fg_puts(b, cli_size(s->swap_total_kb, z));
	fg_puts(b, " (free ");
	fg_puts(b, cli_size(s->swap_free_kb, x));
	fg_puts(b, "), hugetlb ");
	fg_puts(b, cli_size(s->hugetlb_kb, y));
	fg_puts(b, "\n  transparent huge pages: ");
	fg_puts(b, h->thp[0] ? h->thp : "unknown");
	if (!strcmp(h->thp, "always"))
		fg_puts(b, " (Redis warns: copy-on-write of 2 MiB pages after "
			   "a fork costs memory and latency)");
	fg_puts(b, "\n  largest fork that would pass now:\n    mode 0");
	fg_puts(b, s->mode == FG_OVERCOMMIT_GUESS ? " (current)" : "");
	fg_puts(b, ": one accountable VMA up to ");
	fg_puts(b, cli_size(h->mode0_max_kb, x));
	fg_puts(b, "\n    mode 2");
	fg_puts(b, s->mode == FG_OVERCOMMIT_NEVER ? " (current)" : "");
	fg_puts(b, ": a total charge below ");
	fg_puts(b, cli_size(h->mode2_room_kb, y));
	fg_puts(b, " (allowed ");
	fg_puts(b, cli_size(h->mode2_allowed_kb, z));
	fg_puts(b, " - Committed_AS; less min(VSZ/32, user_reserve) for the "
		   "forking process, plus admin_reserve for root)");
	fg_puts(b, "\n  container: ");
	if (!h->live) {
		fg_puts(b, "unknown (--procfs)");
	} else {
		fg_puts(b, h->container ? "yes (" : "no (");
		fg_puts(b, h->init_ns
			       ? "initial user namespace"
			       : "user namespace is not the initial one");
		if (h->dockerenv)
			fg_puts(b, ", /.dockerenv");
		if (h->containerenv)
			fg_puts(b, ", /run/.containerenv");
		fg_puts(b, ", cgroup ");
		fg_puts(b, h->cgroup[0] ? h->cgroup : "?");
		fg_putc(b, ')');
		if (h->container && h->writable == 1)
			fg_puts(b,
				": vm.overcommit_* are host-wide, not per "
				"container; /proc/sys is writable here, so a "
				"change would apply to the whole host and "
				"every container on it");
		else if (h->container)
			fg_puts(b, ": vm.overcommit_* are host-wide and cannot "
				   "be set from here; change them on the host");
		else if (h->writable == 1)
			fg_puts(b, ": this user can set vm.overcommit_* "
				   "(sysctl -w, persist in /etc/sysctl.d/)");
		else
			fg_puts(b,
				": root on this host can set vm.overcommit_* "
				"(sysctl -w, persist in /etc/sysctl.d/)");
	}
	if (h->redis.n || h->postgres.n) {
		fg_puts(b, "\n  running here:");
		if (h->redis.n) {
			fg_puts(b, " redis-server (pid ");
			put_pids(b, &h->redis, false);
			fg_putc(b, ')');
		}
		if (h->postgres.n) {
			fg_puts(b, " postgres (pid ");
			put_pids(b, &h->postgres, false);
			fg_putc(b, ')');
		}
	}
	for (i = 0;; i++) {
		fg_buf_init(&t, tmp, sizeof(tmp));
		if (!conflict(h, i, &t))
			break;
		fg_puts(b, "\n  conflict: ");
		fg_puts(b, tmp);
	}
	fg_putc(b, '\n');
	if (h->cow.checked) {
		fg_puts(b, "  a fork from this cgroup (the headroom is the "
			   "largest private anonymous RSS that fits):\n");
		fg_report_cow_text(b, &h->cow, NULL);
	}
}

int cli_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "procfs", required_argument, NULL, 'p' },
		{ "sysfs", required_argument, NULL, 's' },
		{ "kernel-rule", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts g = { "explain", ":jp:s:k:h", longopts, usage, 0 };
	const char *root = "/proc", *sysfs = NULL;
	struct cli_host h = { 0 };
	char out[16384];
	struct fg_buf b;
	bool as_json = false;
	enum fg_rule rule = FG_RULE_RUNNING;
	int c;

	while ((c = cli_next_opt(&g, argc, argv)) > 0) {
		switch (c) {
		case 'j': as_json = true; break;
		case 'p': root = optarg; break;
		case 's': sysfs = optarg; break;
		case 'k':
			rule = cli_parse_rule("explain", optarg);
			if (rule == FG_RULE_COUNT)
				return FG_EXIT_USAGE;
			break;
		}
	}
	if (c < 0)
		return g.status;
	if (optind < argc)
		return cli_usage_error("explain", "unexpected argument '%s'",
				       argv[optind]);
	if (cli_sys_read("explain", root, rule, &h.s))
		return FG_EXIT_UNKNOWN;
	cli_explain_gather(root, sysfs, &h);
	fg_buf_init(&b, out, sizeof(out));
	if (as_json)
		json(&b, &h);
	else
		text(&b, &h, root);
	if (b.full) {
		cli_error("explain", "the report does not fit its buffer");
		return FG_EXIT_UNKNOWN;
	}
	if (fwrite(out, 1, b.at, stdout) != b.at || fflush(stdout)) {
		cli_error("explain", "cannot write the report: %s",
			  strerror(errno));
		return FG_EXIT_UNKNOWN;
	}
	return FG_EXIT_OK;
}
