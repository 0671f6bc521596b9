#!/usr/bin/env bash
# The main job: install what is missing, build xbar (Release) and run the quick
# reproduction of the paper's least-squares results (about a minute on 2 cores).
# Usage: bash scripts/reproduce.sh [extra flags for xbar reproduce]
# Output: out/reproduce-quick/report.md, plots and every run's files. It also installs the
# data sets for `xbar train` (scripts/data.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel "$(nproc)" >/dev/null
bash scripts/data.sh # after the build: it converts MNIST with ./build/xbar
exec ./build/xbar reproduce --quick --force "$@"
