/*
 * identity.h - which copy of the library this is (identity.c).
 */
#ifndef FG_IDENTITY_H
#define FG_IDENTITY_H

#include <stdbool.h>

/*
 * fg_second_copy - another copy of libforkguard was loaded before this one
 * and guards the process: this one must pass every call through.  Asked
 * at a fork after fg_second_copy_say, it says so (once).
 */
bool fg_second_copy(void);
/* fg_second_copy_say - at load: the note (both paths) is due at the first
 * fork. */
void fg_second_copy_say(void);
/* fg_main - the entry point when the library is run as a program. */
void fg_main(void) __attribute__((noreturn));

#endif /* FG_IDENTITY_H */
