#!/usr/bin/env bash
# Write a tiny synthetic image set in the IDX format `xbar train` reads (plain, not
# gzipped): DIR/train-images-idx3-ubyte, DIR/train-labels-idx1-ubyte and the same
# for t10k. Image i has class i mod 10: a bright 2x2 block whose place depends on the
# class over deterministic noise, so a small network learns it in one epoch.
# Used by scripts/valgrind.sh and fuzz/make_corpus.sh (no compiler needed).
# Usage: bash scripts/synth_idx.sh DIR [N_TRAIN=40] [N_TEST=20] [SIDE=8]   (SIDE >= 6)
set -euo pipefail

dir=${1:?usage: synth_idx.sh DIR [N_TRAIN] [N_TEST] [SIDE]}
n_train=${2:-40} n_test=${3:-20} side=${4:-8}
((side >= 6)) || { echo "synth_idx: SIDE must be >= 6" >&2; exit 2; }
mkdir -p "$dir"

bytes=''               # printf format of the bytes being built (\ooo escapes)
add() { local v; for v; do printf -v v '\\%03o' "$((v & 255))"; bytes+=$v; done; }
be32() { add $(($1 >> 24)) $(($1 >> 16)) $(($1 >> 8)) "$1"; }
flush() { printf "$bytes" >"$1"; bytes=''; }

# one split: PREFIX N SALT
split() {
  local prefix=$1 n=$2 s=$((12345 + $3)) i r c k r0 c0
  be32 $((0x803)); be32 "$n"; be32 "$side"; be32 "$side"
  for ((i = 0; i < n; i++)); do
    k=$((i % 10)) r0=$((1 + k / 5 * (side / 2))) c0=$((1 + k % 5 * (side - 3) / 4))
    for ((r = 0; r < side; r++)); do
      for ((c = 0; c < side; c++)); do
        s=$(((s * 1103515245 + 12345) & 0x7fffffff))
        if ((r >= r0 && r < r0 + 2 && c >= c0 && c < c0 + 2)); then add 230; else add $(((s >> 16) % 40)); fi
      done
    done
  done
  flush "$dir/$prefix-images-idx3-ubyte"
  be32 $((0x801)); be32 "$n"
  for ((i = 0; i < n; i++)); do add $((i % 10)); done
  flush "$dir/$prefix-labels-idx1-ubyte"
}

split train "$n_train" 0
split t10k "$n_test" 1
