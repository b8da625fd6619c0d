/*
 * identity.h - which copy of the library this is (identity.c).
 */
#ifndef FG_IDENTITY_H
#define FG_IDENTITY_H

#include <stdbool.h>

/*
 * fg_second_copy - another copy of libforkguard was loaded before this one
 * and guards the process: this one must pass every call through.
 */
bool fg_second_copy(void);
/* fg_second_copy_say - the one note that says so (both paths). */
void fg_second_copy_say(void);
/* fg_main - the entry point when the library is run as a program. */
void fg_main(void) __attribute__((noreturn));

#endif /* FG_IDENTITY_H */
