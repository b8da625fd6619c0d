/*
 * log.c - deliver every entry somewhere: file, stderr or syslog.
 *
 * The configured sink is the primary.  When it cannot take an entry (a
 * full disk, /dev/full, a tmpfs write refused at the commit limit, fd 2
 * closed), the entry goes to the next sink that works - stderr if fd 2 is
 * open and not /dev/null, then syslog - and, once per failure, a note says
 * which path failed and why (its errno's name) and where the entries go
 * now.  When neither takes it (fd 2 /dev/null and no /dev/log: a daemon in
 * a container), the last resort is a file of the user's own,
 * FG_LOG_LAST_RESORT-<euid>.log (/tmp/forkguard-0.log for root), whose
 * path the note names: no entry is lost.  A failed file is tried again
 * after FG_RETRY_S seconds, not on every entry.  FORKGUARD_LOG unset
 * means stderr, or syslog while fd 2 is closed or /dev/null (a daemon's).
 *
 * Each message leaves in one write(2) per stream, and each entry in one
 * datagram to /dev/log (glibc's syslog() allocates).  A log file is opened
 * O_APPEND|O_CLOEXEC|O_NOFOLLOW with mode 0600 and never truncated.  Its
 * fd is checked (fstat) before each write, because the host may have
 * closed it and reused the number; and its path (lstat), because
 * logrotate may have renamed it: the path then names another file, or
 * none, and is opened again.  At most `rate` reports a second get
 * through; the next one that does says how many were dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "fmt.h"
#include "forksafe.h"
#include "log.h"
#include "log_fd.h"
#include "report_stamp.h"

#define FG_RETRY_S 10 /* a failed log file is tried again after this */
#define FG_STR_(x) #x
#define FG_STR(x)  FG_STR_(x)
#define FG_MSG_MAX 12288

static struct {
	struct kept file, dgram, last;
	long retry_at;	    /* monotonic s: the failed file's next try; 0: ok */
	bool cut;	    /* the file's last write stopped mid-line */
	bool syslog_failed; /* the primary syslog's failure was noted */
	long window;
	unsigned in_window;
	unsigned long dropped;
	pid_t lock;
} sink = { .file = { .fd = -1 }, .dgram = { .fd = -1 }, .last = { .fd = -1 } };

static void log_path(const struct fg_config *c, char *path)
{
	struct fg_config tmp;

	if (!c->log_path_per_pid) {
		memcpy(path, c->log_path, FG_PATH_MAX);
		return;
	}
	tmp = *c;
	fg_config_expand_pid(&tmp, getpid());
	memcpy(path, tmp.log_path, FG_PATH_MAX);
}

/* the log file's fd, reopened when the path names another file (rotated) */
static int file_fd(const struct fg_config *c, const char *path)
{
	struct kept *k = &sink.file;
	bool child = k->owner != getpid() && c->log_path_per_pid;
	struct stat st;
	int fd = fg_kept_fd(k, child);

	if (fd >= 0 &&
	    (lstat(path, &st) || st.st_dev != k->dev || st.st_ino != k->ino))
		fd = fg_kept_fd(k, true);
	if (fd >= 0)
		return fd;
	return fg_keep(k, open(path,
			       O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				   O_NOFOLLOW | O_NOCTTY,
			       0600));
}

static int dgram_fd(bool again)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = fg_kept_fd(&sink.dgram, again);

	if (fd >= 0)
		return fd;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(addr.sun_path, "/dev/log");
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fg_keep(&sink.dgram, fd);
}

struct msg {
	const struct fg_config *c;
	const char *text;
	size_t n;
	struct fg_stamp st;
	char *out;     /* FG_MSG_MAX bytes, rendered into per sink */
	bool unshared; /* another thread holds the kept fds */
};

