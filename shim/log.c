/*
 * log.c - deliver reports to stderr, syslog or a file, rate-limited.
 *
 * Each report leaves in one write(2) (or one datagram to /dev/log), so
 * lines from several processes do not interleave.  A log file is opened
 * O_APPEND|O_CLOEXEC|O_NOFOLLOW with mode 0600 and never truncated; its fd
 * is checked (fstat) before every write, because the host may have closed
 * it and reused the number for its own data.  Syslog is spoken directly on
 * /dev/log: glibc's syslog() allocates.  At most `rate` reports a second
 * get through; the next one that does says how many were dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "fmt.h"
#include "forksafe.h"
#include "log.h"

static struct {
	int fd;
	dev_t dev;
	ino_t ino;
	pid_t owner;
	long window;
	unsigned in_window;
	unsigned long dropped;
	pid_t lock;
} sink = { .fd = -1 };

static bool fd_is_same(void)
{
	struct stat st;

	return sink.fd >= 0 && !fstat(sink.fd, &st) && st.st_dev == sink.dev &&
	       st.st_ino == sink.ino;
}

static int open_sink(const struct fg_config *c)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct fg_config tmp;
	const char *path = c->log_path;
	struct stat st;
	int fd;

	if (c->sink == FG_SINK_FILE) {
		if (c->log_path_per_pid) {
			tmp = *c;
			fg_config_expand_pid(&tmp, getpid());
			path = tmp.log_path;
		}
		fd = open(path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
			      O_NOFOLLOW | O_NOCTTY,
			  0600);
	} else {
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		strcpy(addr.sun_path, "/dev/log");
		if (fd >= 0 &&
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sink.fd = fd;
	sink.dev = st.st_dev;
	sink.ino = st.st_ino;
	sink.owner = getpid();
	return fd;
}

/*
 * The open sink for this process, or -1.  A child inherits the parent's:
 * it keeps using it, except a per-pid file (%p), which it reopens.  An fd
 * number that is no longer our file is the host's now: never touched.
 */
static int sink_fd(const struct fg_config *c, pid_t self)
{
	if (fd_is_same()) {
		if (sink.owner == self)
			return sink.fd;
		if (!c->log_path_per_pid) {
			sink.owner = self;
			return sink.fd;
		}
		close(sink.fd);
	}
	sink.fd = -1;
	return open_sink(c);
}

static void write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void deliver(const struct fg_config *c, const char *msg, size_t n)
{
	char dgram[8192];
	struct fg_buf b;
	int fd = -1;

	if (c->sink == FG_SINK_STDERR) {
		write_all(STDERR_FILENO, msg, n);
		return;
	}
	if (!fg_trylock(&sink.lock, getpid()))
		return;
	fd = sink_fd(c, getpid());
	if (fd >= 0 && c->sink == FG_SINK_FILE) {
		write_all(fd, msg, n);
	} else if (fd >= 0) {
		/* <user.warning> forkguard[pid]: one line, no trailing \n */
		fg_buf_init(&b, dgram, sizeof(dgram));
		fg_puts(&b, "<12>forkguard[");
		fg_putu(&b, (uint64_t)getpid());
		fg_puts(&b, "]: ");
		while (n && msg[n - 1] == '\n')
			n--;
		for (size_t i = 0; i < n; i++)
			fg_putc(&b, msg[i] == '\n' ? ' ' : msg[i]);
		send(fd, dgram, b.at, MSG_DONTWAIT | MSG_NOSIGNAL);
	} else {
		write_all(STDERR_FILENO, msg, n);
	}
	fg_unlock(&sink.lock);
}

unsigned long fg_log_admit(const struct fg_config *c)
{
	long sec = fg_now_us() / 1000000L;
	unsigned long dropped;

	if (!c->rate)
		return 0;
	if (__atomic_load_n(&sink.window, __ATOMIC_RELAXED) != sec) {
		__atomic_store_n(&sink.window, sec, __ATOMIC_RELAXED);
		__atomic_store_n(&sink.in_window, 0, __ATOMIC_RELAXED);
	}
	if (__atomic_add_fetch(&sink.in_window, 1, __ATOMIC_RELAXED) >
	    c->rate) {
		__atomic_add_fetch(&sink.dropped, 1, __ATOMIC_RELAXED);
		return FG_LOG_DROP;
	}
	dropped = __atomic_exchange_n(&sink.dropped, 0, __ATOMIC_RELAXED);
	return dropped;
}

void fg_log_write(const struct fg_config *c, const char *msg, size_t n)
{
	if (n)
		deliver(c, msg, n);
}
