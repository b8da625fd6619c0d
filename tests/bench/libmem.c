/*
 * libmem - what a preloaded library costs a process in memory: run under
 * LD_PRELOAD, it forks once (the guard opens what it keeps, its data is
 * written), then reads its own /proc/self/smaps and prints, for the
 * preloaded library's mappings (the file's, the anonymous one that
 * continues its data, .bss, with whatever the kernel merged into it, and
 * any anonymous one marked wipe-on-fork, VmFlags wf: the guard's own
 * page, where the kernel can wipe; nothing else in this program asks): how
 * many, their size, Rss, and their private pages (Anonymous: what this
 * process owns alone, the relocated data and .bss; the file's pages are
 * page cache, shared by every process that maps them).  A mapping is a VMA that every
 * fork copies and every exit tears down: fewer is a lower floor.
 *
 * usage: LD_PRELOAD=lib libmem   (run by `make bench`)
 * No assertions: this prints figures; README quotes them.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct usage {
	int maps;
	long size, rss, anon; /* kB */
};

/* @line is a mapping's first line: its range and path or [name] ("" if
 * anonymous) */
static bool mapping(const char *line, unsigned long *start, unsigned long *end,
		    const char **path)
{
	const char *p;

	if (sscanf(line, "%lx-%lx ", start, end) != 2)
		return false;
	p = strpbrk(line, "/[");
	*path = p ? p : "";
	return true;
}

int main(void)
{
	const char *preload = getenv("LD_PRELOAD");
	char lib[4096], line[4352], *nl;
	const char *path;
	unsigned long start, end, last_end = 0;
	struct usage u = { 0 }, cur = { 0 };
	bool in = false, anon_map = false;
	long kb;
	pid_t pid = fork();
	FILE *f;

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (!preload || !realpath(preload, lib)) {
		fprintf(stderr, "libmem: run it with LD_PRELOAD=library\n");
		return 2;
	}
	f = fopen("/proc/self/smaps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if (mapping(line, &start, &end, &path)) {
			/* the library's file, or the anonymous .bss right
			 * after its last page; an anonymous one is decided
			 * at its VmFlags (wf: the guard's wiped page) */
			in = !strcmp(path, lib) ||
			     (in && !*path && start == last_end);
			anon_map = !*path;
			cur = (struct usage){ 0 };
			if (in)
				last_end = end;
			continue;
		}
		if (sscanf(line, "Size: %ld", &kb) == 1)
			cur.size += kb;
		else if (sscanf(line, "Rss: %ld", &kb) == 1)
			cur.rss += kb;
		else if (sscanf(line, "Anonymous: %ld", &kb) == 1)
			cur.anon += kb;
		else if (!strncmp(line, "VmFlags:", 8) &&
			 (in || (anon_map && strstr(line, " wf")))) {
			u.maps++;
			u.size += cur.size;
			u.rss += cur.rss;
			u.anon += cur.anon;
		}
	}
	if (f)
		fclose(f);
	printf("%-20s %d mappings, %ld kB mapped, Rss %ld kB, private %ld kB "
	       "(%ld pages)\n",
	       strrchr(lib, '/') + 1, u.maps, u.size, u.rss, u.anon,
	       u.anon * 1024 / sysconf(_SC_PAGESIZE));
	return 0;
}
