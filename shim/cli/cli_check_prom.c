/*
 * cli_check_prom.c - `forkguard check --format prometheus`: the processes
 * gathered as they are checked, then printed family by family (the text
 * format wants each family's samples together): the overcommit margin,
 * the verdict as a number (not a label: a label that changes makes a new
 * series), and the copy-on-write view (risk, worst copy, headroom).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_check_prom.h"
#include "policy.h"
#include "prom.h"

struct seen {
	struct fg_prom_task t;
	char comm[sizeof(((struct fg_task *)0)->comm)];
};

static struct {
	struct seen *v;
	size_t n, cap;
} all;

int cli_prom_add(const struct fg_result *r)
{
	struct seen *s;

	if (all.n == all.cap) {
		size_t cap = all.cap ? 2 * all.cap : 64;
		struct seen *v = realloc(all.v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		all.v = v;
		all.cap = cap;
	}
	s = &all.v[all.n++];
	memcpy(s->comm, r->task.comm, sizeof(s->comm));
	s->t = (struct fg_prom_task){
		.pid = r->task.pid,
		.verdict = r->verdict,
		.have_margin = true,
		.margin_kb = fg_eval_margin_kb(&r->ev),
		.cow = r->cow.verdict,
		.cow_worst_kb = r->cow.worst_kb,
		.cow_headroom_kb = r->cow.headroom_kb,
	};
	return 0;
}

int cli_prom_flush(void)
{
	char buf[1024];
	size_t i, n;
	int f, err = 0;

	for (f = 0; f < FG_PROM_HOST_FAMILIES; f++) {
		n = fg_prom_host_head(f, buf, sizeof(buf));
		if (fwrite(buf, 1, n, stdout) != n)
			err = -EIO;
		for (i = 0; i < all.n; i++) {
			all.v[i].t.comm = all.v[i].comm;
			n = fg_prom_host_task(f, &all.v[i].t, buf, sizeof(buf));
			if (fwrite(buf, 1, n, stdout) != n)
				err = -EIO;
		}
	}
	free(all.v);
	all.v = NULL;
	all.n = all.cap = 0;
	return err;
}
