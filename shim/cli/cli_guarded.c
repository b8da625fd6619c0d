/*
 * cli_guarded.c - "is the guard on in PID?" for `forkguard check PID`.
 *
 * /proc/PID/maps says whether a libforkguard is mapped (which file, how
 * many copies).  Each copy keeps its state in its writable data (the
 * marker FG_STATE_MAGIC, then version, role, mode, log, metrics: set at
 * load, identity.c); it is read from /proc/PID/mem, which needs the same
 * right as maps (the process's user, or root).  Redis rewrites its
 * environment block for its process title, so the environment could not
 * tell.  Where the reports go is then resolved as the library does: a
 * file, stderr, syslog, or (FORKGUARD_LOG unset) stderr unless fd 2 is
 * closed or /dev/null (/proc/PID/fd/2), and, when syslog is due but
 * /dev/log does not answer, the last resort file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "fmt.h"
#include "follow.h"
#include "report_cow.h"

/* the text after @mark in the copy mapped from @path, read from @mem;
 * false if none */
static bool read_state(FILE *maps, int mem, const char *path, const char *mark,
		       char *out, size_t len)
{
	char line[FG_PATH_MAX + 128], buf[8192];
	const size_t magic = strlen(mark);
	uint64_t lo, hi;
	char perms[8], *p;
	int at;

	rewind(maps);
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n",
			   &lo, &hi, perms, &at) < 3 ||
		    perms[1] != 'w' || strncmp(line + at, path, strlen(path)))
			continue;
		for (uint64_t a = lo; a < hi; a += sizeof(buf) - len) {
			ssize_t n = pread(mem, buf, sizeof(buf), (off_t)a);

			if (n <= 0)
				break;
			p = memmem(buf, (size_t)n, mark, magic);
			if (p && (size_t)(buf + n - p) > magic) {
				snprintf(
				    out, len, "%.*s",
				    (int)strnlen(p + magic,
						 (size_t)(buf + n - p) - magic),
				    p + magic);
				return true;
			}
			if ((size_t)n < sizeof(buf))
				break;
		}
	}
	return false;
}

