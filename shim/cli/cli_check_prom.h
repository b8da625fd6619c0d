/*
 * cli_check_prom.h - check's Prometheus view, gathered then printed
 * family by family (cli_check_prom.c).
 */
#ifndef FG_CLI_CHECK_PROM_H
#define FG_CLI_CHECK_PROM_H

#include "forkguard.h"

/* cli_prom_add - keep @r's figures for the view: 0 or -ENOMEM. */
int cli_prom_add(const struct fg_result *r);
/* cli_prom_flush - print every family of what was kept, then forget it:
 * 0 or -EIO. */
int cli_prom_flush(void);

#endif /* FG_CLI_CHECK_PROM_H */
