/*
 * scenario.c - the VM oracle's driver: build one memory layout, fork once.
 *
 * usage: scenario NAME [-j|-r|-a] [-f] [-u|-c] [-w] [-t MODE] [-n N]
 *                 [-s DIR] KIND SIZE
 *        scenario --hold SIZE
 *
 * It builds the layout KIND of SIZE, optionally drops privileges (-u:
 * setresuid 65534; -c: drop CAP_SYS_ADMIN, stay uid 0) and stops itself
 * (-w: SIGSTOP, so the caller can change vm.overcommit_memory), measures
 * what the kernel should decide (measure.c, independent of forkguard),
 * calls fork() exactly once - the child _exit()s at once - and prints the
 * real outcome and every number the expectation used on one line:
 *
 *   scenario NAME real=ok|ENOMEM|EAGAIN|... expect=ok|fail key=value...
 *
 * Run under LD_PRELOAD=libforkguard.so, the guard logs its own verdict for
 * that same fork; oracle.sh pairs the two.  Nothing before the fork uses
 * malloc or stdio, so what is measured is what is forked.
 *
 * KIND: anon noreserve dontfork wipeonfork shared relro protnone
 *       protnone-clean brk mremap many arena tstack retain (layout.c).
 * -s DIR records, right before the fork, what `forkguard check --procfs
 * DIR self` reads (snap.c): the same fork judged from outside.
 * -j builds the region as two adjacent halves, which the kernel may merge
 * into one VMA (merged= tells whether it did; never assumed); -r maps the
 * upper half first; -a lets mmap(NULL) place both halves, as a naive
 * program would; -f writes a page of each half as soon as it is mapped.
 * SIZE: N[p|k|M|G] (bytes without suffix), or L[r|u][*F][+-N[p|k|M|G]]:
 * L is the largest region that should still fork under mode -t (default:
 * the current mode) for this process (r: as root, u: as non-root).
 * --hold maps SIZE, charged, stops itself and waits to be killed: memory
 * committed by another process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "measure.h"
#include "scenario.h"

#define NOBODY 65534

const char *const kind_names[K_COUNT] = {
    "anon",	 "noreserve", "dontfork", "wipeonfork",     "shared",
    "relro",	 "protnone",  "protnone-clean", "brk",    "mremap",
    "many",	 "arena",     "tstack",	       "retain",
};

long page;

/*
 * out - printf to stdout through a static buffer and one write(2): stdio
 * would malloc its buffer, and when committed memory is at the mode-2
 * limit every allocation fails and stdio drops the line.
 */
static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	static char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) < 0)
		_exit(4);
}

static void usage(void)
{
	fputs("usage: scenario NAME [-j|-r|-a] [-f] [-u|-c] [-w] [-t MODE]\n"
	      "                [-n N] [-s DIR] KIND SIZE\n"
	      "       scenario --hold SIZE\n",
	      stderr);
	exit(2);
}

/* Grow the stack VMA now: growing it after measuring would change the charge. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char pad[512 << 10];
	size_t i;

	for (i = 0; i < sizeof(pad); i += 4096)
		pad[i] = 0;
}

/* amount - "N[p|k|M|G]" in pages (rounded up); *end after it. */
static long amount(const char *s, const char **end)
{
	char *e;
	unsigned long long v = strtoull(s, &e, 10);

	switch (*e) {
	case 'p':
		v *= page;
		e++;
		break;
	case 'k':
		v <<= 10;
		e++;
		break;
	case 'M':
		v <<= 20;
		e++;
		break;
	case 'G':
		v <<= 30;
		e++;
		break;
	}
	*end = e;
	return (long)((v + page - 1) / page);
}

/* size_pages - parse SIZE (see header); -1 when malformed. */
static long size_pages(const char *spec, int mode, bool admin)
{
	struct m_sys s;
	struct m_self m;
	const char *p = spec;
	long v, n, sign;

	if (*p != 'L') {
		v = amount(p, &p);
		return *p ? -1 : v;
	}
	if (m_read_sys(&s) || m_read_self(&m))
		return -1;
	p++;
	if (*p == 'r' || *p == 'u')
		admin = *p++ == 'r';
	v = m_limit_pages(&s, &m, mode < 0 ? (int)s.mode : mode, admin);
	if (*p == '*')
		v = (long)((double)v * strtod(p + 1, (char **)&p));
	if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		n = amount(p + 1, &p);
		v += sign * n;
	}
	return *p || v <= 0 ? -1 : v;
}


