/*
 * config.c - the FORKGUARD_* options table, parsed once.
 *
 * Each option is one row of options[]: its name, its default, its range
 * and what a value must be; the defaults are set by parsing them as a
 * value would be, and a bad value's warning is built from the row.
 * The only file that reads the environment, and only through
 * secure_getenv(), so a setuid or setgid program ignores it (one note in
 * the log says so).  A malformed value gets one warning line and the
 * default: a typo must never change how the host program forks.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "config.h"
#include "fmt.h"
#include "labels.h"

struct choice {
	const char *name;
	int value;
};

static const struct choice modes[] = {
	{ "observe", FG_MODE_OBSERVE },
	{ "enforce", FG_MODE_ENFORCE },
	{ "remediate", FG_MODE_REMEDIATE },
	{ "off", FG_MODE_OFF },
	{ NULL, 0 },
};
static const struct choice formats[] = {
	{ "text", FG_FORMAT_TEXT },
	{ "json", FG_FORMAT_JSON },
	{ NULL, 0 },
};
static const struct choice reports[] = {
	{ "risky", FG_REPORT_RISKY },
	{ "all", FG_REPORT_ALL },
	{ NULL, 0 },
};
static const struct choice cows[] = {
	{ "warn", FG_COW_WARN },
	{ "protect", FG_COW_PROTECT },
	{ "abort", FG_COW_ABORT },
	{ "off", FG_COW_OFF },
	{ NULL, 0 },
};
/* FORKGUARD_COW_SIGNAL: with or without its "SIG" */
static const struct choice signals[] = {
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM },
	{ "KILL", SIGKILL }, { "INT", SIGINT },	  { "HUP", SIGHUP },
	{ NULL, 0 },
};
/* FORKGUARD_COW_FOLLOW: cow_follow_all */
static const struct choice follows[] = {
	{ "risk", 0 },
	{ "all", 1 },
	{ NULL, 0 },
};
static const struct choice bools[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ NULL, 0 },
};
static const struct choice remedies[] = {
	{ "jemalloc", FG_REMEDY_JEMALLOC },
	{ "trim", FG_REMEDY_TRIM },
	{ "split", FG_REMEDY_SPLIT },
	{ "release", FG_REMEDY_RELEASE },
	{ "all", FG_REMEDY_ALL },
	{ "none", 0 },
	{ NULL, 0 },
};

/* How a value is read into its field of struct fg_config. */
enum kind {
	K_CHOICE,   /* one of @choices: an int (enum) */
	K_BOOL,	    /* one of @choices (0 or 1): a bool */
	K_SIGNAL,   /* one of @choices, "SIG" before it or not: an int */
	K_UINT,	    /* 0..max: an unsigned */
	K_PATH,	    /* an absolute path: a char[FG_PATH_MAX], max bytes kept */
	K_LOG,	    /* stderr, syslog or a path pattern: sink and pattern */
	K_RULE,	    /* a kernel rule's name: enum fg_rule */
	K_REMEDIES, /* a list of @choices: remedies and remedies_asked */
	K_LABELS,   /* name=value,...: a char[max] (parse_labels) */
};

/*
 * The options: each name, its default (as it would be written; NULL: the
 * kind's own: no log file, the running kernel's rule, no metrics), its
 * range, and what a value must be (help; NULL: the choices, or 0..max).
 * A bad value's warning says the help and the default ("using DEFAULT",
 * or @fallback).
 */
