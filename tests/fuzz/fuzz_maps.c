/*
 * fuzz_maps - the maps/smaps readers: fg_parse_maps_line(),
 * fg_parse_vmflags(), fg_lines() and the walk on top, fg_vmas_walk().
 *
 * The input is a whole maps or smaps file.  It is split into lines the way
 * fg_lines() delivers them and each line goes to both line parsers as an
 * exactly-sized heap copy (no NUL after it).  Then the same bytes are
 * served from a memfd: fg_lines() with small and odd buffer sizes must
 * deliver every byte but the newlines, in order, inside its buffer; and
 * fg_vmas_walk() runs in its three modes against a fixed host.
 */
#include <errno.h>

#include "fuzz.h"
#include "parse.h"
#include "policy.h"
#include "procfs.h"

FZ_FILES("maps", "smaps")

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "start-end " at the start of @line: 1..16 hex digits each, blanks
 * allowed before each. */
static bool ref_range(const char *line, size_t n, uint64_t *a, uint64_t *b)
{
	const char *p = line, *end = line + n;
	uint64_t *out[2] = {a, b};
	size_t d;
	int i;

	for (i = 0; i < 2; i++) {
		while (p < end && is_blank(*p))
			p++;
		*out[i] = 0;
		for (d = 0;
		     p < end && strchr("0123456789abcdefABCDEF", *p) && *p;
		     d++, p++)
			*out[i] = *out[i] << 4 |
				  (uint64_t)(*p <= '9'
						 ? *p - '0'
						 : (*p | 0x20) - 'a' + 10);
		if (!d || d > 16 || p >= end || *p != (i ? ' ' : '-'))
			return false;
		p++;
	}
	return true;
}

static size_t span(const char *p, const char *end, const char *set)
{
	const char *s = p;

	while (p < end && *p && strchr(set, *p))
		p++;
	return (size_t)(p - s);
}

/*
 * A line exactly as show_map_vma() prints it: "%lx-%lx %c%c%c%c %llx
 * %x:%x %lu" then blanks and the name.  The parser must take every such
 * line (inodes are decimal and may have 20 digits) and keep the name.
 */
static bool ref_kernel_line(const char *line, size_t n, const char **name)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = line, *end = line + n;
	size_t d;

	if (!(d = span(p, end, hex)) || d > 16 || (p += d) >= end ||
	    *p++ != '-')
		return false;
	if (!(d = span(p, end, hex)) || d > 16 || (p += d) >= end ||
	    *p++ != ' ')
		return false;
	if (end - p < 5 || !strchr("r-", p[0]) || !strchr("w-", p[1]) ||
	    !strchr("x-", p[2]) || !strchr("ps", p[3]) || p[4] != ' ' ||
	    !p[0] || !p[1] || !p[2] || !p[3])
		return false;
	p += 5;
	if (!(d = span(p, end, hex)) || d > 16 || (p += d) >= end ||
	    *p++ != ' ')
		return false;
	if (!(d = span(p, end, hex)) || (p += d) >= end || *p++ != ':')
		return false;
	if (!(d = span(p, end, hex)) || (p += d) >= end || *p++ != ' ')
		return false;
	if (!(d = span(p, end, "0123456789")) || d > 19)
		return false;
	p += d;
	if (p < end && *p != ' ')
		return false;
	while (p < end && is_blank(*p))
		p++;
	*name = p;
	return true;
}

/* Does the blank-separated token @w appear after "VmFlags:"? */
static bool ref_flag(const char *line, size_t n, const char *w)
{
	const char *p = line + 8, *end = line + n, *t;

	while (p < end) {
		while (p < end && is_blank(*p))
			p++;
		for (t = p; p < end && !is_blank(*p);)
			p++;
		if (p - t == 2 && !memcmp(t, w, 2))
			return true;
	}
	return false;
}

