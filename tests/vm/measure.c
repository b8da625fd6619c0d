/*
 * measure.c - the oracle's independent model of the fork-time commit check.
 *
 * See measure.h.  Everything is read with open/read/close into static
 * buffers: a malloc here would grow the brk heap, an accountable VMA, and
 * change the very charge being measured.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "measure.h"

#define MAX_ACCT	  8192
#define CAP_SYS_ADMIN_BIT 21

static char buf[4 << 20];
static long acct_pages[MAX_ACCT];
static unsigned long acct_start[MAX_ACCT];

/* read_file - whole file into buf, NUL-terminated; length or -errno. */
static long read_file(const char *path)
{
	long n = 0, r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n < (long)sizeof(buf) - 1) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

static int read_long(const char *path, long *v)
{
	long n = read_file(path);

	if (n < 0)
		return (int)n;
	*v = strtol(buf, NULL, 10);
	return 0;
}

/* field - value after "key" at a line start in buf, or -1. */
static long field(const char *key)
{
	size_t len = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, len))
			return strtol(p + len, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/*
 * totalreserve_pages - calculate_totalreserve_pages() (mm/page_alloc.c)
 * from /proc/zoneinfo: per zone, its high watermark plus the largest of
 * its lowmem reserves ("protection:"), at most what the zone manages.
 */
static long totalreserve_pages(void)
{
	long sum = 0, high = 0, prot = 0, v;
	char *p, *e;

	if (read_file("/proc/zoneinfo") < 0)
		return 0;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "Node ", 5)) {
			sum += high + prot;
			high = prot = 0;
		} else if (!strncmp(p, "high ", 5)) {
			high = strtol(p + 5, NULL, 10);
		} else if (!strncmp(p, "protection: (", 13)) {
			for (e = p + 13; *e && *e != ')' && *e != '\n';) {
				v = strtol(e, &e, 10);
				if (v > prot)
					prot = v;
				while (*e == ',' || *e == ' ')
					e++;
			}
		}
	}
	return sum + high + prot;
}

int m_read_sys(struct m_sys *s)
{
	static const struct {
		const char *path;
		size_t off;
	} ctl[] = {
	    {"/proc/sys/vm/overcommit_memory", offsetof(struct m_sys, mode)},
	    {"/proc/sys/vm/overcommit_ratio", offsetof(struct m_sys, ratio)},
	    {"/proc/sys/vm/overcommit_kbytes", offsetof(struct m_sys, kbytes)},
	    {"/proc/sys/vm/admin_reserve_kbytes",
	     offsetof(struct m_sys, admin_kb)},
	    {"/proc/sys/vm/user_reserve_kbytes",
	     offsetof(struct m_sys, user_kb)},
	};
	struct utsname u;
	unsigned i;
	long lo, hi;
	char *end;
	int err;

	memset(s, 0, sizeof(*s));
	s->pk = sysconf(_SC_PAGESIZE) / 1024;
	for (i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		err = read_long(ctl[i].path, (long *)((char *)s + ctl[i].off));
		/* kbytes (3.14+) and the reserves (3.10+) may not exist */
		if (err && !(i >= 2 && err == -ENOENT))
			return err;
	}
	if (uname(&u) == 0) {
		s->rel_major = strtol(u.release, &end, 10);
		s->rel_minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
	}
	if (read_file("/proc/meminfo") < 0)
		return -errno;
	s->guess_kb = field("MemFree:") + field("Cached:") +
		      field("Buffers:") + field("SwapCached:") +
		      field("SwapFree:") + field("SReclaimable:");
	if (s->rel_major > 3 || (s->rel_major == 3 && s->rel_minor >= 1))
		s->guess_kb -= field("Shmem:");
	s->mem_total_kb = field("MemTotal:");
	s->swap_total_kb = field("SwapTotal:");
	s->hugetlb_kb = field("Hugetlb:");
	if (s->hugetlb_kb < 0)
		s->hugetlb_kb = 0;
	s->commit_limit_kb = field("CommitLimit:");
	s->committed_kb = field("Committed_AS:");
	s->guess_kb -= totalreserve_pages() * s->pk; /* buf: zoneinfo now */
	s->ncpus = 1;
	if (read_file("/sys/devices/system/cpu/present") > 0) {
		/* "0-1" or "0" */
		lo = strtol(buf, NULL, 10);
		hi = strchr(buf, '-') ? strtol(strchr(buf, '-') + 1, NULL, 10)
				      : lo;
		s->ncpus = hi - lo + 1;
	}
	return s->mem_total_kb > 0 && s->committed_kb >= 0 ? 0 : -EINVAL;
}

