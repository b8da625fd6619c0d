/*
 * parse.c - pure parsers of the /proc text forkguard reads.
 *
 * Every function takes a buffer and its length (or a NUL-terminated
 * buffer) and never reads past it: /proc files can be truncated, and the
 * fuzz targets feed these functions arbitrary bytes.  No I/O, no heap.
 */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse a decimal number in [p, end); returns the position after it. */
static const char *scan_u64(const char *p, const char *end, uint64_t *v,
			    bool *ok)
{
	uint64_t n = 0;
	const char *start;

	while (p < end && is_blank(*p))
		p++;
	start = p;
	while (p < end && *p >= '0' && *p <= '9') {
		if (n > (UINT64_MAX - 9) / 10) {
			*ok = false;
			return p;
		}
		n = n * 10 + (uint64_t)(*p - '0');
		p++;
	}
	*ok = p > start;
	*v = n;
	return p;
}

static const char *scan_hex(const char *p, const char *end, uint64_t *v,
			    bool *ok)
{
	uint64_t n = 0;
	const char *start;
	int d;

	while (p < end && is_blank(*p))
		p++;
	start = p;
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (p - start >= 16) {
			*ok = false;
			return p;
		}
		n = n << 4 | (uint64_t)d;
	}
	*ok = p > start;
	*v = n;
	return p;
}

bool fg_parse_u64(const char *buf, uint64_t *v)
{
	bool ok;
	const char *end = buf + strlen(buf);
	const char *p = scan_u64(buf, end, v, &ok);

	while (p < end && (*p == '\n' || is_blank(*p)))
		p++;
	return ok && p == end;
}

bool fg_parse_u64_prefix(const char *buf, uint64_t *v)
{
	bool ok;

	scan_u64(buf, buf + strlen(buf), v, &ok);
	return ok;
}

/* The next line of a NUL-terminated buffer: its start and length. */
static bool next_line(const char **cur, const char **line, size_t *n)
{
	const char *p = *cur, *e;

	if (!*p)
		return false;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	*line = p;
	*n = (size_t)(e - p);
	*cur = *e ? e + 1 : e;
	return true;
}

/* "Key:   123 kB" → 123 when the line starts with @key followed by ':'. */
static bool key_value(const char *line, size_t n, const char *key, uint64_t *v)
{
	size_t k = strlen(key);
	bool ok;

	if (n <= k || memcmp(line, key, k) || line[k] != ':')
		return false;
	scan_u64(line + k + 1, line + n, v, &ok);
	return ok;
}

bool fg_parse_meminfo(const char *buf, struct fg_sys *s)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define K(name, field) { name, offsetof(struct fg_sys, field) }
		K("MemTotal", mem_total_kb),
		K("MemFree", mem_free_kb),
		K("MemAvailable", mem_available_kb),
		K("Buffers", buffers_kb),
		K("Cached", cached_kb),
		K("SwapCached", swap_cached_kb),
		K("SwapTotal", swap_total_kb),
		K("SwapFree", swap_free_kb),
		K("Shmem", shmem_kb),
		K("SReclaimable", sreclaimable_kb),
		K("KReclaimable", kreclaimable_kb),
		K("Hugetlb", hugetlb_kb),
		K("CommitLimit", commit_limit_kb),
		K("Committed_AS", committed_kb),
#undef K
	};
	const char *cur = buf, *line;
	uint64_t huge_total = 0, huge_size = 0, v;
	bool have_hugetlb = false;
	size_t n, i;

	while (next_line(&cur, &line, &n)) {
		if (key_value(line, n, "HugePages_Total", &v)) {
			huge_total = v;
			continue;
		}
		if (key_value(line, n, "Hugepagesize", &v)) {
			huge_size = v;
			continue;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (key_value(line, n, keys[i].key, &v)) {
				*(uint64_t *)((char *)s + keys[i].off) = v;
				if (keys[i].off ==
				    offsetof(struct fg_sys, hugetlb_kb))
					have_hugetlb = true;
				break;
			}
		}
	}
	/* before 4.16 there is no Hugetlb: line; the default pool is all */
	if (!have_hugetlb)
		s->hugetlb_kb = huge_total * huge_size;
	return s->mem_total_kb != 0;
}

bool fg_parse_status(const char *buf, struct fg_task *t, bool *cap_admin)
{
	const char *cur = buf, *line;
	size_t n, len;
	uint64_t v;
	bool ok, have_vm = false;

	*cap_admin = false;
	while (next_line(&cur, &line, &n)) {
		if (n > 5 && !memcmp(line, "Name:", 5)) {
			const char *p = line + 5;

			while (p < line + n && is_blank(*p))
				p++;
			len = (size_t)(line + n - p);
			if (len >= sizeof(t->comm))
				len = sizeof(t->comm) - 1;
			memcpy(t->comm, p, len);
			t->comm[len] = '\0';
		} else if (key_value(line, n, "VmSize", &v)) {
			t->vsz_kb = v;
			have_vm = true;
		} else if (key_value(line, n, "VmRSS", &v)) {
			t->rss_kb = v;
		} else if (n > 7 && !memcmp(line, "CapEff:", 7)) {
			scan_hex(line + 7, line + n, &v, &ok);
			if (ok)
				*cap_admin = (v >> 21) & 1; /* CAP_SYS_ADMIN */
		}
	}
	return have_vm || t->comm[0];
}

bool fg_parse_statm(const char *buf, uint64_t *size, uint64_t *resident)
{
	const char *end = buf + strlen(buf);
	bool ok1, ok2;
	const char *p = scan_u64(buf, end, size, &ok1);

	scan_u64(p, end, resident, &ok2);
	/* more pages than a 64-bit address space holds is not statm (and
	 * would wrap when turned into kB) */
	return ok1 && ok2 && *size <= FG_PAGES_MAX && *resident <= FG_PAGES_MAX;
}

