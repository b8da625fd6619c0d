/*
 * hostexports - a host program that defines libforkguard's API names itself.
 *
 * Built twice: plainly, and with -rdynamic (as Redis is), which puts these
 * definitions in its dynamic symbol table, ahead of the preloaded library's
 * in the lookup order.  Each one is wrong on purpose (a failing verdict, a
 * read error, a hijacked report) and counts its calls.  A guard that calls
 * its own API through its PLT would bind to these and report nonsense; the
 * guard must give both builds the same verdict, and call none of these.
 *
 * usage: hostexports  -> forks once, prints "fork: ok" (or the errno) and
 * "host functions called: N".  Exit 0, or 2 if the fork could not be made.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../include/forkguard.h"

static int called;

int fg_sys_read(const char *root, struct fg_sys *s)
{
	(void)root;
	memset(s, 0, sizeof(*s));
	called++;
	return -EIO;
}

int fg_task_read(const char *root, pid_t pid, struct fg_task *t)
{
	(void)root;
	(void)pid;
	memset(t, 0, sizeof(*t));
	called++;
	return -EIO;
}

int fg_vmas_walk(const char *root, pid_t pid, enum fg_walk how,
		 struct fg_eval *ev)
{
	(void)root;
	(void)pid;
	(void)how;
	(void)ev;
	called++;
	return -EIO;
}

int fg_limits_read(const char *root, pid_t pid, struct fg_limits *l)
{
	(void)root;
	(void)pid;
	memset(l, 0, sizeof(*l));
	called++;
	return 0;
}

enum fg_rule fg_rule_for_release(const char *release)
{
	(void)release;
	called++;
	return FG_RULE_2_6;
}

enum fg_rule fg_rule_from_name(const char *name)
{
	(void)name;
	called++;
	return FG_RULE_2_6;
}

const char *fg_rule_name(enum fg_rule rule)
{
	(void)rule;
	called++;
	return "hijacked";
}

void fg_eval_begin(struct fg_eval *ev, const struct fg_sys *s,
		   const struct fg_task *t)
{
	(void)s;
	(void)t;
	memset(ev, 0, sizeof(*ev));
	ev->mode = 2;
	called++;
}

void fg_eval_vma(struct fg_eval *ev, const struct fg_vma *vma)
{
	(void)vma;
	ev->failed = true;
	called++;
}

enum fg_verdict fg_eval_verdict(const struct fg_eval *ev)
{
	(void)ev;
	called++;
	return FG_FAIL;
}

const char *fg_verdict_name(enum fg_verdict v)
{
	(void)v;
	called++;
	return "hijacked";
}

const char *fg_tier_name(enum fg_tier t)
{
	(void)t;
	called++;
	return "hijacked";
}

int fg_check(const char *root, pid_t pid, enum fg_rule rule, bool full,
	     struct fg_result *r)
{
	(void)root;
	(void)pid;
	(void)rule;
	(void)full;
	memset(r, 0, sizeof(*r));
	r->verdict = FG_FAIL;
	called++;
	return 0;
}

int fg_check_task(const char *root, pid_t pid, const struct fg_sys *s,
		  bool full, struct fg_result *r)
{
	(void)root;
	(void)pid;
	(void)s;
	(void)full;
	memset(r, 0, sizeof(*r));
	r->verdict = FG_FAIL;
	called++;
	return 0;
}

static size_t hijack(char *buf, size_t len)
{
	called++;
	return len ? (size_t)snprintf(buf, len, "hijacked\n") : 0;
}

size_t fg_report_text(const struct fg_result *r, char *buf, size_t len)
{
	(void)r;
	return hijack(buf, len);
}

size_t fg_report_json(const struct fg_result *r, char *buf, size_t len)
{
	(void)r;
	return hijack(buf, len);
}

int main(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		printf("fork: %s\n", strerror(errno));
		return 2;
	}
	waitpid(pid, &status, 0);
	printf("fork: ok\nhost functions called: %d\n", called);
	return 0;
}