static bool has_flag(const char *flags, const char *f)
{
	const char *p = flags;
	size_t len = strlen(f);

	while ((p = strstr(p, f))) {
		if ((p == flags || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

int m_read_self(struct m_self *m)
{
	unsigned long start = 0, end = 0;
	const char *p;
	long pages, cap;
	char *line, *nl;

	memset(m, 0, sizeof(*m));
	m->acct_pages = acct_pages;
	m->acct_start = acct_start;
	if (read_file("/proc/self/status") < 0)
		return -errno;
	m->vmsize_kb = field("VmSize:");
	p = strstr(buf, "\nCapEff:");
	cap = p ? (long)strtoull(p + 8, NULL, 16) : 0;
	m->admin = cap & (1L << CAP_SYS_ADMIN_BIT);

	if (read_file("/proc/self/smaps") < 0)
		return -errno;
	for (line = buf; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if ((*line >= '0' && *line <= '9') ||
		    (*line >= 'a' && *line <= 'f')) {
			start = strtoul(line, &line, 16);
			end = strtoul(line + 1, NULL, 16);
			m->nvma++;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8))
			continue;
		if (!has_flag(line + 8, "ac") || has_flag(line + 8, "dc"))
			continue;
		pages = (long)((end - start) /
			       (unsigned long)sysconf(_SC_PAGESIZE));
		if (m->nacct < MAX_ACCT) {
			acct_pages[m->nacct] = pages;
			acct_start[m->nacct] = start;
		}
		m->nacct++;
		m->charge_kb += (long)((end - start) / 1024);
		if ((long)((end - start) / 1024) > m->largest_kb)
			m->largest_kb = (long)((end - start) / 1024);
	}
	return m->nacct <= MAX_ACCT ? 0 : -E2BIG;
}

/* vm_commit_limit(), in pages (mm/util.c). */
static long commit_limit_pages(const struct m_sys *s)
{
	long allowed;

	if (s->kbytes)
		allowed = s->kbytes / s->pk;
	else
		allowed = (s->mem_total_kb / s->pk - s->hugetlb_kb / s->pk) *
			  s->ratio / 100;
	return allowed + s->swap_total_kb / s->pk;
}

/* Is the kernel older than @major.@minor? */
static bool before(const struct m_sys *s, long major, long minor)
{
	return s->rel_major < major ||
	       (s->rel_major == major && s->rel_minor < minor);
}

/* allowed, in pages, for a process of @vm_pages (mode 2). */
static long allowed_pages(const struct m_sys *s, long vm_pages, bool admin)
{
	long allowed = commit_limit_pages(s);
	long user = s->user_kb / s->pk;

	if (before(s, 3, 10)) {
		/* 2.6.32-3.9: 3 % of the RAM part off for non-root, and
		 * total_vm / 32 always */
		if (!admin)
			allowed -= (allowed - s->swap_total_kb / s->pk) / 32;
		return allowed - vm_pages / 32;
	}
	if (!admin)
		allowed -= s->admin_kb / s->pk;
	allowed -= vm_pages / 32 < user ? vm_pages / 32 : user;
	return allowed;
}

/* The percpu batch of vm_committed_as in mode 2 (mm_compute_batch). */
static long band_pages(const struct m_sys *s)
{
	long ram = s->mem_total_kb / s->pk, nr = s->ncpus;
	long batch = nr * 2 > 32 ? nr * 2 : 32;
	long sized = ram / nr / 256;

	return (sized > batch ? sized : batch) * nr;
}

void m_expect(const struct m_sys *s, const struct m_self *m, int mode,
	      bool admin, struct m_expect *e)
{
	long pk = s->pk, total, cum, allowed;
	unsigned i, n = m->nacct < MAX_ACCT ? m->nacct : MAX_ACCT;

	memset(e, 0, sizeof(*e));
	e->my_commit_limit_kb = commit_limit_pages(s) * pk;
	if (mode == 1) {
		e->margin_kb = LONG_MAX / 2;
		return;
	}
	if (mode == 0) {
		total = (s->mem_total_kb + s->swap_total_kb) / pk;
		e->limit_kb = total * pk;
		e->margin_kb = e->limit_kb - m->largest_kb;
		for (i = 0; i < n; i++) {
			if (m->acct_pages[i] > total) {
				e->fail = true;
				e->fail_vma_kb = m->acct_pages[i] * pk;
				e->fail_vma_start = m->acct_start[i];
				break;
			}
		}
		return;
	}
	allowed = allowed_pages(s, m->vmsize_kb / pk, admin);
	e->limit_kb = allowed * pk;
	e->band_kb = band_pages(s) * pk;
	cum = s->committed_kb / pk;
	e->margin_kb = (allowed - 1 - cum) * pk - m->charge_kb;
	for (i = 0; i < n; i++) {
		cum += m->acct_pages[i];
		if (cum >= allowed) {
			e->fail = true;
			e->fail_vma_kb = m->acct_pages[i] * pk;
			e->fail_vma_start = m->acct_start[i];
			break;
		}
	}
}

long m_limit_pages(const struct m_sys *s, const struct m_self *m, int mode,
		   bool admin)
{
	long pk = s->pk, vm = m->vmsize_kb / pk, x, nx, i;
	long base = s->committed_kb / pk + m->charge_kb / pk;

	if (mode != 2 && before(s, 5, 2)) {
		/* the free-memory heuristic, roughly (the 3 % or the admin
		 * reserve of a non-admin, totalreserve and the kernel's own
		 * slack are not taken off): a size to aim at, not a verdict */
		x = s->guess_kb / pk - base;
		if (!admin)
			x -= before(s, 3, 10) ? x / 32 : s->admin_kb / pk;
		return x > 0 ? x : 0;
	}
	if (mode != 2)
		return (s->mem_total_kb + s->swap_total_kb) / pk;
	/* fork ok iff base + 2x < allowed(vm + x) */
	x = (allowed_pages(s, vm, admin) - base - 1) / 2;
	for (i = 0; i < 16; i++) {
		nx = (allowed_pages(s, vm + x, admin) - base - 1) / 2;
		if (nx == x)
			break;
		x = nx;
	}
	while (x > 0 && base + 2 * x >= allowed_pages(s, vm + x, admin))
		x--;
	while (base + 2 * (x + 1) < allowed_pages(s, vm + x + 1, admin))
		x++;
	return x > 0 ? x : 0;
}

int m_count_vmas(unsigned long lo, unsigned long hi)
{
	unsigned long start, end;
	char *p;
	int n = 0;

	if (read_file("/proc/self/maps") < 0)
		return -errno;
	for (p = buf; p && *p;
	     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		start = strtoul(p, &p, 16);
		end = strtoul(p + 1, NULL, 16);
		if (start < hi && end > lo)
			n++;
	}
	return n;
}
