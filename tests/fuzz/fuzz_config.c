/*
 * fuzz_config - fg_config_parse() with values served by its lookup function.
 *
 * The input is split into NAME=VALUE lines (an environment); each value is
 * an exactly-sized heap copy.  The parse runs with a roomy warning buffer,
 * where there must be one clean line per bad value, and with a small or
 * empty one, where the text is cut but the configuration is the same.
 * Every field must be in its range whatever the values.
 */
#include <signal.h>

#include "fuzz.h"
#include "config.h"

#define MAX_VARS 64

static struct var {
	char *name, *value;
} vars[MAX_VARS];
static size_t nvars;

static const char *lookup(const char *name)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (!strcmp(vars[i].name, name))
			return vars[i].value;
	return NULL;
}

static void check_config(const struct fg_config *c)
{
	FZ_ASSERT((unsigned)c->mode <= FG_MODE_OFF);
	FZ_ASSERT((unsigned)c->sink <= FG_SINK_FILE);
	FZ_ASSERT((unsigned)c->format <= FG_FORMAT_JSON);
	FZ_ASSERT((unsigned)c->report <= FG_REPORT_ALL);
	FZ_ASSERT(c->rule >= FG_RULE_RUNNING && c->rule < FG_RULE_COUNT);
	FZ_ASSERT(c->rate <= 1000000 && c->retries <= 100 &&
		  c->retry_delay_ms <= 60000);
	FZ_ASSERT(!(c->remedies & ~FG_REMEDY_ALL));
	FZ_ASSERT(fz_terminated(c->procfs, sizeof(c->procfs)));
	FZ_ASSERT(c->procfs[0] == '/');
	FZ_ASSERT(fz_terminated(c->log_pattern, sizeof(c->log_pattern)));
	FZ_ASSERT(fz_terminated(c->log_path, sizeof(c->log_path)));
	FZ_ASSERT(fz_terminated(c->sysfs, sizeof(c->sysfs)));
	FZ_ASSERT(c->sysfs[0] == '/');
	FZ_ASSERT(fz_terminated(c->metrics_dir, sizeof(c->metrics_dir)));
	FZ_ASSERT(!c->metrics_dir[0] || c->metrics_dir[0] == '/');
	FZ_ASSERT(c->metrics_interval <= 86400);
	FZ_ASSERT((unsigned)c->cow <= FG_COW_ABORT);
	FZ_ASSERT(c->cow_interval_s <= 31 * 86400);
	FZ_ASSERT(c->cow_signal == SIGUSR1 || c->cow_signal == SIGUSR2 ||
		  c->cow_signal == SIGTERM || c->cow_signal == SIGKILL ||
		  c->cow_signal == SIGINT || c->cow_signal == SIGHUP);
	FZ_ASSERT(c->cow_margin_mb <= 1048576 && c->cow_backoff_s <= 86400);
	FZ_ASSERT(fz_terminated(c->metrics_labels, sizeof(c->metrics_labels)));
	if (c->sink == FG_SINK_FILE)
		FZ_ASSERT(c->log_pattern[0] == '/' && c->log_path[0] == '/');
}

/*
 * How many FORKGUARD_* variables the parse can see set: distinct names
 * (the lookup serves the first) with a non-empty value (empty is unset).
 * Each can be bad at most once, whatever options the parser grows.
 */
static int set_variables(void)
{
	int n = 0;
	size_t i, j;

	for (i = 0; i < nvars; i++) {
		if (strncmp(vars[i].name, "FORKGUARD_", 10) ||
		    !vars[i].value[0])
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(vars[j].name, vars[i].name))
				break;
		n += j == i;
	}
	return n;
}

/*
 * One line per bad value, each "forkguard: ignoring NAME...\n" where NAME
 * is a variable that is set, no control characters.
 */
static void check_warnings(const char *w, int bad)
{
	int lines = 0;
	const char *p;

	for (p = w; *p; p++) {
		if (*p == '\n')
			lines++;
		else
			FZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	FZ_ASSERT(lines == bad);
	for (p = w; *p; p = strchr(p, '\n') + 1) {
		const char *name = p + 20;
		size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		char *copy;

		FZ_ASSERT(!strncmp(p, "forkguard: ignoring FORKGUARD_", 30));
		copy = fz_str(name, n);
		FZ_ASSERT(lookup(copy) && *lookup(copy));
		free(copy);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_config c1, c2;
	size_t start = 0, i, len = size % 200, roomy = 10 * (size + 128);
	char *big = malloc(roomy), *small = malloc(len);
	int bad, bad2;

	nvars = 0;
	for (i = 0; i <= size && nvars < MAX_VARS; i++) {
		const uint8_t *eq;

		if (i < size && data[i] != '\n')
			continue;
		eq = memchr(data + start, '=', i - start);
		if (eq) {
			vars[nvars].name = fz_str(data + start,
						  (size_t)(eq - data - start));
			vars[nvars].value = fz_str(eq + 1,
						   i - (size_t)(eq + 1 - data));
			nvars++;
		}
		start = i + 1;
	}

	bad = fg_config_parse(&c1, lookup, big, roomy);
	FZ_ASSERT(bad >= 0 && bad <= set_variables());
	FZ_ASSERT(fz_terminated(big, roomy));
	check_warnings(big, bad);
	check_config(&c1);

	bad2 = fg_config_parse(&c2, lookup, small, len);
	FZ_ASSERT(bad2 == bad);
	if (len) {
		FZ_ASSERT(fz_terminated(small, len));
		FZ_ASSERT(!strncmp(small, big, strlen(small)));
	}
	FZ_ASSERT(!memcmp(&c1, &c2, sizeof(c1)));

	if (c1.sink == FG_SINK_FILE) {
		fg_config_expand_pid(&c1, (pid_t)(size * 2654435761u));
		check_config(&c1);
	}

	for (i = 0; i < nvars; i++) {
		free(vars[i].name);
		free(vars[i].value);
	}
	free(small);
	free(big);
	return 0;
}