static const struct option {
	const char *name;
	enum kind kind;
	size_t off;
	const char *def;
	unsigned max;
	const struct choice *choices;
	const char *help, *unit, *fallback;
} options[] = {
#define F(field) offsetof(struct fg_config, field)
	{ "FORKGUARD_MODE", K_CHOICE, F(mode), "observe", 0, modes, NULL, NULL,
	  NULL },
	{ "FORKGUARD_FORMAT", K_CHOICE, F(format), "text", 0, formats, NULL,
	  NULL, NULL },
	{ "FORKGUARD_REPORT", K_CHOICE, F(report), "risky", 0, reports, NULL,
	  NULL, NULL },
	{ "FORKGUARD_LOG", K_LOG, 0, NULL, 0, NULL,
	  "stderr|syslog|an absolute path", NULL,
	  "using stderr (syslog while fd 2 is closed or /dev/null)" },
	{ "FORKGUARD_PROCFS", K_PATH, F(procfs), "/proc", 0, NULL,
	  "an absolute path", NULL, NULL },
	{ "FORKGUARD_SYSFS", K_PATH, F(sysfs), "/sys", 0, NULL,
	  "an absolute path", NULL, NULL },
	{ "FORKGUARD_COW", K_CHOICE, F(cow), "warn", 0, cows, NULL, NULL,
	  NULL },
	{ "FORKGUARD_COW_SIGNAL", K_SIGNAL, F(cow_signal), "USR1", 0, signals,
	  NULL, NULL, NULL },
	{ "FORKGUARD_COW_FOLLOW", K_BOOL, F(cow_follow_all), "risk", 0, follows,
	  NULL, NULL, NULL },
	{ "FORKGUARD_COW_MARGIN", K_UINT, F(cow_margin_mb), "16", 1048576, NULL,
	  "MiB of room kept below which a child is ended, 0..1048576", NULL,
	  NULL },
	{ "FORKGUARD_COW_BACKOFF", K_UINT, F(cow_backoff_s), "30", 86400, NULL,
	  "seconds during which a risky fork after an abort is refused, "
	  "0..86400",
	  NULL, NULL },
	{ "FORKGUARD_COW_INTERVAL", K_UINT, F(cow_interval_s), "3600",
	  31 * 86400, NULL,
	  "seconds between two reports of the same cow risk, 0 for every "
	  "fork",
	  NULL, NULL },
	{ "FORKGUARD_KERNEL_RULE", K_RULE, F(rule), NULL, 0, NULL,
	  "<=3.0|3.1-3.9|3.10-4.16|4.17-5.1|5.2+", NULL,
	  "using the running kernel's" },
	{ "FORKGUARD_ANON_CHARGED", K_BOOL, F(anon_charged), "0", 0, bools,
	  NULL, NULL, NULL },
	{ "FORKGUARD_RATE_LIMIT", K_UINT, F(rate), "10", 1000000, NULL,
	  "reports per second, 0 for none", NULL, NULL },
	{ "FORKGUARD_REMEDY", K_REMEDIES, F(remedies), "all", 0, remedies,
	  "a list of jemalloc,trim,split,release|all|none", NULL, NULL },
	{ "FORKGUARD_RETRIES", K_UINT, F(retries), "3", 100, NULL, NULL, NULL,
	  NULL },
	{ "FORKGUARD_RETRY_DELAY_MS", K_UINT, F(retry_delay_ms), "200", 60000,
	  NULL, NULL, NULL, NULL },
	/* room for "/forkguard-PID-comm.prom" after the directory */
	{ "FORKGUARD_METRICS", K_PATH, F(metrics_dir), NULL, FG_PATH_MAX - 64,
	  NULL, "an absolute directory path", NULL, "no metrics" },
	{ "FORKGUARD_METRICS_INTERVAL", K_UINT, F(metrics_interval), "15",
	  86400, NULL, NULL, "seconds", NULL },
	{ "FORKGUARD_METRICS_LABELS", K_LABELS, F(metrics_labels), NULL,
	  sizeof(((struct fg_config *)0)->metrics_labels), NULL,
	  "name=value[,name=value...], names [A-Za-z_][A-Za-z0-9_]* but the "
	  "metrics' own, values without \" \\ ,",
	  NULL, "no extra labels" },
#undef F
};

/* "choice|choice", or "0..max [unit]": what @o's value must be. */
static void put_help(struct fg_buf *b, const struct option *o)
{
	const struct choice *c;

	if (o->help) {
		fg_puts(b, o->help);
	} else if (o->choices) {
		for (c = o->choices; c->name; c++) {
			if (c != o->choices)
				fg_putc(b, '|');
			fg_puts(b, c->name);
		}
	} else {
		fg_puts(b, "0..");
		fg_putu(b, o->max);
	}
	if (o->unit) {
		fg_putc(b, ' ');
		fg_puts(b, o->unit);
	}
	fg_puts(b, "; ");
	if (o->fallback) {
		fg_puts(b, o->fallback);
	} else {
		fg_puts(b, "using ");
		fg_puts(b, o->def);
	}
}

/* One line: forkguard: ignoring NAME="value": expected HELP; DEFAULT */
static void warn_line(char *warn, size_t len, const struct option *o,
		      const char *value)
{
	char expect[160];
	struct fg_buf e;
	size_t at = len ? strlen(warn) : 0;
	const char *parts[] = { "forkguard: ignoring ", o->name, "=\"", value,
				"\": expected ",	expect,	 "\n" };
	size_t i, k;

	fg_buf_init(&e, expect, sizeof(expect));
	put_help(&e, o);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (k = 0; parts[i][k] && at + 1 < len; k++) {
			char ch = parts[i][k];

			/* a value is shown, never obeyed: no control bytes */
			warn[at++] = (i == 3 && (ch < 0x20 || ch == 0x7f)) ? '?'
									   : ch;
		}
	if (len)
		warn[at < len ? at : len - 1] = '\0';
}

static bool pick(const struct choice *c, const char *v, int *out)
{
	for (; c->name; c++)
		if (!strcmp(c->name, v)) {
			*out = c->value;
			return true;
		}
	return false;
}