/* the value of " KEY=" in @state up to @next (" KEY2=") or its end */
static void word(const char *state, const char *key, const char *next,
		 char *out, size_t len)
{
	const char *p = strstr(state, key), *e;

	*out = '\0';
	if (!p)
		return;
	p += strlen(key);
	e = next ? strstr(p, next) : NULL;
	snprintf(out, len, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
}

static bool syslog_answers(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	strcpy(addr.sun_path, "/dev/log");
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* where this copy's reports go now, as log.c decides */
static void reports_go(const char *root, pid_t pid, const char *log, char *out,
		       size_t len)
{
	char link[FG_PATH_MAX], fd2[256] = "";
	ssize_t n = -1;

	if (strcmp(log, "auto") && strcmp(log, "syslog")) {
		snprintf(out, len, "%s", log);
		return;
	}
	if (!strcmp(log, "auto") &&
	    !fg_path(link, sizeof(link), root, pid, "fd/2")) {
		n = readlink(link, fd2, sizeof(fd2) - 1);
		fd2[n > 0 ? n : 0] = '\0';
		if (n > 0 && strcmp(fd2, "/dev/null")) {
			snprintf(out, len, "stderr (fd 2: %s)", fd2);
			return;
		}
	}
	if (syslog_answers())
		snprintf(out, len, "syslog (/dev/log%s)",
			 !strcmp(log, "auto") ? ", fd 2 closed or /dev/null"
					      : "");
	else
		snprintf(out, len,
			 "%s-%u.log (the last resort: %s, no /dev/log here)",
			 FG_LOG_LAST_RESORT, (unsigned)geteuid(),
			 !strcmp(log, "auto") ? "fd 2 closed or /dev/null"
					      : "syslog asked for");
}

/* the forks the copy published (two equal reads: it may be rewriting it) */
static void read_forks(FILE *maps, int mem, const char *path,
		       struct cli_forks *f)
{
	char a[FG_FORKS_LEN], b[FG_FORKS_LEN], w[32];
	unsigned tries;

	for (tries = 0; tries < 4; tries++) {
		if (!read_state(maps, mem, path, FG_FORKS_MAGIC, a,
				sizeof(a)) ||
		    !read_state(maps, mem, path, FG_FORKS_MAGIC, b, sizeof(b)))
			return;
		if (!strcmp(a, b))
			break;
	}
	if (tries == 4 || !strstr(a, " forks="))
		return; /* none yet, or never two equal reads */
	word(a, " forks=", " ", w, sizeof(w));
	f->n = (unsigned)strtoul(w, NULL, 10);
	word(a, " copy_kb=", " ", w, sizeof(w));
	f->copy_kb = strtoull(w, NULL, 10);
	word(a, " worst_kb=", NULL, w, sizeof(w));
	f->worst_kb = strtoull(w, NULL, 10);
	f->known = f->n > 0 && f->worst_kb > 0;
}

static void say_copy(const char *root, pid_t pid, const char *path,
		     const char *state, struct cli_forks *f)
{
	char version[32], role[16], mode[16], log[FG_PATH_MAX], metrics[512],
	    to[FG_PATH_MAX + 96], cow[16], margin[16];

	word(state, " version=", " ", version, sizeof(version));
	word(state, " role=", " ", role, sizeof(role));
	word(state, " mode=", " ", mode, sizeof(mode));
	word(state, " log=", " cow=", log, sizeof(log));
	if (!strstr(state, " cow=")) /* an older copy's: no cow= */
		word(state, " log=", " metrics=", log, sizeof(log));
	word(state, " cow=", " ", cow, sizeof(cow));
	word(state, " cow_margin_mb=", " ", margin, sizeof(margin));
	word(state, " metrics=", NULL, metrics, sizeof(metrics));
	f->abort = !strcmp(cow, "abort");
	f->margin_mb = (unsigned)strtoul(margin, NULL, 10);
	if (!strcmp(role, "passive")) {
		printf("  guard: libforkguard %s (%s) mapped, passive: another "
		       "copy guards\n",
		       version, path);
		return;
	}
	reports_go(root, pid, log, to, sizeof(to));
	printf("  guard: libforkguard %s (%s) mapped, mode %s; reports go to "
	       "%s; metrics %s\n",
	       version, path, mode[0] ? mode : "unknown", to,
	       metrics[0] ? metrics : "unknown");
}

void cli_guard_say(const char *root, pid_t pid, struct cli_forks *out)
{
	char path[FG_PATH_MAX], line[FG_PATH_MAX + 128], seen[4][FG_PATH_MAX];
	char state[FG_STATE_LEN];
	unsigned n = 0, i;
	FILE *maps;
	int mem;

	if (fg_path(path, sizeof(path), root, pid, "maps") ||
	    !(maps = fopen(path, "re"))) {
		printf("  guard: unknown (%s: %s)\n", path,
		       fg_errno_name(errno) ?: "?");
		return;
	}
	while (fgets(line, sizeof(line), maps) && n < 4) {
		char *f = strchr(line, '/');

		if (!f || !strstr(f, "/libforkguard"))
			continue;
		f[strcspn(f, "\n")] = '\0';
		for (i = 0; i < n && strcmp(seen[i], f); i++)
			;
		if (i == n)
			snprintf(seen[n++], sizeof(seen[0]), "%s", f);
	}
	if (!n) {
		printf("  guard: not loaded (no libforkguard in its maps)\n");
		fclose(maps);
		return;
	}
	fg_path(path, sizeof(path), root, pid, "mem");
	mem = open(path, O_RDONLY | O_CLOEXEC);
	for (i = 0; i < n; i++) {
		if (mem >= 0 && read_state(maps, mem, seen[i], FG_STATE_MAGIC,
					   state, sizeof(state))) {
			say_copy(root, pid, seen[i], state, out);
			if (!strstr(state, "role=passive"))
				read_forks(maps, mem, seen[i], out);
			continue;
		}
		printf("  guard: libforkguard (%s) mapped; its state cannot be "
		       "read (%s)\n",
		       seen[i],
		       mem < 0 ? fg_errno_name(errno) ?: "?"
			       : "an older version, or no marker");
	}
	if (mem >= 0)
		close(mem);
	fclose(maps);
}

void cli_holds_say(const struct fg_cow *cow, const struct cli_forks *f)
{
	char lim[320], a[32], b[32], c[32];
	uint64_t keep = f->abort ? (uint64_t)f->margin_mb * 1024 : 0, worst,
		 holds;
	struct fg_buf lb;

	if (!cow->checked || cow->headroom_kb == FG_COW_NONE)
		return;
	fg_buf_init(&lb, lim, sizeof(lim));
	fg_report_cow_limit(&lb, cow);
	worst = fg_save_holds_kb(cow->headroom_kb, cow->worst_kb, keep, 1, 1);
	if (!f->known) {
		printf(
		    "  save: this limit (%s) holds a fork of a process of "
		    "up to %s of private anonymous memory if the fork copies "
		    "every page (no measured fork: the guard learns one "
		    "from each child it follows, FORKGUARD_COW=abort); "
		    "now %s%s\n",
		    lim, cli_size(worst, a), cli_size(cow->worst_kb, b),
		    keep ? ", the abort's margin kept" : "");
		return;
	}
	holds = fg_save_holds_kb(cow->headroom_kb, cow->worst_kb, keep,
				 f->copy_kb, f->worst_kb);
	printf("  save: this limit (%s) holds a fork of a process of up to %s "
	       "of private anonymous memory, as its %u recent measured "
	       "fork%s copied at most %" PRIu64 " %% of it (%s if every page "
	       "is copied); now %s%s. Redis: maxmemory below %s, less "
	       "its fragmentation\n",
	       lim, cli_size(holds, a), f->n, f->n == 1 ? "" : "s",
	       f->copy_kb * 100 / f->worst_kb, cli_size(worst, b),
	       cli_size(cow->worst_kb, c),
	       keep ? ", the abort's margin kept" : "", cli_size(holds, a));
}
