/*
 * config.h - the FORKGUARD_* options, parsed once.
 *
 * fg_config_parse() is pure (values come through a lookup function) so
 * tests and the fuzzer can drive it; fg_config() is the process-wide copy,
 * read from the environment with secure_getenv at first use.
 */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

#include "forkguard.h"
#include "procfs.h"

enum fg_mode {
	FG_MODE_OBSERVE,
	FG_MODE_ENFORCE,
	FG_MODE_REMEDIATE,
	FG_MODE_OFF
};
/* FG_SINK_AUTO (FORKGUARD_LOG unset): stderr, or syslog while fd 2 is
 * closed or /dev/null (a daemon's) */
/* the library's state as `forkguard check` reads it from a process's
 * memory (identity.c): this marker, then " key=value" words */
#define FG_STATE_MAGIC "forkguard-state-1:"
#define FG_STATE_LEN   640
/* and what its forks really cost (plan.c), when a followed child ends:
 * " forks=N copy_kb=C worst_kb=W" (the largest share of the N recent) */
#define FG_FORKS_MAGIC "forkguard-forks-1:"
#define FG_FORKS_LEN   96

/* the sinks' last resort, when neither stderr nor syslog takes an entry:
 * FG_LOG_LAST_RESORT-<euid>.log (log.c; forkguard check and run name it) */
#define FG_LOG_LAST_RESORT "/tmp/forkguard"
enum fg_sink { FG_SINK_AUTO, FG_SINK_STDERR, FG_SINK_SYSLOG, FG_SINK_FILE };
enum fg_format { FG_FORMAT_TEXT, FG_FORMAT_JSON };
enum fg_report { FG_REPORT_RISKY, FG_REPORT_ALL };
/* FORKGUARD_COW: the copy-on-write check after a fork that succeeds */
enum fg_cow_mode { FG_COW_WARN, FG_COW_OFF, FG_COW_PROTECT, FG_COW_ABORT };

/* remedies, as FORKGUARD_REMEDY names them */
#define FG_REMEDY_JEMALLOC 0x1u
#define FG_REMEDY_TRIM	   0x2u
#define FG_REMEDY_SPLIT	   0x4u
#define FG_REMEDY_RELEASE  0x8u
#define FG_REMEDY_ALL	   0xfu

struct fg_config {
	enum fg_mode mode;
	enum fg_sink sink;
	enum fg_format format;
	enum fg_report report;
	char log_path[FG_PATH_MAX]; /* FG_SINK_FILE, with %p expanded */
	bool log_path_per_pid;	    /* the pattern had %p */
	char log_pattern[FG_PATH_MAX];
	char procfs[FG_PATH_MAX];
	char sysfs[FG_PATH_MAX]; /* FORKGUARD_SYSFS: cgroups, THP */
	enum fg_cow_mode cow;
	unsigned cow_interval_s; /* a cow risk is reported once per this */
	/* FORKGUARD_COW=abort: the signal that ends a child, which forks
	 * are followed (all, or those at risk), the margin's floor, and the
	 * back-off after an abort (seconds, doubled at each abort in a row) */
	int cow_signal;
	bool cow_follow_all;
	unsigned cow_margin_mb;
	unsigned cow_backoff_s;
	enum fg_rule rule;	 /* or FG_RULE_RUNNING (osrelease) */
	unsigned rate;		 /* reports per second, 0: no limit */
	unsigned remedies;	 /* FG_REMEDY_* */
	unsigned remedies_asked; /* named one by one in FORKGUARD_REMEDY */
	unsigned retries;
	unsigned retry_delay_ms;
	char metrics_dir[FG_PATH_MAX]; /* FORKGUARD_METRICS; "": none */
	unsigned metrics_interval;     /* seconds between writes */
	char metrics_labels[256];      /* FORKGUARD_METRICS_LABELS: a=b,c=d */
	bool anon_charged; /* no anonymous mapping is NORESERVE/DONTFORK */
	bool secure;	   /* AT_SECURE: environment ignored */
};

/*
 * fg_config_parse - fill @c from @get (returns NULL when unset).  Each bad
 * value keeps its default and appends one line to @warn (NUL-terminated,
 * truncated to @len).  Returns the number of bad values.
 */
int fg_config_parse(struct fg_config *c, const char *(*get)(const char *),
		    char *warn, size_t len);

/* fg_config_expand_pid - @c->log_path from the pattern for @pid. */
void fg_config_expand_pid(struct fg_config *c, pid_t pid);

/*
 * fg_config - the process's configuration, parsed on first call.  NULL
 * while another thread (or the code a signal interrupted) is parsing it:
 * the caller then passes the call through untouched.
 */
const struct fg_config *fg_config(void);
/*
 * fg_config_from_env - fg_config_parse() of this process's environment now
 * (forkguard run checks what the library will read).  Not cached.
 */
int fg_config_from_env(struct fg_config *c, char *warn, size_t len);
/* fg_config_warnings - the warnings of that parse ("" if none). */
const char *fg_config_warnings(void);

#endif /* FG_CONFIG_H */
