#!/usr/bin/env bash
# Build xbar from scratch (Release) and run the whole test suite.
# Usage: bash scripts/test.sh    (from anywhere; it changes to the repo root)
# CTEST_PARALLEL_LEVEL in the environment runs tests in parallel.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

jobs=$(nproc)
rm -rf build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel "$jobs"
ctest --test-dir build --output-on-failure --timeout 900 --no-tests=error
