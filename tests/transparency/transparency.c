/*
 * transparency - fork semantics that must be identical with and without
 * the guard.  Each case prints deterministic lines; the driver script runs
 * the program bare and under LD_PRELOAD and diffs the outputs, and each
 * case also checks itself (exit status 1 on a broken expectation).
 *
 * usage: transparency CASE   (see the table at the end)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
pid_t _Fork(void);

static int bad;
#define EXPECT(cond)                                                         \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("EXPECTATION FAILED line %d: %s\n", __LINE__, \
			       #cond);                                       \
			bad = 1;                                             \
		}                                                            \
	} while (0)

static int wait_status(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --- pthread_atfork order and counts --- */
static char trace[64];
static void add(char c)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace))
		trace[n] = c;
}
static void prep1(void) { add('A'); }
static void prep2(void) { add('B'); }
static void par1(void) { add('a'); }
static void par2(void) { add('b'); }
static void chi1(void) { add('x'); }
static void chi2(void) { add('y'); }

static void case_atfork(void)
{
	int pfd[2];
	char child[64] = "";
	pid_t pid;

	pthread_atfork(prep1, par1, chi1);
	pthread_atfork(prep2, par2, chi2);
	EXPECT(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		(void)!write(pfd[1], trace, strlen(trace));
		_exit(0);
	}
	close(pfd[1]);
	EXPECT(read(pfd[0], child, sizeof(child) - 1) > 0);
	wait_status(pid);
	/* prepare in reverse order of registration, parent/child in order */
	printf("atfork parent %s child %s\n", trace, child);
	EXPECT(!strcmp(trace, "BAab"));
	EXPECT(!strcmp(child, "BAxy"));
}

/*
 * A program's own fork handlers may leave EAGAIN in errno (a prepare
 * handler that drains a non-blocking pipe): the forks still succeed, and
 * the guard must not take them for failures.
 */
static int drain[2];

static void prep_drain(void)
{
	char c;

	(void)!read(drain[0], &c, 1); /* empty: EAGAIN */
}

static void par_drain(void)
{
	char c;

	(void)!read(drain[0], &c, 1);
}

static void case_handler_errno(void)
{
	int i, ok = 0;

	EXPECT(pipe2(drain, O_NONBLOCK) == 0);
	pthread_atfork(prep_drain, par_drain, NULL);
	for (i = 0; i < 5; i++) {
		pid_t pid;

		errno = 0;
		pid = fork();
		if (pid == 0)
			_exit(0);
		ok += pid > 0 && wait_status(pid) == 0;
	}
	printf("handlers leaving EAGAIN: %d of 5 forks ok, errno %s\n", ok,
	       errno == EAGAIN ? "EAGAIN" : strerror(errno));
}

/* --- return values and errno, success and EAGAIN --- */
static void case_errno(void)
{
	struct rlimit rl = { 0, 0 };
	pid_t pid;

	errno = 1234;
	pid = fork();
	if (pid == 0)
		_exit(errno == 1234 ? 7 : 8);
	printf("fork ok: child exit %d, parent errno %d\n", wait_status(pid),
	       errno);
	/* EAGAIN from RLIMIT_NPROC: root bypasses it, so drop to nobody */
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534) || setrlimit(RLIMIT_NPROC, &rl))
			_exit(3);
		errno = 0;
		pid_t p2 = fork();

		if (p2 == 0)
			_exit(0);
		printf("nproc 0: fork %d errno %s\n", p2 < 0 ? -1 : 1,
		       errno == EAGAIN ? "EAGAIN" : strerror(errno));
		fflush(stdout);
		_exit(p2 < 0 && errno == EAGAIN ? 0 : 4);
	}
	EXPECT(wait_status(pid) == 0);
	/* _Fork, daemon's sibling, is interposed too */
	pid = _Fork();
	if (pid == 0)
		_exit(5);
	printf("_Fork: child exit %d\n", wait_status(pid));
}

/* --- fork from a signal handler while another thread is in malloc --- */
static volatile sig_atomic_t handler_pid;
static volatile int stop;

static void on_usr1(int sig)
{
	pid_t pid;

	(void)sig;
	pid = fork();
	if (pid == 0)
		_exit(0);
	handler_pid = pid > 0 ? pid : -1;
}

