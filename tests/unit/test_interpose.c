/*
 * test_interpose - the fork entry (interpose.c's fork, _Fork, daemon,
 * clone) through its seam: the table of real functions, fg_real, set to
 * fakes, so that each wrapper runs the guard's one way (fg_guard_run)
 * around a "real call" whose result and errno the test chooses.
 *
 * The library reads its configuration once, in its constructor, so main()
 * prepares a procfs root (a copy of a recorded snapshot whose statm makes
 * the copy-on-write worst case exceed the host's room, and an
 * oom_score_adj file), sets FORKGUARD_* (observe, COW=protect, JSON, every
 * fork reported) and executes itself again.  The reports go to this file's
 * sink in place of log.c.  Asserted: the caller gets the real call's
 * return value and errno unchanged; a fork's child and a clone's child
 * (without CLONE_VM) raise their oom_score_adj under protect (the clone
 * child did not, before the wrappers had one shape); a thread-like clone
 * (CLONE_VM) and the daemon's surviving child are not protected; each call
 * gets one report naming it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "guard.h"
#include "fake_sink.h"

static char adj_path[600];

void fg_second_copy_say(void)
{
}

static void drain(void)
{
	int fd = open(adj_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0\n", 2), 2);
	close(fd);
	sink_drain();
}

static int adj(void)
{
	char buf[16] = "";
	int fd = open(adj_path, O_RDONLY);

	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	return atoi(buf);
}

/* the fakes: what the "real" call returns, with which errno */
static long fake_rc;
static int fake_err, fake_calls, child_adj;
static void *clone_fn_seen;

static pid_t fake_fork(void)
{
	fake_calls++;
	if (fake_err)
		errno = fake_err;
	return (pid_t)fake_rc;
}

static int fake_daemon(int nochdir, int noclose)
{
	(void)nochdir;
	(void)noclose;
	fake_calls++;
	if (fake_err)
		errno = fake_err;
	return (int)fake_rc;
}

/* runs the child's function here, as the child would, then "returns" in
 * the parent */
static int fake_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		      ...)
{
	(void)stack;
	(void)flags;
	fake_calls++;
	clone_fn_seen = (void *)fn;
	fn(arg);
	return (int)fake_rc;
}

static int clone_body(void *arg)
{
	(void)arg;
	child_adj = adj();
	return 0;
}

static void setup_fakes(long rc, int err)
{
	fg_real.fork = fake_fork;
	fg_real._Fork = fake_fork;
	fg_real.daemon = fake_daemon;
	fg_real.clone = fake_clone;
	fake_rc = rc;
	fake_err = err;
	fake_calls = 0;
	drain();
}

static void fork_parent_keeps_errno(void **state)
{
	(void)state;
	setup_fakes(4242, 0);
	errno = EINTR; /* the caller's, before the call */
	assert_int_equal(fork(), 4242);
	assert_int_equal(errno, EINTR);
	assert_int_equal(fake_calls, 1);
	assert_int_equal(lines, 1);
	has("\"call\":\"fork\"");
	has("\"cow_verdict\":\"risk\"");
	has("\"cow_protect\":true");
	assert_int_equal(adj(), 0); /* the parent is not protected */
}

