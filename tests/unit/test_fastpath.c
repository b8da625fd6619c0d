/*
 * test_fastpath - the fork path's cache and the bounds it keeps.
 *
 * fg_eval_pass_kb() is the inverse the cache stores per mode: the largest
 * total_vm whose bound passes, so a fork of that size passes and one page
 * more does not.  The mode 0 and mode 2 inverses of explain
 * (fg_eval_vma_max_pages, fg_eval_room_pages) meet the rule at the same
 * edge.  fg_fast_check(), cached or not, reaches fg_check()'s verdict on
 * every recorded snapshot, and again from its cache.  A failing capget
 * (made to fail by a seccomp filter in a child) is read as the kernel
 * reads it: ENOSYS (no CONFIG_MULTIUSER) admin, anything else not.
 * fg_self() is the pid of the process that asks, in a child made by a raw
 * syscall (no handler of libc runs) and in its child too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastpath.h"
#include "policy.h"
#include "procfs.h"
#include "self.h"

static void snapshot(const char *name, char *out, size_t len)
{
	const char *base = getenv("FG_FIXTURES");

	snprintf(out, len, "%s/snapshots/%s", base ? base : "fixtures", name);
}

static enum fg_verdict bound_verdict(const struct fg_sys *s, uint64_t kb)
{
	struct fg_task t = { 0 };
	struct fg_eval ev;

	fg_eval_begin(&ev, s, &t);
	fg_eval_bound(&ev, kb);
	return fg_eval_verdict(&ev);
}

static void read_sys(const char *name, struct fg_sys *s)
{
	char root[600];

	snapshot(name, root, sizeof(root));
	assert_int_equal(fg_sys_read(root, s), 0);
}

static void pass_kb_is_the_edge(void **state)
{
	static const char *const names[] = { "mode0-5.2plus-fail",
					     "mode0-5.2plus-pass",
					     "mode2-5.2plus-fail" };
	struct fg_sys s;
	uint64_t kb;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		read_sys(names[i], &s);
		/* mode 0 on 5.2+ reads nothing that moves: a real edge */
		kb = fg_eval_pass_kb(&s, 0, FG_RULE_5_2);
		assert_true(kb > 0 && kb < UINT64_MAX);
		s.mode = 0;
		s.rule = FG_RULE_5_2;
		assert_int_equal(bound_verdict(&s, kb), FG_OK);
		assert_int_not_equal(bound_verdict(&s, kb + s.page_kb), FG_OK);
		/* mode 1 refuses nothing; the free-memory rules and mode 2
		 * read what moves: no cached edge, the whole check decides */
		assert_true(fg_eval_pass_kb(&s, 1, FG_RULE_5_2) == UINT64_MAX);
		assert_int_equal(fg_eval_pass_kb(&s, 2, FG_RULE_5_2), 0);
		assert_int_equal(fg_eval_pass_kb(&s, 0, FG_RULE_3_10), 0);
	}
}

static void what_rules_read(void **state)
{
	(void)state;
	assert_false(fg_rule_reads_free(0, FG_RULE_5_2));
	assert_true(fg_rule_reads_free(0, FG_RULE_4_17));
	assert_true(fg_rule_reads_free(2, FG_RULE_5_2));
	assert_false(fg_rule_reads_free(1, FG_RULE_2_6));
	assert_false(fg_rule_reads_admin(0, FG_RULE_5_2));
	assert_true(fg_rule_reads_admin(2, FG_RULE_5_2));
	assert_true(fg_rule_reads_admin(0, FG_RULE_3_1));
	assert_true(fg_rule_reads_totalreserve(0, FG_RULE_2_6));
	assert_false(fg_rule_reads_totalreserve(0, FG_RULE_5_2));
	assert_false(fg_rule_reads_totalreserve(2, FG_RULE_3_10));
}

/* The largest VMA mode 0 accepts is accepted; one page more is refused. */
static void vma_max_is_the_edge(void **state)
{
	static const enum fg_rule rules[] = { FG_RULE_2_6, FG_RULE_3_10,
					      FG_RULE_5_2 };
	struct fg_task t = { 0 };
	struct fg_eval ev;
	struct fg_vma v = { .account = true };
	struct fg_sys s;
	uint64_t max;
	unsigned i;

	(void)state;
	read_sys("mode0-3.10-4.16-pass", &s);
	s.mode = 0;
	for (i = 0; i < 3; i++) {
		s.rule = rules[i];
		fg_eval_begin(&ev, &s, &t);
		max = fg_eval_vma_max_pages(&ev);
		assert_true(max > 0);
		v.end = max * ev.page_kb * 1024;
		fg_eval_vma(&ev, &v);
		assert_false(ev.failed);
		fg_eval_begin(&ev, &s, &t);
		v.end = (max + 1) * ev.page_kb * 1024;
		fg_eval_vma(&ev, &v);
		assert_true(ev.failed);
	}
}

/* Mode 2: a charge of the room left is refused (>= allowed), less is not. */
static void room_is_the_edge(void **state)
{
	struct fg_task t = { 0 };
	struct fg_eval ev;
	struct fg_vma v = { .account = true };
	struct fg_sys s;
	uint64_t room;

	(void)state;
	read_sys("mode2-5.2plus-pass", &s);
	fg_eval_begin(&ev, &s, &t);
	room = fg_eval_room_pages(&ev);
	assert_true(room > 1);
	v.end = (room - 1) * ev.page_kb * 1024;
	fg_eval_vma(&ev, &v);
	assert_false(ev.failed);
	fg_eval_begin(&ev, &s, &t);
	v.end = room * ev.page_kb * 1024;
	fg_eval_vma(&ev, &v);
	assert_true(ev.failed);
	assert_true(fg_eval_margin_kb(&ev) <= 0);
}

