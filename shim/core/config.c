/*
 * config.c - the FORKGUARD_* options table, parsed once.
 *
 * The only file that reads the environment, and only through
 * secure_getenv(), so a setuid or setgid program ignores it (one note in
 * the log says so).  A malformed value gets one warning line and the
 * default: a typo must never change how the host program forks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "config.h"
#include "fmt.h"

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
	{ "off", FG_COW_OFF },
	{ "protect", FG_COW_PROTECT },
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

static void warn_line(char *warn, size_t len, const char *name,
		      const char *value, const char *expect)
{
	size_t at = len ? strlen(warn) : 0;
	const char *parts[] = { "forkguard: ignoring ", name,	"=\"", value,
				"\": expected ",	expect, "\n" };
	size_t i, k;

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

/* labels a sample already has, or that Prometheus keeps for itself */
static bool label_reserved(const char *name, size_t n)
{
	static const char *const taken[] = { "comm",  "pid",	 "pidns",
					     "call",  "verdict", "outcome",
					     "errno", "remedy",	 "result",
					     "le",    NULL };

	if (n >= 2 && name[0] == '_' && name[1] == '_')
		return true;
	for (const char *const *t = taken; *t; t++)
		if (strlen(*t) == n && !strncmp(*t, name, n))
			return true;
	return false;
}

/* FORKGUARD_METRICS_LABELS: name=value[,name=value...], names as
 * Prometheus wants them, values without " \ , or control bytes */
static bool parse_labels(const char *v, char *dst, size_t len)
{
	const char *p = v;

	if (strlen(v) >= len)
		return false;
	while (*p) {
		const char *name = p;

		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '_'))
			return false;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		if (*p != '=' || label_reserved(name, (size_t)(p - name)))
			return false;
		for (p++; *p && *p != ','; p++)
			if (*p == '"' || *p == '\\' ||
			    (unsigned char)*p < 0x20 || *p == 0x7f)
				return false;
		if (*p == ',' && !*++p)
			return false;
	}
	memcpy(dst, v, strlen(v) + 1);
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

