#!/usr/bin/env bash
# cnn_side_by_side.sh - training throughput of the paper's MNIST CNN (configs/paper/cnn-*:
# conv 16:5, tanh, maxpool 2, conv 32:5, tanh, maxpool 2, tanh, linear 128, tanh, linear 10;
# batch 8, lr 0.05, tau 0.7) for two xbar programs and aihwkit 1.0.0 / PyTorch, in one sitting.
# A runtime benchmark, not a test.
#
# Each case trains one pass over the first N MNIST training images (default 2,000 = 250
# updates) and reports training samples/s of the training loop only (xbar: summary.json
# samples_per_s; aihwkit: ../shared/tools/aihwkit/bench_cnn.py train_samples_per_s; both
# exclude loading and the test evaluation). Cases: digital (PyTorch for the aihwkit column),
# Analog SGD and Tiki-Taka, at 1 and 2 threads. The programs of one case run interleaved, REPS
# times each, so they meet the same phases of the host's load; the best of the REPS is kept
# (the least disturbed). Ratios are printed against the OLD program and against aihwkit.
#
# Usage: bash bench/cnn_side_by_side.sh OLD_XBAR NEW_XBAR [REPS=3] [N=2000] [THREADS="1 2"]
# Environment: MNIST_DIR (default data/mnist: bash scripts/data.sh), AIHWKIT_SRC (the python
# sources of an aihwkit build, ../shared/tools/aihwkit/build.sh; unset: no aihwkit column).
# Output: a markdown table on stdout. Results: docs/performance.md, "The paper's CNN".
set -euo pipefail

old=${1:?usage: cnn_side_by_side.sh OLD_XBAR NEW_XBAR [REPS] [N] [THREADS]} new=${2:?NEW_XBAR}
reps=${3:-3} n=${4:-2000} threads=${5:-1 2}
here=$(cd "$(dirname "$0")/.." && pwd)
mnist=${MNIST_DIR:-$here/data/mnist}
pair=$here/../shared/tools/aihwkit/bench_cnn.py
for x in "$old" "$new"; do [[ -x $x ]] || { echo "cnn_side_by_side: $x is not an executable" >&2; exit 2; }; done
[[ -f $mnist/train-images-idx3-ubyte.gz ]] || { echo "cnn_side_by_side: no MNIST in $mnist (bash scripts/data.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# xbar PROGRAM CONFIG THREADS -> samples/s
xbar_sps() {
  "$1" train --config "$here/configs/paper/$2.ini" --set data.dir="$mnist" --set data.train_limit="$n" \
    --set data.test_limit=8 --set train.epochs=1 --threads "$3" --out "$tmp/run" --force --quiet >/dev/null
  sed -n 's/.*"samples_per_s":[[:space:]]*\([0-9.e+]*\).*/\1/p' "$tmp/run/summary.json" | head -1
}
# aihwkit ALGO THREADS -> samples/s (empty without AIHWKIT_SRC)
aihwkit_sps() {
  [[ -n ${AIHWKIT_SRC:-} && -f $pair ]] || return 0
  MNIST_DIR=$mnist PYTHONPATH=$AIHWKIT_SRC /usr/bin/python3 "$pair" --algo "$1" --tau 0.7 --train-limit "$n" \
    --test-limit 8 --threads "$2" 2>/dev/null | sed -n 's/.*"train_samples_per_s": *\([0-9.e+]*\).*/\1/p' | tail -1
}
best() { printf '%s\n' "$@" | { grep -v '^$' || true; } | sort -g | tail -1; }
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo "-"; }

echo "| case | threads | old xbar | new xbar | aihwkit / PyTorch | new / old | new / aihwkit |"
echo "|---|---|---|---|---|---|---|"
for t in $threads; do
  for c in "digital cnn-digital digital" "analog_sgd cnn-analog-sgd-tau0.7 sgd" "tiki_taka cnn-tiki-taka-tau0.7 tt"; do
    set -- $c
    o=() w=() a=()
    for r in $(seq "$reps"); do
      o+=("$(xbar_sps "$old" "$2" "$t")")
      w+=("$(xbar_sps "$new" "$2" "$t")")
      a+=("$(aihwkit_sps "$3" "$t")")
    done
    bo=$(best "${o[@]}") bw=$(best "${w[@]}") ba=$(best "${a[@]}")
    printf '| %s | %s | %.0f | %.0f | %s | %s | %s |\n' "$1" "$t" "$bo" "$bw" "${ba:+$(printf %.0f "$ba")}" \
      "$(ratio "$bw" "$bo")" "$(ratio "$bw" "$ba")"
  done
done
