/*
 * snap.c - a recorded /proc for `forkguard check --procfs DIR self`.
 *
 * The driver calls snap_write() right before its one fork, so that the
 * CLI judges from outside exactly the layout the kernel then judges.
 * Files are copied with open/read/write through a static buffer: no
 * malloc, no stdio (see scenario.c).  A file the kernel does not have
 * (overcommit_kbytes before 3.14, the reserves before 3.10, ns/user
 * before 3.8) is left out, as a reader of that kernel would find it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"

static char sbuf[1 << 20];

/* copy - @from to @dir/@to; a missing @from is not an error. */
static int copy(const char *from, const char *dir, const char *to)
{
	char path[512];
	ssize_t n, got = 0;
	int in, outfd, err = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? 0 : -errno;
	while (got < (ssize_t)sizeof(sbuf)) {
		n = read(in, sbuf + got, sizeof(sbuf) - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(in);
	snprintf(path, sizeof(path), "%s/%s", dir, to);
	outfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (outfd < 0)
		return -errno;
	if (write(outfd, sbuf, (size_t)got) != got)
		err = -EIO;
	close(outfd);
	return err;
}

int snap_write(const char *dir)
{
	static const char *const files[][2] = {
	    {"/proc/meminfo", "meminfo"},
	    {"/proc/zoneinfo", "zoneinfo"},
	    {"/sys/devices/system/cpu/present", "cpus"},
	    {"/proc/sys/kernel/osrelease", "sys/kernel/osrelease"},
	    {"/proc/sys/vm/overcommit_memory", "sys/vm/overcommit_memory"},
	    {"/proc/sys/vm/overcommit_ratio", "sys/vm/overcommit_ratio"},
	    {"/proc/sys/vm/overcommit_kbytes", "sys/vm/overcommit_kbytes"},
	    {"/proc/sys/vm/admin_reserve_kbytes",
	     "sys/vm/admin_reserve_kbytes"},
	    {"/proc/sys/vm/user_reserve_kbytes", "sys/vm/user_reserve_kbytes"},
	    {"/proc/self/status", "self/status"},
	    {"/proc/self/statm", "self/statm"},
	    {"/proc/self/maps", "self/maps"},
	    {"/proc/self/smaps", "self/smaps"},
	};
	static const char *const dirs[] = {"", "/sys", "/sys/vm", "/sys/kernel",
					   "/self", "/self/ns"};
	char path[512], link[64];
	unsigned i;
	ssize_t n;
	int err;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, dirs[i]);
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if ((err = copy(files[i][0], dir, files[i][1])))
			return err;
	n = readlink("/proc/self/ns/user", link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(path, sizeof(path), "%s/self/ns/user", dir);
		if (symlink(link, path) && errno != EEXIST)
			return -errno;
	}
	return 0;
}
