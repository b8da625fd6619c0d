/*
 * dynsym_lib - a library for test_dynsym, built twice: with a GNU hash
 * table and with a SysV one.  It exports one function and one object and
 * keeps one function to itself.
 */
int fg_dynsym_test_object = 1;

__attribute__((visibility("hidden"))) int fg_dynsym_test_hidden(void)
{
	return fg_dynsym_test_object;
}

int fg_dynsym_test_function(void)
{
	return fg_dynsym_test_hidden() + 1;
}