/*
 * The cached check agrees with the stateless one, on its first read and
 * from its cache.  (The cache is the process's: its kept fds and base
 * belong to the first root it read, as in a guarded process.)
 */
static void fast_check_agrees(void **state)
{
	char root[600];
	struct fg_result a, b;
	unsigned round;
	uint64_t anon;
	unsigned kept;

	(void)state;
	snapshot("mode2-5.2plus-fail", root, sizeof(root));
	assert_int_equal(fg_check(root, 0, FG_RULE_RUNNING, false, &a), 0);
	assert_int_equal(a.verdict, FG_FAIL);
	for (round = 0; round < 3; round++) {
		assert_int_equal(fg_fast_check(root, FG_RULE_RUNNING, false, &b),
				 0);
		assert_int_equal(b.sys.mode, 2);
		assert_int_equal(b.verdict, a.verdict);
		assert_int_equal(b.tier, a.tier);
		/* the limit may differ by admin_reserve: the fast path asks
		 * this thread's CAP_SYS_ADMIN, not the snapshot's CapEff */
		assert_int_equal(b.ev.charge_pages, a.ev.charge_pages);
	}
	/* a forced rule is applied over the cached base */
	assert_int_equal(fg_fast_check(root, FG_RULE_2_6, false, &b), 0);
	assert_int_equal(b.ev.rule, FG_RULE_2_6);
	/* mode 2 reads what moves: the one-number pass never decides it */
	assert_false(fg_fast_pass(root, &anon, &kept));
	assert_true(anon == FG_ANON_UNREAD);
}

/*
 * In a child whose capget fails with @err (a seccomp filter): is the
 * fork path's admin @want, with errno kept?  The child's exit code says
 * which step failed (0: all held).
 */
static int admin_when_capget_fails(const char *root, int err, bool want)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_capget, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
			 SECCOMP_RET_ERRNO |
			     ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	struct fg_result r;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(10);
		/* the filter answers: capget fails with err */
		if (syscall(SYS_capget, NULL, NULL) != -1 || errno != err)
			_exit(11);
		if (fg_fast_check(root, FG_RULE_RUNNING, false, &r) ||
		    !r.admin_known || r.task.admin != want)
			_exit(12);
		errno = 4242;
		if (fg_task_admin_now() != want || errno != 4242)
			_exit(13);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void capget_failing(void **state)
{
	char root[600];
	struct fg_result r;

	(void)state;
	snapshot("mode2-5.2plus-fail", root, sizeof(root));
	/* mode 2 reads admin; the snapshot has no ns links: initial ns */
	assert_int_equal(fg_fast_check(root, FG_RULE_RUNNING, false, &r), 0);
	assert_true(r.admin_known);
	/* no capability syscalls: every task holds every capability */
	assert_int_equal(admin_when_capget_fails(root, ENOSYS, true), 0);
	/* refused for another reason: the stricter limit */
	assert_int_equal(admin_when_capget_fails(root, EPERM, false), 0);
	assert_int_equal(admin_when_capget_fails(root, EINVAL, false), 0);
}

/* Can this kernel wipe a mapping in a child (MADV_WIPEONFORK, 4.14)? */
static bool kernel_wipes(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok = p != MAP_FAILED && !madvise(p, 4096, MADV_WIPEONFORK);

	if (p != MAP_FAILED)
		munmap(p, 4096);
	return ok;
}

/* In a child: is fg_self() its own pid, before and after it asked once,
 * and in a child of its own (by the clone syscall too)?  Are the fork
 * path's stores gone (@wiped)?  Its exit code. */
static int self_in_child(int depth, bool wiped)
{
	pid_t pid = (pid_t)syscall(SYS_getpid), c;
	int st;

	if (fg_self() != pid || fg_self() != pid)
		return 1;
	if (wiped && fg_wiped()->stale_at)
		return 4;
	if (!depth)
		return 0;
	fg_wiped()->stale_at = 1;
	c = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (c == 0)
		_exit(self_in_child(depth - 1, wiped));
	if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return 2;
	return WEXITSTATUS(st) ? WEXITSTATUS(st) : 0;
}

static void self_is_the_asker(void **state)
{
	bool wiped = kernel_wipes();
	pid_t c;
	int st;

	(void)state;
	fg_self_init();
	assert_int_equal(fg_self(), getpid());
	assert_int_equal(fg_self(), getpid());
	fg_wiped()->stale_at = 1;
	c = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (c == 0)
		_exit(self_in_child(2, wiped));
	assert_true(c > 0);
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the parent keeps its own */
	assert_int_equal(fg_self(), getpid());
	assert_int_equal(fg_wiped()->stale_at, 1);
	fg_wiped()->stale_at = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pass_kb_is_the_edge),
		cmocka_unit_test(what_rules_read),
		cmocka_unit_test(vma_max_is_the_edge),
		cmocka_unit_test(room_is_the_edge),
		cmocka_unit_test(fast_check_agrees),
		cmocka_unit_test(capget_failing),
		cmocka_unit_test(self_is_the_asker),
	};

	return cmocka_run_group_tests_name("fastpath", tests, NULL, NULL);
}
