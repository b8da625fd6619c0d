/*
 * cli_interp.c - which C library a command runs on, from its ELF
 * interpreter (`forkguard run` preloads the build that matches).
 *
 * A dynamically linked program names its dynamic linker in PT_INTERP:
 * /lib64/ld-linux-x86-64.so.2 (glibc) or /lib/ld-musl-x86_64.so.1 (musl).
 * That linker is what reads LD_PRELOAD, and a library built for the other
 * libc does not load under it (a glibc build needs __register_atfork,
 * which musl lacks; a musl build needs "libc.so", which glibc's is not).
 * A script is judged by its "#!" interpreter (one level); a program
 * without PT_INTERP is static and ignores LD_PRELOAD altogether.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* @cmd as execvp would find it, into @out (PATH_MAX); 0 or -ENOENT. */
static int resolve(const char *cmd, char *out)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(cmd, '/')) {
		snprintf(out, PATH_MAX, "%s", cmd);
		return access(out, X_OK) ? -errno : 0;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, PATH_MAX, "%.*s%s%s", (int)(end - p),
			 end == p ? "." : p, "/", cmd);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* PT_INTERP of the 64-bit ELF open on @fd into @interp; 0 if none. */
static int elf_interp(int fd, char *interp, size_t len)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph))
		return -ENOEXEC;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph),
			  (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    sizeof(ph))
			return -ENOEXEC;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz > len)
			return -ENOEXEC;
		if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) !=
		    (ssize_t)ph.p_filesz)
			return -ENOEXEC;
		interp[ph.p_filesz - 1] = '\0';
		return 0;
	}
	interp[0] = '\0';
	return 0;
}

int cli_interp(const char *cmd, char *interp, size_t len)
{
	char path[PATH_MAX], line[PATH_MAX], *end;
	int depth, fd, rc;
	ssize_t n;

	rc = resolve(cmd, path);
	for (depth = 0; !rc && depth < 2; depth++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = pread(fd, line, sizeof(line) - 1, 0);
		if (n > 2 && line[0] == '#' && line[1] == '!') {
			close(fd);
			line[n] = '\0';
			end = line + 2 + strspn(line + 2, " \t");
			end[strcspn(end, " \t\n")] = '\0';
			snprintf(path, sizeof(path), "%s", end);
			continue;
		}
		rc = elf_interp(fd, interp, len);
		close(fd);
		return rc;
	}
	return rc ? rc : -ELOOP;
}

enum cli_libc cli_libc_of(const char *interp)
{
	const char *base = strrchr(interp, '/');

	base = base ? base + 1 : interp;
	if (!*base)
		return CLI_LIBC_STATIC;
	if (!strncmp(base, "ld-musl-", 8))
		return CLI_LIBC_MUSL;
	if (!strncmp(base, "ld-linux", 8))
		return CLI_LIBC_GLIBC;
	return CLI_LIBC_OTHER;
}
