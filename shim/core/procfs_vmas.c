/*
 * procfs_vmas.c - walk a task's VMAs (smaps, or maps) and feed each to
 * the policy's evaluation: exactly from VmFlags (3.8+), estimated from the
 * permissions and the pages written (settled, for the calling process,
 * by what it recorded of its own mappings: fg_vmas_set_known), or as the
 * total_vm bound.  The file is read line by line through a stack buffer.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "policy.h"
#include "procfs.h"

struct walk {
	struct fg_eval *ev;
	struct fg_vma vma;
	enum fg_walk how;
	fg_vma_known_fn known; /* the process's own knowledge, or NULL */
	bool pending, written;
	unsigned long headers, flags;
};

static bool hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "Key:   N kB" with N > 0? */
static bool nonzero_field(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key);
	const char *p = line + k, *end = line + n;

	if (n <= k || memcmp(line, key, k))
		return false;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '0'))
		p++;
	return p < end && *p >= '1' && *p <= '9';
}

/* The pending VMA is complete: classify it (estimate) and charge it. */
static void walk_flush(struct walk *w)
{
	if (!w->pending)
		return;
	if (w->how == FG_WALK_ESTIMATE) {
		fg_vma_estimate(&w->vma, w->written);
		if (w->known && w->vma.unsure != FG_SURE)
			fg_vma_settle(&w->vma,
				      w->known(w->vma.start, w->vma.end));
	}
	fg_eval_vma(w->ev, &w->vma);
	w->pending = false;
}

static void walk_line(const char *line, size_t n, void *arg)
{
	struct walk *w = arg;
	struct fg_vma v;

	/* smaps: ~25 lines per VMA; the header, VmFlags, and (estimate)
	 * whether pages were written: Anonymous (2.6.34+) or Swap */
	if (n && !hex_digit(line[0]) && line[0] != 'V' &&
	    (w->how != FG_WALK_ESTIMATE || (line[0] != 'A' && line[0] != 'S')))
		return;
	if (fg_parse_maps_line(line, n, &v)) {
		if (w->how != FG_WALK_EXACT)
			walk_flush(w);
		w->vma = v;
		w->pending = true;
		w->written = false;
		w->headers++;
		return;
	}
	if (w->how == FG_WALK_ESTIMATE && w->pending &&
	    (nonzero_field(line, n, "Anonymous:") ||
	     nonzero_field(line, n, "Swap:")))
		w->written = true;
	if (w->how == FG_WALK_EXACT && w->pending &&
	    fg_parse_vmflags(line, n, &w->vma)) {
		fg_eval_vma(w->ev, &w->vma);
		w->pending = false;
		w->flags++;
	}
}

static fg_vma_known_fn known_fn;

void fg_vmas_set_known(fg_vma_known_fn fn)
{
	__atomic_store_n(&known_fn, fn, __ATOMIC_RELEASE);
}

int fg_vmas_walk(const char *root, pid_t pid, enum fg_walk how,
		 struct fg_eval *ev)
{
	char path[FG_PATH_MAX], buf[16384];
	struct walk w = { .ev = ev, .how = how };
	bool exact = how == FG_WALK_EXACT;
	int rc = fg_path(path, sizeof(path), root, pid,
			 how == FG_WALK_BOUND ? "maps" : "smaps");

	if (rc)
		return rc;
	w.known = __atomic_load_n(&known_fn, __ATOMIC_ACQUIRE);
	if (w.known && (how != FG_WALK_ESTIMATE ||
			(pid > 0 && pid != getpid()) || !fg_procfs_live(root)))
		w.known = NULL;
	rc = fg_lines(path, buf, sizeof(buf), walk_line, &w);
	if (rc && how == FG_WALK_ESTIMATE && !w.headers &&
	    !fg_path(path, sizeof(path), root, pid, "maps"))
		/* smaps unreadable: maps, without the written pages */
		rc = fg_lines(path, buf, sizeof(buf), walk_line, &w);
	if (!exact)
		walk_flush(&w);
	if (!rc && w.headers == 0)
		rc = -ENODATA;
	/* smaps without VmFlags (< 3.8) or cut short: not exact */
	if (!rc && exact && w.flags != w.headers)
		rc = -ENOTSUP;
	return rc;
}
