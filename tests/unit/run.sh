#!/usr/bin/env bash
# Run every unit test binary given as an argument, each to its end,
# through tests/lib.sh's run_suite: one total of cmocka's own counts of
# tests, "unit: N passed, N failed, N skipped".  A binary that crashes,
# exits non-zero without saying which test failed, or runs no test at all
# counts as one failure.  Exit 1 if anything failed.
source "$(dirname "$0")/../lib.sh"
export FG_FIXTURES=${FG_FIXTURES:-$TOP/fixtures}
run_suite unit "$@"
