/*
 * test_dynsym - fg_dynsym_defined (dynsym.c), the filter asked before
 * dlsym: against dlsym itself on names that this process's objects define
 * or do not, in both kinds of hash table (a library built with each), and
 * on a library dlopen'ed with RTLD_LOCAL, which it sees and dlsym's
 * default scope does not.  The two test libraries are beside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <unistd.h>

#include "dynsym.h"

static char self[4096];
static const char *dir = ".";

/* dlsym(RTLD_DEFAULT) finds @name */
static bool dl(const char *name)
{
	return dlsym(RTLD_DEFAULT, name) != NULL;
}

static void *open_lib(const char *kind, int flags)
{
	char path[4096];
	void *h;

	snprintf(path, sizeof(path), "%s/libdynsym_%s.so", dir, kind);
	h = dlopen(path, flags);
	if (!h)
		fail_msg("%s", dlerror());
	return h;
}

static void libc_and_loader(void **state)
{
	const char *names[] = { "malloc", "malloc_trim", "environ",
				"dl_iterate_phdr", "pthread_atfork",
				"_dl_find_object", "_cmocka_run_group_tests" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (dl(names[i]) && !fg_dynsym_defined(names[i]))
			fail_msg("dlsym finds %s, the filter does not", names[i]);
	}
	assert_true(fg_dynsym_defined("malloc"));
	assert_true(fg_dynsym_defined("environ"));
}

static void nobody_defines(void **state)
{
	/* an allocator this process does not have, a name nobody has, the
	 * test's own function (not exported), what an object only imports */
	const char *names[] = { "je_mallctl", "mallctl", "mi_collect",
				"MallocExtension_ReleaseFreeMemory",
				"fg_dynsym_no_such_name", "main", "fg_dynsym_defined",
				"_cmocka_run_group_tests_x", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		assert_false(dl(names[i]));
		if (fg_dynsym_defined(names[i]))
			fail_msg("the filter says %s is defined", names[i]);
	}
}

/* a library of each kind of table: what it exports, not what it hides,
 * and nothing once it is unloaded (no dlsym here: a lookup through dlsym
 * ties the library to the caller, and dlclose no longer unloads it) */
static void both_tables(void **state)
{
	const char *kinds[] = { "gnu", "sysv" };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		void *h = open_lib(kinds[k], RTLD_NOW | RTLD_GLOBAL);

		assert_true(fg_dynsym_defined("fg_dynsym_test_function"));
		assert_true(fg_dynsym_defined("fg_dynsym_test_object"));
		assert_false(fg_dynsym_defined("fg_dynsym_test_hidden"));
		dlclose(h);
		assert_false(fg_dynsym_defined("fg_dynsym_test_function"));
	}
}

/* RTLD_LOCAL: the filter sees it (then dlsym says no); never the reverse */
static void local_library(void **state)
{
	void *h = open_lib("sysv", RTLD_NOW | RTLD_LOCAL);

	(void)state;
	assert_true(fg_dynsym_defined("fg_dynsym_test_function"));
	assert_false(dl("fg_dynsym_test_function"));
	assert_non_null(dlsym(h, "fg_dynsym_test_function"));
	dlclose(h);
}

int main(void)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(libc_and_loader),
		cmocka_unit_test(nobody_defines),
		cmocka_unit_test(both_tables),
		cmocka_unit_test(local_library),
	};

	if (n > 0) {
		self[n] = 0;
		dir = dirname(self);
	}
	return cmocka_run_group_tests_name("dynsym", tests, NULL, NULL);
}
