/*
 * cli_run.c - `forkguard run`: exec a command with the guard preloaded.
 *
 * Like eatmydata and heaptrack, the library is *prepended* to any
 * LD_PRELOAD already set, so it sees fork first and whatever the caller
 * preloaded still loads.  The options become the FORKGUARD_* variables the
 * library reads; variables the options do not mention pass through.
 *
 * The library is looked for, in this order, as
 *   1. BINDIR/..LIBSUB/libforkguard.so.0 (the installed layout: LIBSUB
 *      is the libdir below the prefix, /lib or /lib/x86_64-linux-gnu, set
 *      by the Makefile; BINDIR is the directory of /proc/self/exe)
 *   2. BINDIR/libforkguard.so            (the build tree: build/forkguard)
 *   3. $FORKGUARD_LIBRARY                (anywhere else)
 * and must be an ELF file; otherwise one line on stderr and status 127.
 *
 * A musl program (its ELF interpreter is ld-musl-*: cli_interp.c) gets
 * the musl build instead, as BINDIR/musl/$LIB/libforkguard.so.0 (make
 * musl): that LD_PRELOAD is literal to musl's dynamic linker and names
 * the glibc build to glibc's (which expands $LIB), so the glibc programs
 * the command execs are guarded too.  A static program ignores
 * LD_PRELOAD: it is not run (126), with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

#ifndef FG_LIBSUB
#define FG_LIBSUB "/lib"
#endif

static const char usage[] =
    "usage: forkguard run [OPTIONS] [--] CMD [ARGS...]\n"
    "\n"
    "Run CMD with libforkguard preloaded (prepended to LD_PRELOAD).\n"
    "\n"
    "  -m, --mode MODE     observe (default), remediate, enforce or off\n"
    "                      (FORKGUARD_MODE)\n"
    "  -l, --log SINK      stderr (default), syslog or a file path; %p\n"
    "                      is the pid (FORKGUARD_LOG)\n"
    "  -j, --json          JSON lines (FORKGUARD_FORMAT=json)\n"
    "  -r, --report LEVEL  risky (default) or all (FORKGUARD_REPORT)\n"
    "  -h, --help          this text\n"
    "\n"
    "The library is found as .." FG_LIBSUB "/libforkguard.so.0 from this\n"
    "program's directory, then libforkguard.so beside it, then\n"
    "$FORKGUARD_LIBRARY.\n"
    "\n"
    "exit status: CMD's; 127 if the library or CMD is not found, 126 if\n"
    "CMD cannot be executed, 64 usage error.\n";

static bool one_of(const char *v, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(v, *names))
			return true;
	return false;
}

/* Is @path a readable ELF file?  Its absolute, resolved form in @out. */
static bool is_library(const char *path, char *out)
{
	char magic[4];
	struct stat st;
	int fd;
	bool ok;

	if (!realpath(path, out))
		return false;
	fd = open(out, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	     read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

/*
 * find_library - the library's absolute path into @out (PATH_MAX), or
 * -ENOENT with what was tried in @tried.
 */
static int find_library(char *out, char *tried, size_t len)
{
	static const char *const rel[] = { "/.." FG_LIBSUB "/libforkguard.so.0",
					   "/libforkguard.so" };
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	const char *env = secure_getenv("FORKGUARD_LIBRARY");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t i, at = 0;

	tried[0] = '\0';
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", exe, rel[i]);
			if (is_library(path, out))
				return 0;
			at += (size_t)snprintf(tried + at, len - at, "%s%s",
					       at ? ", " : "", path);
			if (at >= len)
				at = len - 1;
		}
	}
	if (env && *env) {
		if (is_library(env, out))
			return 0;
		snprintf(tried + at, len - at, "%sFORKGUARD_LIBRARY=%s",
			 at ? ", " : "", env);
	} else {
		snprintf(tried + at, len - at, "%sFORKGUARD_LIBRARY unset",
			 at ? ", " : "");
	}
	return -ENOENT;
}

/*
 * musl_library - the musl build's LD_PRELOAD entry for a musl @cmd into
 * @out (PATH_MAX), unresolved (its $LIB is the point), or -ENOENT.
 */
static int musl_library(char *out, char *tried, size_t len)
{
	char exe[PATH_MAX - 32], real[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1)
		return -ENOENT;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, PATH_MAX, "%s/musl/$LIB/libforkguard.so.0", exe);
	snprintf(tried, len, "%s", out);
	return is_library(out, real) ? 0 : -ENOENT;
}

/*
 * pick_library - the build for @cmd's libc into @lib (the glibc build is
 * already there).  0, or the exit status after one stderr line.
 */
static int pick_library(const char *cmd, char *lib)
{
	char interp[PATH_MAX], tried[PATH_MAX + 64];

	if (cli_interp(cmd, interp, sizeof(interp)))
		return 0; /* not found or not ELF: execvp says why */
	switch (cli_libc_of(interp)) {
	case CLI_LIBC_GLIBC: return 0;
	case CLI_LIBC_MUSL:
		if (!musl_library(lib, tried, sizeof(tried)))
			return 0;
		cli_error("run",
			  "%s runs on musl (%s) and no musl build of "
			  "libforkguard was found (tried %s; make musl "
			  "builds it)",
			  cmd, interp, tried);
		return FG_EXIT_NOTFOUND;
	case CLI_LIBC_STATIC:
		cli_error("run",
			  "%s is statically linked: LD_PRELOAD cannot reach "
			  "its fork; not run",
			  cmd);
		return FG_EXIT_NOEXEC;
	default:
		cli_error("run",
			  "%s: dynamic linker %s is neither glibc's nor "
			  "musl's; preloading the glibc build",
			  cmd, interp);
		return 0;
	}
}

