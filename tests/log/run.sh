#!/usr/bin/env bash
# Run every log test script through tests/lib.sh's run_suite.  Exit 1 if
# anything failed.
source "$(dirname "$0")/../lib.sh"
# FG_LOG_APART: scripts run apart (make check runs retry.sh beside the
# other suites)
# shellcheck disable=SC2086 # file names
run_suite log $(suite_tests "$TOP/tests/log" ${FG_LOG_APART:-})
