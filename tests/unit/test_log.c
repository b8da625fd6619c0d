/*
 * test_log - the sinks of shim/guard/log.c, with a clock of the test's own.
 *
 * log.o is linked alone with the core: this file defines fg_now_us (the
 * monotonic clock log.c dates its windows by), so each test moves time by
 * hand, and connect(2) (for a socket, /dev/log is this test's datagram
 * socket in a private directory).  fd 2 is pointed at a file, /dev/null or
 * closed to steer the fallback.  Checked: a failed log file falls back to
 * stderr, or to syslog when fd 2 is /dev/null or closed, with one note;
 * it is not tried again before its 10 s retry window ends and is the first
 * time after; an entry cut mid-line in the file (RLIMIT_FSIZE) is whole at
 * syslog, and the next one the file takes starts a line of its own; a
 * syslogd restarted (a new socket at /dev/log) gets the next entry; the
 * rate limit's one-second window and its count of dropped reports.  The sink's state is process-wide: the tests run in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static long now_us = 100 * 1000000L;
static char dir[64], dev_log[128];
static int saved_err = -1, rx = -1;

/* the seam: log.c's clock */
long fg_now_us(void)
{
	return now_us;
}

/* /dev/log is this test's socket */
int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	if (addr->sa_family == AF_UNIX &&
	    !strcmp(((const struct sockaddr_un *)addr)->sun_path, "/dev/log")) {
		strcpy(un.sun_path, dev_log);
		addr = (const struct sockaddr *)&un;
		len = sizeof(un);
	}
	return (int)syscall(SYS_connect, fd, addr, len);
}

static void at(double s)
{
	now_us = (long)(s * 1000000.0);
}

static char *slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;

	for (; (text = strstr(text, what)); text++)
		n++;
	return n;
}

/* fd 2 to @how: a file under dir (its path), "null" or "closed" */
static void stderr_to(const char *how)
{
	char path[128];
	int fd;

	if (!strcmp(how, "closed")) {
		close(2);
		return;
	}
	if (!strcmp(how, "null")) {
		fd = open("/dev/null", O_WRONLY);
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, how);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	}
	assert_true(fd >= 0);
	dup2(fd, 2);
	close(fd);
}

/* fd 2 back to the test's own (cmocka's messages go there) */
static void restore(void)
{
	dup2(saved_err, 2);
}

/* the datagrams waiting on the test's /dev/log, joined by '\n' */
static char *datagrams(void)
{
	static char all[65536];
	size_t at_ = 0;
	ssize_t n;

	while (at_ < sizeof(all) - 2 &&
	       (n = recv(rx, all + at_, sizeof(all) - at_ - 2, MSG_DONTWAIT)) > 0) {
		at_ += (size_t)n;
		all[at_++] = '\n';
	}
	all[at_] = '\0';
	return all;
}

static struct fg_config file_config(const char *name)
{
	struct fg_config c = { .sink = FG_SINK_FILE, .rate = 0 };

	snprintf(c.log_path, sizeof(c.log_path), "%s/%s", dir, name);
	return c;
}

static void send_line(const struct fg_config *c, const char *line)
{
	fg_log_send(c, FG_PRIO_INFO, line, strlen(line));
}

