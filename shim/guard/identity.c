/*
 * identity.c - which copy of the library this is, and what it says when
 * run as a program.
 *
 * One guard per process: an installed copy and a build copy both in
 * LD_PRELOAD would each wrap fork (the first calls the second through
 * RTLD_NEXT) and every report would come twice.  Each copy exports the
 * same marker; the dynamic linker resolves a name to its first definition
 * in the global scope, so a copy whose own marker is not what
 * dlsym(RTLD_DEFAULT) finds is not the first: it stays passive (every call
 * passes straight through) and says so once, at the process's first fork
 * (when the copy matters: `/bin/true` never forks and says nothing).  Its own address is taken
 * through a hidden alias: the public name would be resolved to the first
 * copy's, interposed like any other symbol.
 *
 * Run as a program (`build/libforkguard.so.0`), the library prints its
 * version and build facts and exits 0: it has an ELF interpreter (.interp,
 * the one the build's compiler links programs with) and an entry point
 * (-Wl,-e,fg_main).  The dynamic linker ignores both when the library is
 * preloaded or linked.
 */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fmt.h"
#include "identity.h"
#include "log.h"

FG_API const char forkguard_copy_marker[] = "libforkguard " FG_VERSION;
extern const char fg_own_marker[sizeof(forkguard_copy_marker)]
    __attribute__((alias("forkguard_copy_marker"), visibility("hidden")));

#ifdef FG_INTERP
__attribute__((section(".interp"), used, retain)) static const char interp[] =
    FG_INTERP;
#endif

/*
 * What `forkguard check PID` reads of this copy (in the process's memory,
 * /proc/PID/mem, where the library's writable data is mapped): the marker,
 * then "version= role= mode= format= log= cow= cow_margin_mb= metrics=" as
 * set at load (what its forks cost is beside it: plan.c).  In
 * .data (initialised), so that it lies in the library's file mapping.
 */
__attribute__((used)) static char state[FG_STATE_LEN] = FG_STATE_MAGIC;

static int copy_state; /* 0: not known yet, 1: the first copy, 2: another */
static struct {
	char armed;		 /* the note is due at the first fork */
	const char *first, *own; /* the two copies' paths (dladdr's) */
} note;

static const char *path_of(const void *addr)
{
	Dl_info info;

	return dladdr(addr, &info) && info.dli_fname ? info.dli_fname : "?";
}

/* the one note, at the first fork: a process that never forks says nothing */
static void say_passive(void)
{
	const struct fg_config *c = fg_config();
	char line[2 * FG_PATH_MAX + 160];
	struct fg_buf b;

	if (!c)
		return;
	fg_buf_init(&b, line, sizeof(line));
	fg_puts(&b, "forkguard: ");
	fg_puts(&b, note.first);
	fg_puts(&b, " guards this process; this second copy (");
	fg_puts(&b, note.own);
	fg_puts(&b, ") stays passive: one report per fork\n");
	fg_log_write(c, line, b.at);
}

bool fg_second_copy(void)
{
	int s = __atomic_load_n(&copy_state, __ATOMIC_ACQUIRE);
	const void *first;

	if (s == 2 && __atomic_load_n(&note.armed, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&note.armed, 0, __ATOMIC_RELAXED))
		say_passive();
	if (s)
		return s == 2;
	first = dlsym(RTLD_DEFAULT, "forkguard_copy_marker");
	s = first && first != (const void *)fg_own_marker ? 2 : 1;
	__atomic_store_n(&copy_state, s, __ATOMIC_RELEASE);
	return s == 2;
}

void fg_second_copy_say(void)
{
	const void *first = dlsym(RTLD_DEFAULT, "forkguard_copy_marker");

	if (!first)
		return;
	/* dladdr now, at load: at a fork it may run in a signal handler */
	note.first = path_of(first);
	note.own = path_of(fg_own_marker);
	__atomic_store_n(&note.armed, 1, __ATOMIC_RELEASE);
}

static const char *const mode_names[] = { "observe", "enforce", "remediate",
					  "off" };

/* at load: what this copy does, for forkguard check */
__attribute__((constructor)) static void publish(void)
{
	const struct fg_config *c = fg_config();
	struct fg_buf b;

	fg_buf_init(&b, state + sizeof(FG_STATE_MAGIC) - 1,
		    sizeof(state) - sizeof(FG_STATE_MAGIC));
	fg_puts(&b, " version=" FG_VERSION " role=");
	fg_puts(&b, fg_second_copy() ? "passive" : "guard");
	if (!c)
		return;
	fg_puts(&b, " mode=");
	fg_puts(&b, (unsigned)c->mode < 4 ? mode_names[c->mode] : "?");
	fg_puts(&b, " format=");
	fg_puts(&b, c->format == FG_FORMAT_JSON ? "json" : "text");
	fg_puts(&b, " log=");
	fg_puts(&b, c->sink == FG_SINK_FILE	? c->log_pattern
		    : c->sink == FG_SINK_STDERR ? "stderr"
		    : c->sink == FG_SINK_SYSLOG ? "syslog"
						: "auto");
	fg_puts(&b, " cow=");
	fg_puts(&b, c->cow == FG_COW_ABORT     ? "abort"
		    : c->cow == FG_COW_PROTECT ? "protect"
		    : c->cow == FG_COW_OFF     ? "off"
					       : "warn");
	fg_puts(&b, " cow_margin_mb=");
	fg_putu(&b, c->cow_margin_mb);
	fg_puts(&b, " metrics=");
	fg_puts(&b, c->metrics_dir[0] ? c->metrics_dir : "none");
}

static void say(const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n && (w = write(STDOUT_FILENO, s, n)) > 0) {
		s += w;
		n -= (size_t)w;
	}
}

/* the entry point when the library is run as a program */
__attribute__((noreturn, force_align_arg_pointer, used)) void fg_main(void)
{
	say("libforkguard " FG_VERSION
	    ": predicts whether the kernel's overcommit check will refuse a "
	    "fork, explains it, remediates\n");
	say("  this copy: ");
	say(path_of(fg_own_marker));
	say("\n  built with: "
#ifdef __clang__
	    "clang "
#elif defined(__GNUC__)
	    "gcc "
#endif
	    __VERSION__
#ifdef __GLIBC__
	    ", for glibc"
#else
	    ", for musl (or another non-glibc libc)"
#endif
#ifdef FG_INTERP
	    " (interpreter " FG_INTERP ")"
#endif
#ifdef __x86_64__
	    ", x86_64"
#elif defined(__aarch64__)
	    ", aarch64"
#endif
#ifdef __OPTIMIZE__
	    ", optimized"
#endif
	    "\n  use: LD_PRELOAD=/path/to/libforkguard.so.0 COMMAND, or "
	    "forkguard run -- COMMAND\n"
	    "  see: man 7 libforkguard, forkguard --help\n");
	_exit(0);
}
