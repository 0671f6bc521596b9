#!/usr/bin/env bash
# Fuzz xbar's input readers with libFuzzer (+ ASan + UBSan): build every fuzz/fuzz_*.c
# target in build-fuzz/ with clang (CMake option XBAR_FUZZ), then run each for SECONDS on a
# scratch copy of its seed corpus fuzz/corpus/<target>/ (the committed seeds are not
# changed). A target fails if it crashes (memory error, undefined behaviour, leak, abort of a
# checked property, timeout, out of memory) or runs fewer than XBAR_FUZZ_MIN_EXECS inputs
# (default 50000: a floor that proves the fuzzer ran, not a speed target; the slowest target,
# fuzz_config, makes about 2,000 a second on an idle 2-core machine and 1,500 on a loaded one). Each crashing input is copied to fuzz/regress/<target>/, where the
# default test suite replays it from then on (fuzz_replay_* tests); reproduce one with
#   ./build-fuzz/fuzz/<target> fuzz/regress/<target>/<file>
# Prints one line per target: executions, executions/s, corpus files (seeds -> end), crashes.
# Usage: bash scripts/fuzz.sh [SECONDS]    (default 60 per target: about 5 min for four; from anywhere)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
min_execs=${XBAR_FUZZ_MIN_EXECS:-50000}
command -v clang >/dev/null || { echo "fuzz: clang not installed (bash scripts/setup.sh)" >&2; exit 1; }
jobs=$(nproc)
CC=clang cmake -S . -B build-fuzz -DXBAR_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O2 -g" >/dev/null
cmake --build build-fuzz --parallel "$jobs" --target fuzzers >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

failed=0
for src in fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  seeds=fuzz/corpus/$t
  mkdir -p "$tmp/$t/corpus" "$tmp/$t/found"
  [[ -d $seeds ]] && cp "$seeds"/* "$tmp/$t/corpus/" 2>/dev/null || true
  n0=$(find "$tmp/$t/corpus" -type f | wc -l)
  rc=0
  "./build-fuzz/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$tmp/$t/found/" "$tmp/$t/corpus" >"$tmp/$t.log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$t.log" | tail -1)
  n1=$(find "$tmp/$t/corpus" -type f | wc -l)
  crashes=$(find "$tmp/$t/found" -type f | wc -l)
  status=ok
  if ((crashes > 0)); then
    mkdir -p "fuzz/regress/$t"
    cp "$tmp/$t/found"/* "fuzz/regress/$t/"
    status="FAILED: crash inputs in fuzz/regress/$t/"
  elif ((rc != 0)); then
    status="FAILED: exit $rc"
  elif ((${execs:-0} < min_execs)); then
    status="FAILED: fewer than $min_execs executions"
  fi
  printf 'fuzz: %-18s execs %9s  exec/s %6s  corpus %4d -> %-5d crashes %d  %s\n' \
    "$t" "${execs:-?}" "${rate:-?}" "$n0" "$n1" "$crashes" "$status"
  if [[ $status != ok ]]; then
    failed=1
    grep -E -A40 '^==[0-9]+==|runtime error|^fuzz: |Test unit written' "$tmp/$t.log" | head -80 >&2 || tail -40 "$tmp/$t.log" >&2
  fi
done
exit $failed
