/*
 * fuzz.h - what the libFuzzer targets share.
 *
 * Exact-size heap copies of the input (so AddressSanitizer reports any
 * read past the length a parser was given), a reader that turns fuzz bytes
 * into field values, a memfd served through a path for the code that
 * opens files (fg_lines, fg_vmas_walk), and a strict JSON checker.
 * A broken invariant prints itself and aborts: libFuzzer records a crash.
 */
#ifndef FG_FUZZ_H
#define FG_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FZ_ASSERT(c)                                                     \
	do {                                                             \
		if (!(c)) {                                              \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #c);                 \
			abort();                                         \
		}                                                        \
	} while (0)

/* @n bytes of @p on the heap, not terminated: any read past @n is caught. */
static inline char *fz_dup(const void *p, size_t n)
{
	char *s = malloc(n);

	FZ_ASSERT(s || !n);
	if (n)
		memcpy(s, p, n);
	return s;
}

/* @p as a C string of exactly @n + 1 bytes (embedded NULs end it early). */
static inline char *fz_str(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	FZ_ASSERT(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Is @s NUL-terminated within @size bytes? */
static inline bool fz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* --- turning bytes into values: a cursor that yields zeros when dry --- */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fz_bits(struct fz *f, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (f->n ? *f->p : 0);
		if (f->n) {
			f->p++;
			f->n--;
		}
	}
	return v;
}

static inline bool fz_bool(struct fz *f)
{
	return fz_bits(f, 1) & 1;
}

/*
 * A number that is often interesting: small, near a power of two, or
 * anything at all.
 */
static inline uint64_t fz_num(struct fz *f)
{
	unsigned sel = (unsigned)fz_bits(f, 1);

	switch (sel % 4) {
	case 0: return fz_bits(f, 1);
	case 1: return fz_bits(f, 4);
	case 2: return (uint64_t)1 << (sel / 4 % 64);
	default: return fz_bits(f, 8);
	}
}

/* A length-prefixed string of any bytes but NUL into @dst[@size]. */
static inline void fz_cstr(struct fz *f, char *dst, size_t size)
{
	size_t want = (size_t)fz_bits(f, 1), i = 0, k;
	char c;

	for (k = 0; k < want && f->n; k++) {
		c = (char)fz_bits(f, 1);
		if (c && i + 1 < size)
			dst[i++] = c;
	}
	dst[i] = '\0';
}

/*
 * --- a memfd behind a path: "<dir>/<name>" is a symlink to it ---
 * fz_file_init() once; fz_file_set() before each use.
 */
struct fz_file {
	int fd;
	char dir[64];
};

static inline void fz_file_cleanup(struct fz_file *ff, const char *const *names)
{
	char path[128];

	for (; *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", ff->dir, *names);
		unlink(path);
	}
	rmdir(ff->dir);
}

static inline void fz_file_init(struct fz_file *ff, const char *const *names)
{
	char path[128], target[64];

	snprintf(ff->dir, sizeof(ff->dir), "/tmp/fg-fuzz.%d", (int)getpid());
	fz_file_cleanup(ff, names);
	FZ_ASSERT(mkdir(ff->dir, 0700) == 0);
	ff->fd = memfd_create("fg-fuzz", MFD_CLOEXEC);
	FZ_ASSERT(ff->fd >= 0);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", ff->fd);
	for (; *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", ff->dir, *names);
		FZ_ASSERT(symlink(target, path) == 0);
	}
}

static inline void fz_file_set(struct fz_file *ff, const void *p, size_t n)
{
	FZ_ASSERT(ftruncate(ff->fd, 0) == 0);
	FZ_ASSERT(pwrite(ff->fd, p, n, 0) == (ssize_t)n);
}

/* --- a strict JSON checker (RFC 8259, and ASCII only as fg_putjs is) --- */
struct js {
	const char *p, *end;
	int depth;
};

static inline void js_ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline bool js_lit(struct js *j, const char *w)
{
	size_t k = strlen(w);

	if ((size_t)(j->end - j->p) < k || memcmp(j->p, w, k))
		return false;
	j->p += k;
	return true;
}

static inline bool js_digits(struct js *j)
{
	const char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static inline bool js_number(struct js *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!js_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!js_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!js_digits(j))
			return false;
	}
	return true;
}

static inline bool js_string(struct js *j)
{
	int i;

	if (j->p >= j->end || *j->p != '"')
		return false;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20 || c >= 0x7f)
			return false;
		if (c != '\\')
			continue;
		if (++j->p >= j->end)
			return false;
		if (strchr("\"\\/bfnrt", *j->p) && *j->p)
			continue;
		if (*j->p != 'u')
			return false;
		for (i = 0; i < 4; i++)
			if (++j->p >= j->end ||
			    !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
				return false;
	}
	return false;
}

static inline bool js_value(struct js *j);

static inline bool js_members(struct js *j, char close, bool keyed)
{
	j->p++;
	js_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		if (keyed) {
			if (!js_string(j))
				return false;
			js_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
			js_ws(j);
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
		js_ws(j);
	}
}

static inline bool js_value(struct js *j)
{
	bool ok;

	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > 32)
			return false;
		ok = js_members(j, *j->p == '{' ? '}' : ']', *j->p == '{');
		j->depth--;
		return ok;
	case '"': return js_string(j);
	case 't': return js_lit(j, "true");
	case 'f': return js_lit(j, "false");
	case 'n': return js_lit(j, "null");
	default: return js_number(j);
	}
}

/* Is [@s, @s + @n) exactly one JSON object and a newline? */
static inline bool js_object_line(const char *s, size_t n)
{
	struct js j = {s, s + n, 0};

	if (!n || s[0] != '{' || s[n - 1] != '\n')
		return false;
	j.end--;
	return js_value(&j) && j.p == j.end;
}

/*
 * FZ_FILES("maps", "smaps") - a target whose code under test opens files:
 * one memfd per name, made at start-up (LLVMFuzzerInitialize), removed at
 * exit; the target writes each input into @file.
 */
#define FZ_FILES(...)                                                  \
	static struct fz_file file;                                    \
	static const char *const names[] = { __VA_ARGS__, NULL };      \
	static void cleanup(void)                                      \
	{                                                              \
		fz_file_cleanup(&file, names);                         \
	}                                                              \
	int LLVMFuzzerInitialize(int *argc, char ***argv)              \
	{                                                              \
		(void)argc;                                            \
		(void)argv;                                            \
		fz_file_init(&file, names);                            \
		atexit(cleanup);                                       \
		return 0;                                              \
	}

#endif /* FG_FUZZ_H */
