#!/usr/bin/env bash
# Run every integration script but demo.sh through tests/lib.sh's
# run_suite.  Exit 1 if anything failed.
source "$(dirname "$0")/../lib.sh"
run_suite integration $(suite_tests "$TOP/tests/integration" demo.sh)
