/*
 * cli_check_all.h - `forkguard check --all` (cli_check_all.c).
 */
#ifndef FG_CLI_CHECK_ALL_H
#define FG_CLI_CHECK_ALL_H

#include "cli_check_pids.h"

/* cli_check_all - check every process under o->root; the exit status. */
int cli_check_all(const struct cli_check_opts *o, const struct fg_sys *s);

#endif /* FG_CLI_CHECK_ALL_H */
