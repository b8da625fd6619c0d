/*
 * padded.c - a library of the guard's shape without its code, for `make
 * bench-floor`: read-only bytes as large as the guard's executable
 * segment (PAD_RO), a .bss as large as its own (PAD_BSS), a few of its
 * pages written at load, linked as the guard is (-z noseparate-code: the
 * same four mappings).  What FORKGUARD_MODE=off adds to a fork beyond
 * preloading a library of this size and layout.
 */
#ifndef PAD_RO
#define PAD_RO (100 * 1024)
#endif
#ifndef PAD_BSS
#define PAD_BSS (56 * 1024)
#endif

const char fg_pad_ro[PAD_RO] = { 1 };
char fg_pad_bss[PAD_BSS];
int fg_pad_data = 1;

__attribute__((constructor)) static void touch(void)
{
	for (unsigned i = 0; i < 3 && i * 4096u < sizeof(fg_pad_bss); i++)
		fg_pad_bss[i * 4096u] = 1;
}
