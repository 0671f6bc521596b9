#!/usr/bin/env bash
# Run xbar under valgrind memcheck: a short `xbar lsq` (every curve kind of the tt preset)
# and short `xbar train` runs on a tiny synthetic image set (scripts/synth_idx.sh): a CNN
# (Tiki-Taka conv layer with the stochastic pulse scheme, digital linear layer) stopped
# after epoch 1 and resumed (the checkpoint write and read paths), then a digital FCN. Fails on any memcheck error and on
# any definitely, indirectly or possibly lost block; blocks still reachable at exit (the
# one-time buffers of libgomp and OpenBLAS) are not leaks.
# Plain build (no sanitizer, -O1 -g) in build-vg/. The runs use --threads 1: with more,
# libgomp's thread stacks, which stay alive until exit, show as "possibly lost".
# Usage: bash scripts/valgrind.sh      (from anywhere; about a minute on 2 cores)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v valgrind >/dev/null || { echo "valgrind: not installed (bash scripts/setup.sh)" >&2; exit 1; }
jobs=$(nproc)
cmake -S . -B build-vg -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" >/dev/null
cmake --build build-vg --parallel "$jobs" --target xbar >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash scripts/synth_idx.sh "$tmp/data" 40 20 8

failed=0
vg() { # NAME ARGS...: one xbar run under memcheck
  local name=$1 t0=$SECONDS
  shift
  if valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --track-origins=yes --log-file="$tmp/$name.log" \
    ./build-vg/xbar "$@" --quiet --threads 1 >"$tmp/$name.out" 2>&1; then
    echo "valgrind: $name clean ($((SECONDS - t0)) s)"
  else
    local rc=$?
    echo "valgrind: $name FAILED (exit $rc): xbar $*" >&2
    cat "$tmp/$name.log" "$tmp/$name.out" >&2
    failed=1
  fi
}

vg lsq lsq --preset tt --set lsq.iterations=300 --set lsq.dim=20 --set lsq.rows=20 --out "$tmp/lsq"
cnn=(train --set data.dir="$tmp/data" --set 'model.layers=conv:2:3 tanh maxpool:2 linear:10'
  --set model.digital_layers=3 --set train.epochs=2 --set train.batch=8 --set train.eval_batch=8
  --set update.scheme=stochastic)
vg train-stop "${cnn[@]}" --stop-after 1 --out "$tmp/cnn"
vg train-resume train --resume --out "$tmp/cnn"
vg train-digital train --set data.dir="$tmp/data" --set 'model.layers=linear:16 sigmoid linear:10' \
  --set optimizer.kind=digital --set train.epochs=1 --out "$tmp/fcn"
# the Tiki-Taka successors (chopped, dynamic, buffered transfer; mixed precision) on a conv layer:
# per-vector transfers, choppers, buffers, checkpoints
for k in c_ttv2 agad ttv2 mixed_precision; do
  vg "train-$k" train --set data.dir="$tmp/data" --set 'model.layers=conv:2:3 tanh maxpool:2 linear:10' \
    --set model.digital_layers=3 --set train.epochs=1 --set train.batch=8 --set train.eval_batch=8 \
    --set optimizer.kind=$k --set data.train_limit=16 --out "$tmp/$k"
done
[[ -f $tmp/cnn/checkpoint.xbc && -f $tmp/fcn/checkpoint.xbc ]] || { echo "valgrind: a train run wrote no checkpoint" >&2; failed=1; }
exit $failed
