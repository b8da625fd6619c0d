/*
 * cli_run_env.c - what `forkguard run` checks before it execs: every
 * FORKGUARD_* value the library will read, parsed by the library's own
 * parser, and the places its reports and metrics would go.
 *
 * A malformed value is refused (the library would ignore it and use its
 * default: said so, not as if it were used).  A log file whose path is a
 * directory, or whose directory is missing or not writable, and a metrics
 * directory that is missing, not a directory or not writable, are refused
 * too: the library would only say so once, in a log nobody may read.  When
 * syslog is asked for, or would be taken once the command's stderr is
 * closed or /dev/null (a daemon), and /dev/log cannot be reached, a
 * warning names where the reports go instead (stderr, or the last resort
 * file).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "fmt.h"

/* the library's "forkguard: ignoring NAME="V": expected E; using D" lines,
 * as what they are here: refused */
static void say_refused(const char *warn)
{
	char line[1024];
	const char *p = warn, *end;

	for (; *p; p = *end ? end + 1 : end) {
		const char *v, *rest;
		size_t n;

		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p) < sizeof(line) ? (size_t)(end - p)
						     : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		v = strncmp(line, "forkguard: ignoring ", 20) ? NULL
							      : line + 20;
		rest = v ? strstr(v, "; ") : NULL;
		if (rest)
			fprintf(stderr,
				"forkguard: run: %.*s (the library would "
				"ignore it: %s)\n",
				(int)(rest - v), v, rest + 2);
		else if (n)
			fprintf(stderr, "%s\n", line);
	}
}

/* 0, or the line's reason: a log path the library could not open */
static const char *log_path_bad(const char *path, bool per_pid)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (!per_pid && !stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return "is a directory: give a file's path";
		return access(path, W_OK) ? "is not writable here" : NULL;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st))
		return "names a directory that does not exist";
	if (!S_ISDIR(st.st_mode))
		return "names a directory that is not one";
	return access(dir, W_OK | X_OK)
		   ? "names a directory in which this user cannot create it"
		   : NULL;
}

static const char *metrics_dir_bad(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return "does not exist";
	if (!S_ISDIR(st.st_mode))
		return "is not a directory";
	return access(dir, W_OK | X_OK) ? "is not writable by this user" : NULL;
}

/* /dev/log answers: 0, or -errno */
static int syslog_reachable(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	strcpy(addr.sun_path, "/dev/log");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		err = -errno;
	close(fd);
	return err;
}

static void warn_no_syslog(const struct fg_config *c, int err)
{
	char last[64];

	snprintf(last, sizeof(last), "%s-%u.log", FG_LOG_LAST_RESORT,
		 (unsigned)geteuid());
	if (c->sink == FG_SINK_SYSLOG)
		fprintf(stderr,
			"forkguard: run: no syslog here (/dev/log: %s): "
			"reports go to stderr, or to %s while it is closed "
			"or /dev/null; --log FILE keeps them in one place\n",
			fg_errno_name(err) ?: "?", last);
	else
		fprintf(stderr,
			"forkguard: run: no syslog here (/dev/log: %s): if "
			"the command closes its stderr or makes it /dev/null "
			"(a daemon), reports go to %s; --log FILE keeps them "
			"in one place\n",
			fg_errno_name(err) ?: "?", last);
}

bool cli_run_env_valid(const char *cmd, bool warn_sink)
{
	struct fg_config c;
	char warn[1024];
	const char *why = NULL, *what = NULL, *path = NULL;
	int err;

	if (fg_config_from_env(&c, warn, sizeof(warn))) {
		say_refused(warn);
		cli_error("run", "not running %s: fix or unset the value above",
			  cmd);
		return false;
	}
	if (c.sink == FG_SINK_FILE &&
	    (why = log_path_bad(c.log_pattern, c.log_path_per_pid))) {
		what = "the log file";
		path = c.log_pattern;
	} else if (c.metrics_dir[0] && (why = metrics_dir_bad(c.metrics_dir))) {
		what = "FORKGUARD_METRICS";
		path = c.metrics_dir;
	}
	if (why) {
		cli_error("run", "not running %s: %s %s %s", cmd, what, path,
			  why);
		return false;
	}
	if (warn_sink && (c.sink == FG_SINK_SYSLOG || c.sink == FG_SINK_AUTO) &&
	    c.mode != FG_MODE_OFF && (err = syslog_reachable()))
		warn_no_syslog(&c, err);
	return true;
}