bool fg_parse_statm_anon(const char *buf, uint64_t *anon)
{
	const char *end = buf + strlen(buf);
	uint64_t size, resident, shared;
	bool ok;
	const char *p = scan_u64(buf, end, &size, &ok);

	if (!ok)
		return false;
	p = scan_u64(p, end, &resident, &ok);
	if (!ok)
		return false;
	scan_u64(p, end, &shared, &ok);
	if (!ok || resident > FG_PAGES_MAX)
		return false;
	/* shared = RssFile + RssShmem: what is left is RssAnon */
	*anon = resident > shared ? resident - shared : 0;
	return true;
}

unsigned fg_parse_cpulist(const char *buf)
{
	const char *p = buf, *end = buf + strlen(buf);
	uint64_t a, b;
	unsigned count = 0;
	bool ok;

	while (p < end) {
		p = scan_u64(p, end, &a, &ok);
		if (!ok)
			break;
		b = a;
		if (p < end && *p == '-') {
			p = scan_u64(p + 1, end, &b, &ok);
			if (!ok || b < a)
				break;
		}
		if (b - a < 65536)
			count += (unsigned)(b - a + 1);
		if (p >= end || *p != ',')
			break;
		p++;
	}
	return count;
}

bool fg_parse_maps_line(const char *line, size_t n, struct fg_vma *v)
{
	const char *p = line, *end = line + n, *name;
	uint64_t start, stop, x;
	bool ok;
	int field;
	size_t len;

	p = scan_hex(p, end, &start, &ok);
	if (!ok || p >= end || *p != '-')
		return false;
	p = scan_hex(p + 1, end, &stop, &ok);
	if (!ok || p + 5 > end || *p != ' ')
		return false;
	p++;
	/* perms: rwxp or rwxs */
	if (p + 4 > end || (p[3] != 'p' && p[3] != 's'))
		return false;
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = stop;
	v->private_ = p[3] == 'p';
	v->writable = p[1] == 'w';
	v->account = v->private_;
	p += 4;
	/* offset dev inode */
	for (field = 0; field < 3; field++) {
		while (p < end && is_blank(*p))
			p++;
		if (field == 1) {
			while (p < end && !is_blank(*p))
				p++;
		} else {
			/* the inode is decimal: up to 20 digits, not 16 */
			p = (field ? scan_u64 : scan_hex)(p, end, &x, &ok);
			if (!ok)
				return false;
		}
	}
	while (p < end && is_blank(*p))
		p++;
	name = p;
	len = (size_t)(end - name);
	if (len >= sizeof(v->name))
		len = sizeof(v->name) - 1;
	memcpy(v->name, name, len);
	v->name[len] = '\0';
	return stop >= start;
}

bool fg_parse_vmflags(const char *line, size_t n, struct fg_vma *v)
{
	const char *p = line + 8, *end = line + n;

	if (n < 8 || memcmp(line, "VmFlags:", 8))
		return false;
	v->account = false;
	v->dontcopy = false;
	while (p + 2 <= end) {
		if (is_blank(*p)) {
			p++;
			continue;
		}
		if (p + 2 == end || is_blank(p[2])) {
			if (p[0] == 'a' && p[1] == 'c')
				v->account = true;
			else if (p[0] == 'd' && p[1] == 'c')
				v->dontcopy = true;
		}
		while (p < end && !is_blank(*p))
			p++;
	}
	return true;
}

static bool word_at(const char **pp, const char *end, const char *w)
{
	const char *p = *pp;
	size_t k = strlen(w);

	while (p < end && is_blank(*p))
		p++;
	if ((size_t)(end - p) < k || memcmp(p, w, k))
		return false;
	*pp = p + k;
	return true;
}

static void zone_close(struct fg_zone_acc *z)
{
	uint64_t max;

	if (!z->in_zone)
		return;
	max = z->prot + z->high;
	if (z->managed && max > z->managed)
		max = z->managed;
	z->total += max;
	z->in_zone = false;
}

void fg_zoneinfo_line(struct fg_zone_acc *z, const char *line, size_t n)
{
	const char *p = line, *end = line + n;
	uint64_t v;
	bool ok;

	if (n >= 5 && !memcmp(line, "Node ", 5)) {
		zone_close(z);
		z->in_zone = true;
		z->high = z->managed = z->prot = 0;
		return;
	}
	if (!z->in_zone)
		return;
	if (word_at(&p, end, "high ")) {
		scan_u64(p, end, &v, &ok);
		if (ok)
			z->high = v;
	} else if (word_at(&p, end, "managed ")) {
		scan_u64(p, end, &v, &ok);
		if (ok)
			z->managed = v;
	} else if (word_at(&p, end, "protection:")) {
		while (p < end) {
			if (*p >= '0' && *p <= '9') {
				p = scan_u64(p, end, &v, &ok);
				if (ok && v > z->prot)
					z->prot = v;
			} else {
				p++;
			}
		}
	}
}

uint64_t fg_zoneinfo_end(struct fg_zone_acc *z)
{
	zone_close(z);
	return z->total;
}

bool fg_parse_release(const char *release, int *major, int *minor)
{
	char *end;
	long ma, mi;

	if (!release)
		return false;
	ma = strtol(release, &end, 10);
	if (end == release || *end != '.' || ma < 2 || ma > 99)
		return false;
	release = end + 1;
	mi = strtol(release, &end, 10);
	if (end == release || mi < 0 || mi > 999)
		return false;
	*major = (int)ma;
	*minor = (int)mi;
	return true;
}
