/*
 * procfs_sys.c - the host's overcommit facts from a procfs root: the
 * sysctls under sys/vm, meminfo, the kernel release (and so the rule of
 * its era), the CPUs, and the zones' reserves (zoneinfo).  Sysctls are
 * read with small buffers (the kernel allocates the size asked for).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "policy.h"
#include "procfs.h"

static void zone_line(const char *line, size_t n, void *arg)
{
	fg_zoneinfo_line(arg, line, n);
}

static uint64_t read_sysctl(const char *root, const char *rel, int *err)
{
	char buf[32];
	uint64_t v = 0;
	ssize_t n = fg_read(root, -1, rel, buf, sizeof(buf));

	if (n < 0 || !fg_parse_u64(buf, &v)) {
		if (err)
			*err = n < 0 ? (int)n : -EINVAL;
		return 0;
	}
	return v;
}

static unsigned read_ncpus(const char *root)
{
	char buf[128];
	unsigned n = 0;

	if (fg_procfs_live(root)) {
		if (fg_read_attr("/sys/devices/system/cpu/present", buf,
				 sizeof(buf)) > 0)
			n = fg_parse_cpulist(buf);
	} else if (fg_read(root, -1, "cpus", buf, sizeof(buf)) > 0) {
		n = fg_parse_cpulist(buf);
	}
	return n ? n : 1;
}

int fg_sys_read(const char *root, struct fg_sys *s)
{
	char buf[4096];
	int err = 0;
	uint64_t mode;

	memset(s, 0, sizeof(*s));
	s->page_kb = (unsigned)(sysconf(_SC_PAGESIZE) / 1024);
	if (!s->page_kb)
		s->page_kb = 4;
	mode = read_sysctl(root, "sys/vm/overcommit_memory", &err);
	s->mode = mode <= FG_OVERCOMMIT_NEVER ? (int)mode : -1;
	s->ratio = read_sysctl(root, "sys/vm/overcommit_ratio", NULL);
	s->kbytes = read_sysctl(root, "sys/vm/overcommit_kbytes", NULL);
	s->admin_reserve_kb = read_sysctl(root, "sys/vm/admin_reserve_kbytes",
					  NULL);
	s->user_reserve_kb = read_sysctl(root, "sys/vm/user_reserve_kbytes",
					 NULL);
	if (fg_read(root, -1, "sys/kernel/osrelease", s->release,
		    sizeof(s->release)) > 0) {
		s->release[strcspn(s->release, "\n")] = '\0';
		fg_parse_release(s->release, &s->kmajor, &s->kminor);
	}
	s->rule = fg_rule_for_release(s->release);
	s->ncpus = read_ncpus(root);
	if (fg_read(root, -1, "meminfo", buf, sizeof(buf)) < 0 ||
	    !fg_parse_meminfo(buf, s))
		err = err ? err : -EINVAL;
	/* only the free-memory rules use it, but a rule may be forced */
	if (fg_mode_reads_totalreserve(s->mode))
		fg_totalreserve_read(root, s);
	return err;
}

int fg_totalreserve_read(const char *root, struct fg_sys *s)
{
	struct fg_zone_acc z = { 0 };
	char path[FG_PATH_MAX], buf[4096];
	int rc = fg_path(path, sizeof(path), root, -1, "zoneinfo");

	if (!rc)
		rc = fg_lines(path, buf, sizeof(buf), zone_line, &z);
	if (!rc)
		s->totalreserve_kb = fg_zoneinfo_end(&z) * s->page_kb;
	return rc;
}
