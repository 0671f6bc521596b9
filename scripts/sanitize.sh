#!/usr/bin/env bash
# Build everything (library, xbar, tests, fuzz replays) with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan/ (CMake option XBAR_SANITIZE; -O2 -g with
# assertions on) and run the whole ctest suite there, two tests at a time. Any sanitizer
# report (invalid access, use after free, leak, undefined behaviour) aborts its test, so
# the suite fails; the report is in the test's output.
# -O2 rather than -O1: the slowest tests (test_pulse_ref, reproduce_quick) run 2-4x faster
# under ASan at -O2 with the same checks, so every test runs in full (no test is shortened).
# Usage: bash scripts/sanitize.sh      (from anywhere; about 3 min on 2 cores)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)
cmake -S . -B build-asan -DXBAR_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O2 -g" >/dev/null
cmake --build build-asan --parallel "$jobs" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:print_summary=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
ctest --test-dir build-asan --output-on-failure --timeout 1800 --no-tests=error --parallel "${CTEST_PARALLEL_LEVEL:-$jobs}"
