/*
 * cli.c - the forkguard command (placeholder until the CLI lands).
 */
#include <stdio.h>

#include "forkguard.h"

int main(void)
{
	printf("forkguard %s\n", FG_VERSION);
	return 0;
}
