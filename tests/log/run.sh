#!/usr/bin/env bash
# Run every log test script through tests/lib.sh's run_suite.  Exit 1 if
# anything failed.
source "$(dirname "$0")/../lib.sh"
run_suite log $(suite_tests "$TOP/tests/log")