static void one_line(const char *src, size_t n)
{
	char *line = fz_dup(src, n);
	struct fg_vma v;
	uint64_t a, b;
	const char *name;
	size_t k;

	memset(&v, 0xa5, sizeof(v));
	if (ref_kernel_line(line, n, &name) && ref_range(line, n, &a, &b) &&
	    a <= b) {
		FZ_ASSERT(fg_parse_maps_line(line, n, &v));
		k = (size_t)(line + n - name);
		k = k < sizeof(v.name) - 1 ? k : sizeof(v.name) - 1;
		FZ_ASSERT(!memcmp(v.name, name, k) && v.name[k] == '\0');
		memset(&v, 0xa5, sizeof(v));
	}
	if (fg_parse_maps_line(line, n, &v)) {
		FZ_ASSERT(fz_terminated(v.name, sizeof(v.name)));
		FZ_ASSERT(v.start <= v.end);
		FZ_ASSERT(ref_range(line, n, &a, &b));
		FZ_ASSERT(a == v.start && b == v.end);
		FZ_ASSERT(v.account == v.private_);
		FZ_ASSERT(!v.dontcopy);
	}
	memset(&v, 0, sizeof(v));
	v.account = v.dontcopy = true;
	if (fg_parse_vmflags(line, n, &v)) {
		FZ_ASSERT(n >= 8 && !memcmp(line, "VmFlags:", 8));
		FZ_ASSERT(v.account == ref_flag(line, n, "ac"));
		FZ_ASSERT(v.dontcopy == ref_flag(line, n, "dc"));
	} else {
		FZ_ASSERT(n < 8 || memcmp(line, "VmFlags:", 8));
	}
	free(line);
}

/* --- fg_lines through a memfd: every byte but '\n', in order --- */
struct collect {
	const char *buf;
	size_t len;
	char *got;
	size_t at, cap;
};

static void collect_line(const char *line, size_t n, void *arg)
{
	struct collect *c = arg;

	FZ_ASSERT(line >= c->buf && line + n <= c->buf + c->len);
	FZ_ASSERT(!memchr(line, '\n', n));
	FZ_ASSERT(c->at + n <= c->cap);
	memcpy(c->got + c->at, line, n);
	c->at += n;
}

static void lines_via_file(const uint8_t *data, size_t size, size_t len)
{
	char *buf = malloc(len), *want = malloc(size + 1);
	struct collect c = {buf, len, malloc(size + 1), 0, size};
	char path[96];
	size_t i, k = 0;

	for (i = 0; i < size; i++)
		if (data[i] != '\n')
			want[k++] = (char)data[i];
	snprintf(path, sizeof(path), "%s/maps", file.dir);
	FZ_ASSERT(fg_lines(path, buf, len, collect_line, &c) == 0);
	FZ_ASSERT(c.at == k && !memcmp(c.got, want, k));
	free(c.got);
	free(want);
	free(buf);
}

/* --- the walk, against a fixed 24 GiB host without swap --- */
static void walk(enum fg_walk how, int mode)
{
	struct fg_sys s;
	struct fg_task t;
	struct fg_eval ev;
	enum fg_verdict verdict;
	unsigned i;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	s.mode = mode;
	s.ratio = 50;
	s.mem_total_kb = s.mem_free_kb = 24ULL << 20;
	s.commit_limit_kb = 12ULL << 20;
	s.committed_kb = 1ULL << 20;
	s.admin_reserve_kb = 8192;
	s.user_reserve_kb = 131072;
	s.page_kb = 4;
	s.ncpus = 2;
	s.kmajor = 6;
	s.kminor = 1;
	s.rule = FG_RULE_5_2;
	t.vsz_kb = 1ULL << 20;
	fg_eval_begin(&ev, &s, &t);
	rc = fg_vmas_walk(file.dir, -1, how, &ev);
	FZ_ASSERT(rc == 0 || rc == -ENODATA || rc == -ENOTSUP);
	FZ_ASSERT(ev.ntop <= FG_TOP_VMAS && ev.ntop <= ev.nvmas);
	FZ_ASSERT(ev.charge_pages >= ev.largest_pages);
	for (i = 1; i < ev.ntop; i++)
		FZ_ASSERT(ev.top[i - 1].end - ev.top[i - 1].start >=
			  ev.top[i].end - ev.top[i].start);
	for (i = 0; i < ev.ntop; i++)
		FZ_ASSERT(
		    fz_terminated(ev.top[i].name, sizeof(ev.top[i].name)));
	if (ev.failed)
		FZ_ASSERT(
		    fz_terminated(ev.fail_vma.name, sizeof(ev.fail_vma.name)));
	verdict = fg_eval_verdict(&ev);
	FZ_ASSERT((unsigned)verdict <= FG_UNKNOWN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0, i;

	for (i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			if (i < size || i > start)
				one_line((const char *)data + start, i - start);
			start = i + 1;
		}
	}
	fz_file_set(&file, data, size);
	lines_via_file(data, size, 61);
	lines_via_file(data, size, 1 + size % 97);
	walk(FG_WALK_BOUND, 2);
	walk(FG_WALK_ESTIMATE, 0);
	walk(FG_WALK_EXACT, 0);
	walk(FG_WALK_EXACT, 2);
	return 0;
}