int fg_config_parse(struct fg_config *c, const char *(*get)(const char *),
		    char *warn, size_t len)
{
	const char *v;
	int bad = 0, x;

	memset(c, 0, sizeof(*c));
	if (len)
		warn[0] = '\0';
	c->rule = FG_RULE_RUNNING;
	c->rate = 10;
	c->remedies = FG_REMEDY_ALL;
	c->retries = 3;
	c->retry_delay_ms = 200;
	c->metrics_interval = 15;
	strcpy(c->procfs, "/proc");
	strcpy(c->sysfs, "/sys");
	c->cow_interval_s = 3600;

#define BAD(name, expect)                              \
	do {                                           \
		warn_line(warn, len, name, v, expect); \
		bad++;                                 \
	} while (0)

	if ((v = get("FORKGUARD_MODE")) && *v) {
		if (pick(modes, v, &x))
			c->mode = (enum fg_mode)x;
		else
			BAD("FORKGUARD_MODE",
			    "observe|enforce|remediate|off; using observe");
	}
	if ((v = get("FORKGUARD_FORMAT")) && *v) {
		if (pick(formats, v, &x))
			c->format = (enum fg_format)x;
		else
			BAD("FORKGUARD_FORMAT", "text|json; using text");
	}
	if ((v = get("FORKGUARD_REPORT")) && *v) {
		if (pick(reports, v, &x))
			c->report = (enum fg_report)x;
		else
			BAD("FORKGUARD_REPORT", "risky|all; using risky");
	}
	if ((v = get("FORKGUARD_LOG")) && *v) {
		if (!strcmp(v, "stderr"))
			c->sink = FG_SINK_STDERR;
		else if (!strcmp(v, "syslog"))
			c->sink = FG_SINK_SYSLOG;
		else if (parse_path(v, c->log_pattern,
				    sizeof(c->log_pattern))) {
			c->sink = FG_SINK_FILE;
			c->log_path_per_pid = strstr(v, "%p") != NULL;
		} else
			BAD("FORKGUARD_LOG",
			    "stderr|syslog|an absolute path; using stderr "
			    "(syslog while fd 2 is closed or /dev/null)");
	}
	if ((v = get("FORKGUARD_PROCFS")) && *v &&
	    !parse_path(v, c->procfs, sizeof(c->procfs)))
		BAD("FORKGUARD_PROCFS", "an absolute path; using /proc");
	if ((v = get("FORKGUARD_SYSFS")) && *v &&
	    !parse_path(v, c->sysfs, sizeof(c->sysfs)))
		BAD("FORKGUARD_SYSFS", "an absolute path; using /sys");
	if ((v = get("FORKGUARD_COW")) && *v) {
		if (pick(cows, v, &x))
			c->cow = (enum fg_cow_mode)x;
		else
			BAD("FORKGUARD_COW", "warn|protect|off; using warn");
	}
	if ((v = get("FORKGUARD_COW_INTERVAL")) && *v &&
	    !parse_uint(v, 31 * 86400, &c->cow_interval_s))
		BAD("FORKGUARD_COW_INTERVAL",
		    "seconds between two reports of the same cow risk, 0 "
		    "for every fork; using 3600");
	if ((v = get("FORKGUARD_KERNEL_RULE")) && *v) {
		enum fg_rule rule = fg_rule_from_name(v);

		if (rule != FG_RULE_COUNT)
			c->rule = rule;
		else
			BAD("FORKGUARD_KERNEL_RULE",
			    "<=3.0|3.1-3.9|3.10-4.16|4.17-5.1|5.2+; using "
			    "the running kernel's");
	}
	if ((v = get("FORKGUARD_ANON_CHARGED")) && *v) {
		if (!strcmp(v, "0") || !strcmp(v, "1"))
			c->anon_charged = *v == '1';
		else
			BAD("FORKGUARD_ANON_CHARGED", "0|1; using 0");
	}
	if ((v = get("FORKGUARD_RATE_LIMIT")) && *v &&
	    !parse_uint(v, 1000000, &c->rate))
		BAD("FORKGUARD_RATE_LIMIT",
		    "reports per second, 0 for none; using 10");
	if ((v = get("FORKGUARD_REMEDY")) && *v &&
	    !parse_remedies(v, &c->remedies, &c->remedies_asked))
		BAD("FORKGUARD_REMEDY",
		    "a list of jemalloc,trim,split,release|all|none; using "
		    "all");
	if ((v = get("FORKGUARD_RETRIES")) && *v &&
	    !parse_uint(v, 100, &c->retries))
		BAD("FORKGUARD_RETRIES", "0..100; using 3");
	if ((v = get("FORKGUARD_RETRY_DELAY_MS")) && *v &&
	    !parse_uint(v, 60000, &c->retry_delay_ms))
		BAD("FORKGUARD_RETRY_DELAY_MS", "0..60000; using 200");
	if ((v = get("FORKGUARD_METRICS")) && *v &&
	    !parse_path(v, c->metrics_dir, sizeof(c->metrics_dir) - 64))
		BAD("FORKGUARD_METRICS",
		    "an absolute directory path; no metrics");
	if ((v = get("FORKGUARD_METRICS_LABELS")) && *v &&
	    !parse_labels(v, c->metrics_labels, sizeof(c->metrics_labels)))
		BAD("FORKGUARD_METRICS_LABELS",
		    "name=value[,name=value...] (names [A-Za-z_][A-Za-z0-9_]* "
		    "but comm, pid and the metrics' own, values without "
		    "\\\" \\\\ ,); no extra labels");
	if ((v = get("FORKGUARD_METRICS_INTERVAL")) && *v &&
	    !parse_uint(v, 86400, &c->metrics_interval))
		BAD("FORKGUARD_METRICS_INTERVAL", "0..86400 seconds; using 15");
#undef BAD
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