static void *malloc_loop(void *arg)
{
	(void)arg;
	while (!stop) {
		void *p = malloc(1000 + rand() % 100000);

		free(p);
	}
	return NULL;
}

static void case_signal_threads(void)
{
	pthread_t t[2];
	int i, ok = 0;

	signal(SIGUSR1, on_usr1);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, malloc_loop, NULL);
	for (i = 0; i < 50; i++) {
		handler_pid = 0;
		raise(SIGUSR1);
		if (handler_pid > 0 && wait_status(handler_pid) == 0)
			ok++;
	}
	/* and plain forks from a multi-threaded process */
	for (i = 0; i < 50; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		ok += pid > 0 && wait_status(pid) == 0;
	}
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("signal-handler and threaded forks: %d of 100 ok\n", ok);
	EXPECT(ok == 100);
}

/* --- what must pass through untouched --- */
static int clone_child(void *arg)
{
	(void)arg;
	return 0;
}

static void case_passthrough(void)
{
	char *stack = malloc(65536), buf[64];
	char *argv[] = { "true", NULL };
	pid_t pid;
	FILE *p;

	pid = vfork();
	if (pid == 0)
		_exit(3);
	printf("vfork: %d\n", wait_status(pid));
	EXPECT(posix_spawnp(&pid, "true", NULL, NULL, argv, environ) == 0);
	printf("posix_spawn: %d\n", wait_status(pid));
	printf("system: %d\n", WEXITSTATUS(system("exit 4")));
	p = popen("echo popen", "r");
	EXPECT(p && fgets(buf, sizeof(buf), p));
	printf("popen: %s", buf);
	pclose(p);
	pid = clone(clone_child, stack + 65536, CLONE_VM | SIGCHLD, NULL);
	printf("clone(CLONE_VM): %d\n", wait_status(pid));
	pid = clone(clone_child, stack + 65536, SIGCHLD, NULL);
	printf("clone(): %d\n", wait_status(pid));
	free(stack);
}

/*
 * --- clone() that the kernel refuses: the same return and errno ---
 * CLONE_SIGHAND without CLONE_VM is EINVAL; a clone past RLIMIT_NPROC (as
 * nobody: root bypasses it) is EAGAIN.  errno is set to a marker first, so
 * a wrapper that clears it or leaves the marker shows.
 */
static void case_clonefail(void)
{
	struct rlimit rl = { 0, 0 };
	char *stack = malloc(65536);
	pid_t pid;
	int rc;

	EXPECT(stack != NULL);
	errno = 1234;
	rc = clone(clone_child, stack + 65536, CLONE_SIGHAND | SIGCHLD, NULL);
	printf("clone(CLONE_SIGHAND): %d errno %s\n", rc,
	       errno == EINVAL ? "EINVAL" : strerror(errno));
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534) || setrlimit(RLIMIT_NPROC, &rl))
			_exit(3);
		errno = 1234;
		rc = clone(clone_child, stack + 65536, SIGCHLD, NULL);
		printf("clone() at nproc 0: %d errno %s\n", rc,
		       errno == EAGAIN ? "EAGAIN" : strerror(errno));
		fflush(stdout);
		_exit(rc < 0 && errno == EAGAIN ? 0 : 4);
	}
	printf("nproc child: %d\n", wait_status(pid));
	free(stack);
}

/* --- a program that closes every fd and reuses the numbers --- */
static void case_closefds(void)
{
	char path[] = "/tmp/fg-closefds.XXXXXX", buf[64];
	int i, fd = mkstemp(path);
	pid_t pid;

	EXPECT(fd >= 0);
	EXPECT(write(fd, "precious data\n", 14) == 14);
	close(fd);
	for (i = 0; i < 3; i++) {	/* the guard opens its fds here */
		pid = fork();
		if (pid == 0)
			_exit(0);
		wait_status(pid);
	}
	for (i = 3; i < 1024; i++)
		close(i);
	/* the guard's fds are gone: its fstat fails, errno must not show it */
	errno = 1234;
	pid = fork();
	if (pid == 0)
		_exit(errno == 1234 ? 0 : 9);
	printf("fds closed: parent errno %d, ", errno);
	printf("child exit %d\n", wait_status(pid));
	/* the host reuses the numbers the guard had */
	for (i = 0; i < 8; i++)
		EXPECT(open(path, O_RDWR) >= 0);
	for (i = 0; i < 3; i++) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		EXPECT(wait_status(pid) == 0);
	}
	fd = open(path, O_RDONLY);
	memset(buf, 0, sizeof(buf));
	EXPECT(read(fd, buf, sizeof(buf) - 1) == 14);
	printf("after closing every fd: file says %s", buf);
	unlink(path);
}

