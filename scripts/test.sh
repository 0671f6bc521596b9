#!/usr/bin/env bash
# Build xbar from scratch (Release) and run the whole test suite, then the robustness
# stages, each timed:
#   1. default   Release build in build/, every ctest test (unit, statistical, CLI, parity,
#                reproduce_quick, fuzz corpus and regression replays)
#   2. sanitize  the same suite under ASan + UBSan (scripts/sanitize.sh, build-asan/)
#   3. valgrind  short lsq and train runs under valgrind memcheck (scripts/valgrind.sh)
#   4. fuzz      each libFuzzer target for XBAR_FUZZ_SECONDS (default 60) s (scripts/fuzz.sh)
# A failing stage does not stop the later ones; the script fails if any stage failed and
# prints the time of each (about 10 min in all on 2 cores).
# Usage: bash scripts/test.sh    (from anywhere; it changes to the repo root)
#   XBAR_TEST_QUICK=1     only stage 1 (for developers; no clang or valgrind needed)
#   CTEST_PARALLEL_LEVEL  runs the tests of stage 1 in parallel (stage 2 runs two at a time)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=${XBAR_TEST_QUICK:-0}
if [[ $quick == 1 ]]; then bash scripts/setup.sh; else bash scripts/setup.sh --test; fi

summary=() failed=0
stage() { # NAME COMMAND...: run and time one stage
  local name=$1 t0=$SECONDS rc=0
  shift
  echo "== test.sh: stage $name"
  "$@" || rc=$?
  local line
  line=$(printf '%-9s %s  %4d s' "$name" "$([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")" $((SECONDS - t0)))
  summary+=("$line")
  echo "== test.sh: $line"
  ((rc == 0)) || failed=1
}

default_suite() {
  rm -rf build
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
  cmake --build build --parallel "$(nproc)"
  ctest --test-dir build --output-on-failure --timeout 900 --no-tests=error
}

stage default default_suite
if [[ $quick != 1 ]]; then
  stage sanitize bash scripts/sanitize.sh
  stage valgrind bash scripts/valgrind.sh
  stage fuzz bash scripts/fuzz.sh "${XBAR_FUZZ_SECONDS:-60}"
fi
echo "== test.sh: summary"
printf '   %s\n' "${summary[@]}"
exit $failed