static bool parse_uint(const char *v, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* "jemalloc,trim" → mask; false on an unknown name or an empty item. */
/* @out: the remedies; @named: those named one by one (not by "all") */
static bool parse_remedies(const char *v, unsigned *out, unsigned *named)
{
	char item[16];
	unsigned mask = 0, one = 0;
	int bit;
	size_t n;

	for (;;) {
		n = strcspn(v, ",");
		if (!n || n >= sizeof(item))
			return false;
		memcpy(item, v, n);
		item[n] = '\0';
		if (!pick(remedies, item, &bit))
			return false;
		mask |= (unsigned)bit;
		if (strcmp(item, "all"))
			one |= (unsigned)bit;
		if (!v[n])
			break;
		v += n + 1;
	}
	*out = mask;
	*named = one;
	return true;
}

static bool parse_path(const char *v, char *dst, size_t len)
{
	size_t n = strlen(v);

	if (v[0] != '/' || n >= len)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

void fg_config_expand_pid(struct fg_config *c, pid_t pid)
{
	struct fg_buf b;
	const char *p;

	fg_buf_init(&b, c->log_path, sizeof(c->log_path));
	for (p = c->log_pattern; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			fg_putu(&b, (uint64_t)pid);
			p++;
		} else {
			fg_putc(&b, *p);
		}
	}
}

/* FORKGUARD_LOG: stderr, syslog, or an absolute path (%p: the pid) */
static bool parse_log(const char *v, struct fg_config *c)
{
	if (!v) {
		c->sink = FG_SINK_AUTO;
	} else if (!strcmp(v, "stderr")) {
		c->sink = FG_SINK_STDERR;
	} else if (!strcmp(v, "syslog")) {
		c->sink = FG_SINK_SYSLOG;
	} else if (parse_path(v, c->log_pattern, sizeof(c->log_pattern))) {
		c->sink = FG_SINK_FILE;
		c->log_path_per_pid = strstr(v, "%p") != NULL;
	} else {
		return false;
	}
	return true;
}

/* Set @o's field of @c from @v (NULL: the kind's own default). */
static bool apply(const struct option *o, const char *v, struct fg_config *c)
{
	char *field = (char *)c + o->off;
	enum fg_rule rule;
	int x;

	switch (o->kind) {
	case K_CHOICE:
		if (!v || !pick(o->choices, v, &x))
			return false;
		*(int *)(void *)field = x;
		return true;
	case K_BOOL:
		if (!v || !pick(o->choices, v, &x))
			return false;
		*(bool *)field = x;
		return true;
	case K_SIGNAL:
		if (!v ||
		    !pick(o->choices, strncmp(v, "SIG", 3) ? v : v + 3, &x))
			return false;
		*(int *)(void *)field = x;
		return true;
	case K_UINT:
		return v && parse_uint(v, o->max, (unsigned *)(void *)field);
	case K_PATH:
		if (!v) {
			field[0] = '\0';
			return true;
		}
		return parse_path(v, field, o->max ? o->max : FG_PATH_MAX);
	case K_LOG: return parse_log(v, c);
	case K_RULE:
		rule = v ? fg_rule_from_name(v) : FG_RULE_RUNNING;
		if (rule == FG_RULE_COUNT)
			return false;
		c->rule = rule;
		return true;
	case K_REMEDIES:
		return v && parse_remedies(v, &c->remedies, &c->remedies_asked);
	case K_LABELS:
		if (!v) {
			field[0] = '\0';
			return true;
		}
		return fg_labels_parse(v, field, o->max);
	}
	return false;
}

int fg_config_parse(struct fg_config *c, const char *(*get)(const char *),
		    char *warn, size_t len)
{
	const struct option *o;
	const char *v;
	int bad = 0;

	memset(c, 0, sizeof(*c));
	if (len)
		warn[0] = '\0';
	for (o = options; o < options + sizeof(options) / sizeof(options[0]);
	     o++) {
		apply(o, o->def, c);
		if ((v = get(o->name)) && *v && !apply(o, v, c)) {
			warn_line(warn, len, o, v);
			bad++;
		}
	}
	if (c->sink == FG_SINK_FILE)
		fg_config_expand_pid(c, getpid());
	return bad;
}

static struct fg_config config;
static char warnings[1024];
static int config_state; /* 0 new, 1 parsing, 2 ready */

static const char *env(const char *name)
{
	return secure_getenv(name);
}

const struct fg_config *fg_config(void)
{
	int expect = 0;

	if (__atomic_load_n(&config_state, __ATOMIC_ACQUIRE) == 2)
		return &config;
	if (__atomic_compare_exchange_n(&config_state, &expect, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		fg_config_parse(&config, env, warnings, sizeof(warnings));
		config.secure = getauxval(AT_SECURE) != 0;
		if (config.secure)
			strcpy(warnings, "forkguard: setuid/setgid program: "
					 "FORKGUARD_* variables are ignored\n");
		__atomic_store_n(&config_state, 2, __ATOMIC_RELEASE);
		return &config;
	}
	/* being parsed by another thread or a handler we interrupted */
	return NULL;
}

int fg_config_from_env(struct fg_config *c, char *warn, size_t len)
{
	return fg_config_parse(c, env, warn, len);
}

const char *fg_config_warnings(void)
{
	return fg_config() ? warnings : "";
}
