/*
 * dynsym.h - whether an object loaded in this process defines a symbol,
 * asked of the objects' own dynamic symbol tables (dynsym.c).
 */
#ifndef FG_DYNSYM_H
#define FG_DYNSYM_H

#include <stdbool.h>

/*
 * fg_dynsym_defined - does some loaded object (the program, a library, one
 * dlopen'ed) define and export @name?  false only when none does; true when
 * one does, or when an object's tables cannot be read (then dlsym decides).
 * Allocates nothing, makes no syscall: asked before dlsym(RTLD_DEFAULT),
 * whose failure allocates its error message.
 */
bool fg_dynsym_defined(const char *name);

#endif /* FG_DYNSYM_H */