/* Another libforkguard in @old (LD_PRELOAD) than @lib: say which guards. */
static void warn_preloaded(const char *old, const char *lib)
{
	const char *p = old, *base;
	size_t n;

	while (*p) {
		n = strcspn(p, ": ");
		base = memrchr(p, '/', n);
		base = base ? base + 1 : p;
		if ((size_t)(p + n - base) >= 12 &&
		    !strncmp(base, "libforkguard", 12) &&
		    (strlen(lib) != n || strncmp(p, lib, n)))
			cli_error("run",
				  "LD_PRELOAD already holds %.*s: %s goes "
				  "first and guards, the other copy stays "
				  "passive (one report per fork)",
				  (int)n, p, lib);
		p += n;
		p += strspn(p, ": ");
	}
}

/* LD_PRELOAD = @lib, then what was there (unless it already leads). */
static int prepend_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib);
	char *v;
	int rc;

	if (old)
		warn_preloaded(old, lib);
	if (!old || !*old)
		return setenv("LD_PRELOAD", lib, 1) ? -errno : 0;
	if (!strncmp(old, lib, n) &&
	    (old[n] == '\0' || old[n] == ':' || old[n] == ' '))
		return 0;
	if (asprintf(&v, "%s:%s", lib, old) < 0)
		return -ENOMEM;
	rc = setenv("LD_PRELOAD", v, 1) ? -errno : 0;
	free(v);
	return rc;
}

/* --log: stderr, syslog, or a path made absolute (the library wants one). */
static int set_log(const char *v)
{
	char cwd[PATH_MAX], *abs;
	int rc;

	if (!strcmp(v, "stderr") || !strcmp(v, "syslog") || v[0] == '/')
		return setenv("FORKGUARD_LOG", v, 1) ? -errno : 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	if (asprintf(&abs, "%s/%s", cwd, v) < 0)
		return -ENOMEM;
	rc = setenv("FORKGUARD_LOG", abs, 1) ? -errno : 0;
	free(abs);
	return rc;
}

int cli_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "log", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "report", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts g = { "run", "+:m:l:jr:h", longopts, usage, 0 };
	static const char *const modes[] = { "observe", "remediate", "enforce",
					     "off", NULL };
	static const char *const reports[] = { "risky", "all", NULL };
	const char *mode = NULL, *log = NULL, *report = NULL;
	char lib[PATH_MAX], interp[PATH_MAX], tried[2048];
	bool json = false;
	int c, err;

	/* '+': the first non-option is CMD; its own options are its own */
	while ((c = cli_next_opt(&g, argc, argv)) > 0) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 'l': log = optarg; break;
		case 'j': json = true; break;
		case 'r': report = optarg; break;
		}
	}
	if (c < 0)
		return g.status;
	if (mode && !one_of(mode, modes))
		return cli_usage_error("run",
				       "unknown mode '%s': expected "
				       "observe, remediate, enforce or off",
				       mode);
	if (report && !one_of(report, reports))
		return cli_usage_error("run",
				       "unknown report level '%s': "
				       "expected risky or all",
				       report);
	if (log && !*log)
		return cli_usage_error("run", "--log needs stderr, syslog or a "
					      "path");
	if (optind == argc)
		return cli_usage_error("run", "no command given");
	if (find_library(lib, tried, sizeof(tried))) {
		cli_error("run", "libforkguard not found (tried %s)", tried);
		return FG_EXIT_NOTFOUND;
	}
	err = pick_library(argv[optind], lib);
	if (err)
		return err;
	if (strpbrk(lib, ": ")) {
		cli_error("run",
			  "%s: LD_PRELOAD cannot hold a path with ':' "
			  "or ' '",
			  lib);
		return FG_EXIT_NOTFOUND;
	}
	err = prepend_preload(lib);
	if (!err && mode)
		err = setenv("FORKGUARD_MODE", mode, 1) ? -errno : 0;
	if (!err && log)
		err = set_log(log);
	if (!err && json)
		err = setenv("FORKGUARD_FORMAT", "json", 1) ? -errno : 0;
	if (!err && report)
		err = setenv("FORKGUARD_REPORT", report, 1) ? -errno : 0;
	if (err) {
		cli_error("run", "cannot set the environment: %s",
			  strerror(-err));
		return FG_EXIT_NOEXEC;
	}
	/* the sink warning only for a command that will run */
	if (!cli_run_env_valid(
		argv[optind],
		!cli_interp(argv[optind], interp, sizeof(interp)) ||
		    access(argv[optind], X_OK) == 0))
		return FG_EXIT_USAGE;
	fflush(stdout);
	execvp(argv[optind], argv + optind);
	err = errno;
	if (err == ENOENT && !strchr(argv[optind], '/'))
		cli_error("run", "%s: command not found", argv[optind]);
	else
		cli_error("run", "%s: %s", argv[optind], strerror(err));
	return err == ENOENT ? FG_EXIT_NOTFOUND : FG_EXIT_NOEXEC;
}