/*
 * A daemon closes stdin and stderr, forks, then fills them with /dev/null
 * and counts on open() returning 0 and 2: the guard's fds, opened at the
 * first fork, are never those numbers.
 */
static void case_stdio(void)
{
	int i, a, b;
	pid_t pid;

	close(0);
	close(2);
	for (i = 0; i < 3; i++) { /* the guard opens its fds here */
		pid = fork();
		if (pid == 0)
			_exit(0);
		wait_status(pid);
	}
	a = open("/dev/null", O_RDONLY);
	b = open("/dev/null", O_WRONLY);
	printf("stdin and stderr closed, refilled: fds %d and %d\n", a, b);
}

/* --- the child can fork again and exec; daemon works --- */
static void case_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pid_t g = fork();

		if (g == 0)
			execlp("sh", "sh", "-c", "exit 6", (char *)NULL);
		_exit(g > 0 ? wait_status(g) : 9);
	}
	printf("grandchild exec: %d\n", wait_status(pid));
	pid = fork();
	if (pid == 0) {
		if (daemon(1, 1) == 0)
			_exit(0);	/* the daemonised grandchild */
		_exit(1);
	}
	printf("daemon parent: %d\n", wait_status(pid));
}

/* one call's outcome: its result and errno (set to 0 before it) */
#define SAY(what, call)                                                      \
	do {                                                                 \
		long r_;                                                     \
		errno = 0;                                                   \
		r_ = (long)(call);                                           \
		printf("%s: %s, errno %s\n", what,                           \
		       r_ == -1 ? "-1" : "ok", strerror(errno));             \
	} while (0)

/*
 * --- mmap, munmap, mprotect, madvise, mremap: what they return and their
 * errno, through the wrappers (which record them where smaps has no
 * VmFlags), around a fork ---
 */
static void case_maps(void)
{
	size_t mb = 1 << 20;
	char *a = mmap(NULL, 8 * mb, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *b;
	pid_t pid;

	EXPECT(a != MAP_FAILED);
	SAY("mprotect rw", mprotect(a, 8 * mb, PROT_READ | PROT_WRITE));
	SAY("madvise dontfork", madvise(a, mb, MADV_DONTFORK));
	SAY("madvise dofork", madvise(a, mb, MADV_DOFORK));
	errno = 0;
	b = mremap(a, 8 * mb, 16 * mb, MREMAP_MAYMOVE);
	printf("mremap grow: %s, errno %s\n", b == MAP_FAILED ? "-1" : "ok",
	       strerror(errno));
	EXPECT(b != MAP_FAILED);
	if (b == MAP_FAILED)
		return;
	b[0] = 1;
	pid = fork();
	if (pid == 0)
		_exit(b[0] == 1 ? 0 : 1);
	printf("fork: %d\n", wait_status(pid));
	SAY("mmap bad fd", mmap(NULL, mb, PROT_READ, MAP_PRIVATE, -1, 0));
	SAY("munmap unaligned", munmap(b + 1, mb));
	SAY("madvise bad advice", madvise(b, mb, 12345));
	SAY("mremap shrink", mremap(b, 16 * mb, 4 * mb, 0));
	SAY("munmap", munmap(b, 4 * mb));
	SAY("mprotect unmapped", mprotect(b, mb, PROT_READ));
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "maps", case_maps },
	{ "atfork", case_atfork },     { "errno", case_errno },
	{ "signal", case_signal_threads }, { "passthrough", case_passthrough },
	{ "closefds", case_closefds }, { "stdio", case_stdio },
	{ "child", case_child },
	{ "handler-errno", case_handler_errno },
	{ "clonefail", case_clonefail },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (argc > 1 && !strcmp(argv[1], cases[i].name)) {
			cases[i].fn();
			return bad;
		}
	fprintf(stderr, "usage: transparency atfork|errno|signal|passthrough|closefds|stdio|child|handler-errno|clonefail|maps\n");
	return 2;
}