static int setup(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	(void)state;
	strcpy(dir, "/tmp/fg-testlog.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(dev_log, sizeof(dev_log), "%s/log.sock", dir);
	strcpy(un.sun_path, dev_log);
	rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(rx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&un, sizeof(un)), 0);
	saved_err = dup(2);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	dup2(saved_err, 2);
	close(rx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* the file fails (its directory is missing), then is fixed: nothing goes
 * to it before the window ends, the first entry after does */
static void retry_window(void **state)
{
	struct fg_config c = file_config("later/fg.log");
	char sub[128];

	(void)state;
	stderr_to("err1");
	at(100.2);
	send_line(&c, "entry one\n");
	snprintf(sub, sizeof(sub), "%s/later", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	at(101.0);
	send_line(&c, "entry two\n");
	at(109.9);
	send_line(&c, "entry three\n");
	assert_null(strstr(slurp(c.log_path), "entry"));
	at(110.0);
	send_line(&c, "entry four\n");
	at(110.5);
	send_line(&c, "entry five\n");
	snprintf(sub, sizeof(sub), "%s/err1", dir);
	assert_int_equal(count(slurp(sub), "cannot write the log file"), 1);
	assert_non_null(strstr(slurp(sub), "(ENOENT); entries go to stderr"));
	assert_non_null(strstr(slurp(sub), "tried every 10 s"));
	assert_int_equal(count(slurp(sub), "entry "), 3);
	assert_null(strstr(slurp(sub), "entry four"));
	assert_int_equal(count(slurp(c.log_path), "entry "), 2);
	assert_non_null(strstr(slurp(c.log_path), "entry four"));
	assert_non_null(strstr(slurp(c.log_path), "entry five"));
}

/* a file that fails again after it worked (a directory where it was):
 * a new note, a new window, from the time of that failure */
static void fails_again(void **state)
{
	struct fg_config c = file_config("again.log");
	char err[128];

	(void)state;
	stderr_to("err2");
	at(200.0);
	send_line(&c, "entry a\n");
	assert_int_equal(unlink(c.log_path), 0);
	assert_int_equal(mkdir(c.log_path, 0700), 0);
	at(201.0);
	send_line(&c, "entry b\n");
	assert_int_equal(rmdir(c.log_path), 0);
	at(210.5);
	send_line(&c, "entry c\n");
	at(211.2);
	send_line(&c, "entry d\n");
	snprintf(err, sizeof(err), "%s/err2", dir);
	assert_int_equal(count(slurp(err), "cannot write the log file"), 1);
	assert_non_null(strstr(slurp(err), "(EISDIR)"));
	assert_non_null(strstr(slurp(err), "entry b"));
	assert_non_null(strstr(slurp(err), "entry c"));
	assert_int_equal(count(slurp(c.log_path), "entry "), 1);
	assert_non_null(strstr(slurp(c.log_path), "entry d"));
}

/* a file that cannot be written and fd 2 on /dev/null, or closed: syslog
 * gets the note (LOG_WARNING) and the entry (its own severity) */
static void fallback_order(void **state)
{
	static const char *const how[] = { "null", "closed" };
	struct fg_config c = file_config("is-a-dir");
	char path[128];
	unsigned i;

	(void)state;
	snprintf(path, sizeof(path), "%s/is-a-dir", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (i = 0; i < 2; i++) {
		char *dg;

		stderr_to(how[i]);
		at(300.0 + 100 * i);
		send_line(&c, "entry syslog\n");
		dg = datagrams();
		restore();
		/* one note per failure: the retry that fails again says nothing */
		assert_int_equal(count(dg, "<12>forkguard["), i == 0);
		assert_int_equal(count(dg, "(EISDIR); entries go to syslog"), i == 0);
		assert_int_equal(count(dg, "<14>forkguard["), 1);
		assert_non_null(strstr(dg, "entry syslog"));
		/* still in the window: the entry alone, no second note */
		stderr_to(how[i]);
		at(301.0 + 100 * i);
		send_line(&c, "entry quiet\n");
		dg = datagrams();
		restore();
		assert_int_equal(count(dg, "cannot write"), 0);
		assert_int_equal(count(dg, "entry quiet"), 1);
	}
	/* the default sink: stderr when usable, else syslog */
	c.sink = FG_SINK_AUTO;
	stderr_to("err4");
	send_line(&c, "entry auto\n");
	snprintf(path, sizeof(path), "%s/err4", dir);
	assert_int_equal(count(slurp(path), "entry auto"), 1);
	stderr_to("null");
	send_line(&c, "entry auto2\n");
	restore();
	assert_int_equal(count(datagrams(), "entry auto2"), 1);
}

/* a write cut mid-line (RLIMIT_FSIZE: the file takes part of an entry,
 * then refuses it): the entry goes to syslog whole, and once the file is
 * retried the first entry starts on a line of its own */
static void cut_line(void **state)
{
	struct fg_config c = file_config("cut.log");
	struct rlimit was, rl;
	struct stat st;
	char *text, *after, *line;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	stderr_to("null");
	at(600.0);
	send_line(&c, "entry first\n");
	assert_int_equal(stat(c.log_path, &st), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	rl = was;
	rl.rlim_cur = (rlim_t)st.st_size + 40; /* a date and "forkguard[" */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	send_line(&c, "entry long, cut in the file, whole at syslog\n");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	at(611.0);
	send_line(&c, "entry after\n");
	restore();
	assert_int_equal(count(datagrams(), "entry long, cut in the file, whole at syslog"), 1);
	text = slurp(c.log_path);
	after = strstr(text, "entry after");
	assert_non_null(after);
	for (line = after; line > text && line[-1] != '\n'; line--)
		;
	/* its line holds one entry: its own date and attribution */
	assert_int_equal(count(line, "forkguard[") - count(after, "forkguard["), 1);
	assert_int_equal(count(text, "forkguard["), 3);
}

/* syslogd restarted: the kept socket's peer is gone, a new one listens
 * at the same path; the entry reaches the new one */
static void syslog_restarted(void **state)
{
	struct fg_config c = { .sink = FG_SINK_SYSLOG };
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	(void)state;
	send_line(&c, "entry before\n");
	assert_int_equal(count(datagrams(), "entry before"), 1);
	close(rx);
	unlink(dev_log);
	strcpy(un.sun_path, dev_log);
	rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(rx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&un, sizeof(un)), 0);
	stderr_to("err7");
	send_line(&c, "entry after restart\n");
	restore();
	assert_int_equal(count(datagrams(), "entry after restart"), 1);
}

/* at most `rate` reports in one second of the clock; the first admitted
 * after a drop says how many were dropped */
static void rate_limit(void **state)
{
	struct fg_config c = { .sink = FG_SINK_STDERR, .rate = 2 };

	(void)state;
	at(500.1);
	assert_int_equal(fg_log_admit(&c), 0);
	assert_int_equal(fg_log_admit(&c), 0);
	assert_true(fg_log_admit(&c) == FG_LOG_DROP);
	at(500.99);
	assert_true(fg_log_admit(&c) == FG_LOG_DROP);
	at(501.0);
	assert_int_equal(fg_log_admit(&c), 2);
	assert_int_equal(fg_log_admit(&c), 0);
	assert_true(fg_log_admit(&c) == FG_LOG_DROP);
	at(503.5);
	assert_int_equal(fg_log_admit(&c), 1);
	c.rate = 0;
	for (int i = 0; i < 100; i++)
		assert_int_equal(fg_log_admit(&c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(retry_window),
		cmocka_unit_test(fails_again),
		cmocka_unit_test(fallback_order),
		cmocka_unit_test(cut_line),
		cmocka_unit_test(syslog_restarted),
		cmocka_unit_test(rate_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