static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	unsigned bit = 1u << CAP_SYS_ADMIN;

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~bit;
	d[0].permitted &= ~bit;
	d[0].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int drop_root(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

static const char *outcome(int err)
{
	static char other[32];

	switch (err) {
	case 0: return "ok";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case ENOSYS: return "ENOSYS";
	}
	snprintf(other, sizeof(other), "errno%d", err);
	return other;
}

static int hold(const char *spec)
{
	long pages = size_pages(spec, -1, true);
	void *p;

	if (pages < 0)
		usage();
	p = mmap(NULL, (size_t)pages * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		out("hold failed=%s size_kb=%ld\n", outcome(errno),
		    pages * page / 1024);
		return 1;
	}
	out("hold pid=%d size_kb=%ld\n", (int)getpid(), pages * page / 1024);
	raise(SIGSTOP);
	for (;;)
		pause();
}

static int measure_failed(const char *name)
{
	out("scenario %s real=setup-%s step=measure\n", name, outcome(errno));
	return 3;
}

static void parse(int argc, char **argv, struct opts *o)
{
	int c, k;

	memset(o, 0, sizeof(*o));
	o->target = -1;
	o->nmany = 64;
	if (argc < 2)
		usage();
	o->name = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "jrafucwt:n:s:")) != -1) {
		switch (c) {
		case 'j': o->join = J_UP; break;
		case 'r': o->join = J_DOWN; break;
		case 'a': o->join = J_ANY; break;
		case 'f': o->fault = true; break;
		case 'u': o->user = true; break;
		case 'c': o->cap = true; break;
		case 'w': o->wait = true; break;
		case 't': o->target = atoi(optarg); break;
		case 'n': o->nmany = atol(optarg); break;
		case 's': o->snap = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 2 || o->nmany < 1)
		usage();
	for (k = 0; k < K_COUNT && strcmp(argv[optind], kind_names[k]); k++)
		;
	if (k == K_COUNT)
		usage();
	o->kind = (enum kind)k;
	o->size = argv[optind + 1];
}

int main(int argc, char **argv)
{
	struct region r = {0};
	struct m_sys s;
	struct m_self m;
	struct m_expect e;
	struct opts o;
	int vmas, err, status;
	long pages;
	pid_t pid;

	page = sysconf(_SC_PAGESIZE);
	prefault_stack();
	if (argc == 3 && !strcmp(argv[1], "--hold"))
		return hold(argv[2]);
	parse(argc, argv, &o);

	if (m_read_sys(&s) || m_read_self(&m))
		return measure_failed(o.name);
	pages = size_pages(o.size, o.target, m.admin && !o.user && !o.cap);
	if (pages < 0)
		usage();
	if (build(&o, pages, &r)) {
		out("scenario %s real=setup-%s step=%s kind=%s size_kb=%ld "
		    "mode=%ld\n",
		    o.name, outcome(r.err), r.step, kind_names[o.kind],
		    pages * page / 1024, s.mode);
		return 3;
	}
	vmas = m_count_vmas(r.lo, r.hi);
	if ((o.cap && drop_cap_sys_admin()) || (o.user && drop_root())) {
		out("scenario %s real=setup-%s step=drop\n", o.name,
		    outcome(errno));
		return 3;
	}
	if (o.wait)
		raise(SIGSTOP);

	if (m_read_sys(&s) || m_read_self(&m))
		return measure_failed(o.name);
	m_expect(&s, &m, (int)s.mode, m.admin, &e);
	if (o.snap && (err = snap_write(o.snap))) {
		out("scenario %s real=setup-%s step=snapshot\n", o.name,
		    outcome(-err));
		return 3;
	}

	pid = fork();
	if (pid == 0)
		_exit(0);
	err = pid < 0 ? errno : 0;
	if (pid > 0)
		waitpid(pid, &status, 0);

	out("scenario %s real=%s expect=%s pid=%d kind=%s join=%d size_kb=%ld "
	    "merged=%d vmas=%d mode=%ld admin=%d ratio=%ld kbytes=%ld "
	    "admin_reserve_kb=%ld user_reserve_kb=%ld mem_total_kb=%ld "
	    "swap_total_kb=%ld hugetlb_kb=%ld commit_limit_kb=%ld "
	    "my_commit_limit_kb=%ld committed_kb=%ld vmsize_kb=%ld "
	    "charge_kb=%ld largest_kb=%ld limit_kb=%ld margin_kb=%ld "
	    "band_kb=%ld fail_vma_kb=%ld fail_vma_start=0x%lx nvma=%u "
	    "nacct=%u ncpus=%ld\n",
	    o.name, outcome(err), e.fail ? "fail" : "ok", (int)getpid(),
	    kind_names[o.kind], o.join, pages * page / 1024, vmas == 1, vmas,
	    s.mode, m.admin, s.ratio, s.kbytes, s.admin_kb, s.user_kb,
	    s.mem_total_kb, s.swap_total_kb, s.hugetlb_kb, s.commit_limit_kb,
	    e.my_commit_limit_kb, s.committed_kb, m.vmsize_kb, m.charge_kb,
	    m.largest_kb, e.limit_kb, e.margin_kb, e.band_kb, e.fail_vma_kb,
	    e.fail_vma_start, m.nvma, m.nacct, s.ncpus);
	return 0;
}