static size_t render(struct msg *m, bool syslog, const char *p, size_t n,
		     size_t *used)
{
	struct fg_buf b;
	size_t at = 0;

	fg_buf_init(&b, m->out, FG_MSG_MAX);
	m->st.syslog = syslog;
	do {
		at += fg_stamp_entry(&m->st, p + at, n - at, &b);
	} while (!syslog && at < n);
	*used = at;
	return b.at;
}

static int to_stream(struct msg *m, int fd, bool *cut)
{
	size_t used, len = render(m, false, m->text, m->n, &used);

	if (cut && *cut) {
		/* finish the line a failed write left cut */
		if (fg_write_all(fd, "\n", 1, NULL))
			return -EIO;
		*cut = false;
	}
	return fg_write_all(fd, m->out, len, cut);
}

/* a socket of its own, for a thread that does not hold the kept one */
static int dgram_once(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, "/dev/log");
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int to_syslog(struct msg *m)
{
	size_t at = 0, used, len;
	int fd = m->unshared ? dgram_once() : dgram_fd(false), err = 0;

	if (fd < 0)
		return fd;
	if (m->unshared) {
		while (at < m->n && !err) {
			len = render(m, true, m->text + at, m->n - at, &used);
			at += used;
			if (len && send(fd, m->out, len, MSG_NOSIGNAL) < 0)
				err = -errno;
		}
		close(fd);
		return err;
	}
	while (at < m->n) {
		len = render(m, true, m->text + at, m->n - at, &used);
		at += used;
		if (!len)
			continue;
		if (send(fd, m->out, len, MSG_NOSIGNAL) >= 0)
			continue;
		err = -errno;
		/* syslogd restarted: its socket is a new one */
		if ((fd = dgram_fd(true)) < 0)
			return fd;
		if (send(fd, m->out, len, MSG_NOSIGNAL) < 0)
			return -errno;
		err = 0;
	}
	return err;
}

/*
 * The last resort, when neither stderr nor syslog takes an entry (a daemon
 * on a host without /dev/log): FG_LOG_LAST_RESORT-<euid>.log, a file of this
 * user's own (a file another user made there is not written), opened as
 * the log file is.  Unshared: opened and closed for the one entry.
 */
static int last_fd(char *path, bool unshared)
{
	struct fg_buf b;
	struct stat st;
	int fd = unshared ? -1 : fg_kept_fd(&sink.last, false);

	fg_buf_init(&b, path, FG_PATH_MAX);
	fg_puts(&b, FG_LOG_LAST_RESORT "-");
	fg_putu(&b, (uint64_t)geteuid());
	fg_puts(&b, ".log");
	if (fd >= 0)
		return fd;
	fd = open(path,
		  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		      O_NOCTTY,
		  0600);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
			st.st_uid != geteuid())) {
		close(fd);
		return -EPERM;
	}
	return unshared ? fd : fg_keep(&sink.last, fd);
}

static int to_last(struct msg *m)
{
	char path[FG_PATH_MAX];
	int fd = last_fd(path, m->unshared), err;

	if (fd < 0)
		return fd;
	err = to_stream(m, fd, NULL);
	if (m->unshared)
		close(fd);
	return err;
}

/* the sinks after a failed primary: stderr, syslog, the last resort */
static int fallback(struct msg *m, enum fg_sink failed)
{
	if (failed != FG_SINK_STDERR && fg_stderr_usable() &&
	    !to_stream(m, STDERR_FILENO, NULL))
		return FG_SINK_STDERR;
	if (failed != FG_SINK_SYSLOG && !to_syslog(m))
		return FG_SINK_SYSLOG;
	return to_last(m) ? -1 : FG_SINK_FILE;
}

/* where fallback will put the next entry: stderr, syslog or a path */
static const char *fallback_name(enum fg_sink failed, char *path)
{
	if (failed != FG_SINK_STDERR && fg_stderr_usable())
		return "stderr";
	if (failed != FG_SINK_SYSLOG && dgram_fd(false) >= 0)
		return "syslog";
	last_fd(path, false);
	return path;
}

