#!/usr/bin/env bash
# Run every CLI test script (tests/cli/*.sh but this one and lib.sh)
# through tests/lib.sh's run_suite.  Exit 1 if anything failed.
source "$(dirname "$0")/../lib.sh"
if [ ! -x "$FG" ] || [ ! -e "$LIB" ]; then
	echo "FAIL cli: build/forkguard or build/libforkguard.so missing (run make)"
	echo "cli: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
FG_TIMEOUT=300 run_suite cli $(suite_tests "$TOP/tests/cli")