static void fork_failure_keeps_errno(void **state)
{
	(void)state;
	setup_fakes(-1, EAGAIN);
	errno = 0;
	assert_int_equal(fork(), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(lines, 1);
	has("\"outcome\":\"EAGAIN\"");
	setup_fakes(-1, ENOMEM);
	assert_int_equal(_Fork(), -1);
	assert_int_equal(errno, ENOMEM);
	has("\"call\":\"_Fork\"");
	has("\"outcome\":\"ENOMEM\"");
}

static void fork_child_protected(void **state)
{
	(void)state;
	setup_fakes(0, 0);
	errno = EINTR;
	assert_int_equal(fork(), 0);
	assert_int_equal(errno, EINTR);
	assert_int_equal(adj(), 1000);
	assert_int_equal(lines, 0); /* the child writes nothing */
}

static void clone_child_protected(void **state)
{
	static char stack[16384];

	(void)state;
	setup_fakes(4343, 0);
	child_adj = -1;
	errno = EINTR;
	assert_int_equal(clone(clone_body, stack + sizeof(stack), SIGCHLD,
			       NULL),
			 4343);
	assert_int_equal(errno, EINTR);
	assert_int_equal(child_adj, 1000);
	assert_ptr_not_equal(clone_fn_seen, (void *)clone_body);
	assert_int_equal(lines, 1);
	has("\"call\":\"clone\"");
}

static void clone_vm_passes(void **state)
{
	static char stack[16384];

	(void)state;
	setup_fakes(4444, 0);
	child_adj = -1;
	assert_int_equal(clone(clone_body, stack + sizeof(stack),
			       CLONE_VM | SIGCHLD, NULL),
			 4444);
	assert_ptr_equal(clone_fn_seen, (void *)clone_body);
	assert_int_equal(child_adj, 0);
	assert_int_equal(lines, 0);
}

static void daemon_child_reports(void **state)
{
	(void)state;
	setup_fakes(0, 0);
	errno = EINTR;
	assert_int_equal(daemon(1, 1), 0);
	assert_int_equal(errno, EINTR);
	assert_int_equal(adj(), 0); /* the daemon lives on: no protection */
	assert_int_equal(lines, 1);
	has("\"call\":\"daemon\"");
}

/* a procfs root: the snapshot with a worst case over the host's room */
static int prepare(char *root, size_t len)
{
	const char *base = getenv("FG_FIXTURES");
	char cmd[1400], dir[] = "/tmp/fg-interpose-XXXXXX";
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(root, len, "%s/proc", dir);
	snprintf(cmd, sizeof(cmd), "cp -r '%s/snapshots/mode0-5.2plus-pass' '%s'",
		 base ? base : "fixtures", root);
	if (system(cmd))
		return -1;
	/* RssAnon (resident - shared) ~11 GiB > MemFree 6 + SwapFree 1 GiB */
	snprintf(cmd, sizeof(cmd), "%s/self/statm", root);
	f = fopen(cmd, "w");
	if (!f)
		return -1;
	fputs("4588737 3000000 100 10 0 100 0\n", f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fork_parent_keeps_errno),
		cmocka_unit_test(fork_failure_keeps_errno),
		cmocka_unit_test(fork_child_protected),
		cmocka_unit_test(clone_child_protected),
		cmocka_unit_test(clone_vm_passes),
		cmocka_unit_test(daemon_child_reports),
	};
	const char *root = getenv("FORKGUARD_PROCFS");
	char buf[600], cmd[700];
	int rc;

	(void)argc;
	if (!getenv("FG_TEST_INTERPOSE")) {
		if (prepare(buf, sizeof(buf)))
			return fprintf(stderr, "cannot prepare a procfs\n"), 1;
		setenv("FG_TEST_INTERPOSE", "1", 1);
		setenv("FORKGUARD_PROCFS", buf, 1);
		setenv("FORKGUARD_SYSFS", buf, 1); /* no cgroup, no THP */
		setenv("FORKGUARD_MODE", "observe", 1);
		setenv("FORKGUARD_COW", "protect", 1);
		setenv("FORKGUARD_COW_INTERVAL", "0", 1);
		setenv("FORKGUARD_FORMAT", "json", 1);
		setenv("FORKGUARD_REPORT", "all", 1);
		setenv("FORKGUARD_RATE_LIMIT", "0", 1);
		unsetenv("FORKGUARD_METRICS");
		execv("/proc/self/exe", argv);
		return perror("execv"), 1;
	}
	snprintf(adj_path, sizeof(adj_path), "%s/self/oom_score_adj", root);
	rc = cmocka_run_group_tests_name("interpose", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(root) - 5),
		 root);
	if (system(cmd))
		rc = rc ? rc : 1;
	return rc;
}