/*
 * One note, once per failure: "cannot write the log file PATH (ENOSPC)"
 * or "cannot send to syslog (/dev/log: ENOENT)", and where the entries go
 * until it works again (stderr, syslog, or the last resort's path).
 */
static void say_failed(struct msg *m, enum fg_sink failed, const char *path,
		       int err)
{
	char line[2 * FG_PATH_MAX + 192], to[FG_PATH_MAX];
	const char *text = m->text;
	size_t n = m->n;
	int prio = m->st.prio;
	struct fg_buf b;

	bool file = failed == FG_SINK_FILE;

	fg_buf_init(&b, line, sizeof(line));
	fg_puts(&b, file ? "forkguard: cannot write the log file "
			 : "forkguard: cannot send to syslog (/dev/log: ");
	fg_puts(&b, file ? path : "");
	fg_puts(&b, file ? " (" : "");
	fg_puterrno(&b, err);
	fg_puts(&b, "); entries go to ");
	fg_puts(&b, fallback_name(failed, to));
	fg_puts(&b, file ? " until it takes them again (tried every " FG_STR(
			       FG_RETRY_S) " s)\n"
			 : " until it takes them again (tried at each "
			   "entry)\n");
	m->st.prio = FG_PRIO_WARNING;
	m->text = line;
	m->n = b.at;
	fallback(m, failed);
	m->st.prio = prio;
	m->text = text;
	m->n = n;
}

static void to_file(struct msg *m)
{
	char path[FG_PATH_MAX];
	long now = fg_now_us() / 1000000L;
	int fd, err;

	log_path(m->c, path);
	if (sink.retry_at && now < sink.retry_at) {
		fallback(m, FG_SINK_FILE);
		return;
	}
	fd = file_fd(m->c, path);
	err = fd < 0 ? fd : to_stream(m, fd, &sink.cut);
	if (!err) {
		sink.retry_at = 0;
		return;
	}
	if (!sink.retry_at)
		say_failed(m, FG_SINK_FILE, path, err);
	sink.retry_at = now + FG_RETRY_S;
	fallback(m, FG_SINK_FILE);
}

static void deliver(struct msg *m)
{
	enum fg_sink s = m->c->sink;
	int err;

	if (s == FG_SINK_AUTO)
		s = fg_stderr_usable() ? FG_SINK_STDERR : FG_SINK_SYSLOG;
	if (s == FG_SINK_FILE) {
		to_file(m);
	} else if (s == FG_SINK_STDERR && to_stream(m, STDERR_FILENO, NULL)) {
		fallback(m, FG_SINK_STDERR);
	} else if (s == FG_SINK_SYSLOG) {
		err = to_syslog(m);
		if (err && !sink.syslog_failed)
			say_failed(m, FG_SINK_SYSLOG, NULL, err);
		sink.syslog_failed = err != 0;
		if (err)
			fallback(m, FG_SINK_SYSLOG);
	}
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

void fg_log_send(const struct fg_config *c, int prio, const char *msg, size_t n)
{
	char comm[17] = "", out[FG_MSG_MAX];
	struct msg m = { .out = out };
	struct timespec now;

	if (!n)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	prctl(PR_GET_NAME, comm);
	m.c = c;
	m.text = msg;
	m.n = n;
	m.st = (struct fg_stamp){ .json = c->format == FG_FORMAT_JSON,
				  .prio = prio,
				  .pid = getpid(),
				  .comm = comm,
				  .sec = now.tv_sec,
				  .nsec = now.tv_nsec };
	if (!fg_trylock(&sink.lock, m.st.pid)) {
		/* a sibling thread holds the kept fds: the unshared sinks */
		m.unshared = true;
		fallback(&m, FG_SINK_FILE);
		return;
	}
	deliver(&m);
	fg_unlock(&sink.lock);
}

void fg_log_write(const struct fg_config *c, const char *msg, size_t n)
{
	fg_log_send(c, FG_PRIO_WARNING, msg, n);
}
