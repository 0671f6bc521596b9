#!/usr/bin/env bash
# Bit-identity of xbar's results against tests/golden/expected.txt, the fingerprints
# first recorded before the architecture change: the
# weights after pulsed updates for every device model and pulse scheme, a short
# `xbar train` per optimizer (FCN and CNN) on synthetic data, and every curve of
# `xbar reproduce --quick`. Any change of a result bit changes a line.
# Re-recorded lines, each for a deliberate change of results (docs/performance.md says why
# and how the new results were checked to be statistically the same):
#   the 8 train.* lines of tanh networks: the library's own tanh (src/core/xmath.c)
#   replaced glibc's tanhf (both within 1 ulp; they differ in some last bits).
#   the 7 reproduce.*.summary lines: `xbar lsq`'s summary.json gained w_err (no result
#   changed: the metrics lines are the same).
# Added lines: train.*.{ttv2,c_ttv2,agad,mixed_precision}, recorded by the build before the
# transfers' one-column write path (src/tile/pulse.c, column_write), which keeps them;
# train.*.{rl,rlv2,multi_tile_rl,rider,e_rider}, recorded when rider and e_rider were added (in
# the 2-epoch FCN every transfer reads a column for the first time, where rider's Q is still 0,
# so tiki_taka, rl (gamma 0), rider and e_rider write the same pulses and their metrics lines
# agree; the CNN lines, with more updates than columns, differ).
# Usage: check.sh XBAR GOLDEN [--write]    (--write: record expected.txt anew)
set -euo pipefail
# One OpenBLAS kernel set on every x86-64 host with AVX2, so that products give the same bits
# on any such CPU (the default picks the kernels of the CPU found).
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
xbar=$1 golden=$2 mode=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/got.txt

"$golden" tiles >"$out"
bash "$here/../../scripts/synth_idx.sh" "$tmp/data" 40 20 8
for net in "fcn:linear:16 tanh linear:10" "cnn:conv:4:5:2 tanh maxpool:2 linear:10"; do
  for opt in digital analog_sgd tiki_taka ttv2 c_ttv2 agad mixed_precision rl rlv2 multi_tile_rl rider e_rider; do
    name=train.${net%%:*}.$opt
    "$xbar" train --quiet --threads 1 --set data.dir="$tmp/data" --set train.epochs=2 --set train.lr=0.1 \
      --set "model.layers=${net#*:}" --set optimizer.kind=$opt --out "$tmp/$name" >/dev/null
    echo "$name.metrics $("$golden" csv "$tmp/$name/metrics.csv")" >>"$out"
    echo "$name.summary $("$golden" json "$tmp/$name/summary.json")" >>"$out"
  done
done
"$xbar" reproduce --quick --quiet --threads 2 --out "$tmp/rq" >/dev/null
for d in "$tmp"/rq/*/; do
  p=$(basename "$d")
  echo "reproduce.$p.metrics $("$golden" csv "$d/metrics.csv")" >>"$out"
  echo "reproduce.$p.summary $("$golden" json "$d/summary.json")" >>"$out"
done

if [[ $mode == --write ]]; then
  cp "$out" "$here/expected.txt"
  echo "golden: wrote $(wc -l <"$out") fingerprints to $here/expected.txt"
  exit 0
fi
# Every recorded fingerprint must be reproduced; lines of models or optimizers added
# since (new names) are listed but do not fail: they have nothing to be identical to.
bad=$(awk 'NR == FNR { got[$1] = $2; next } !($1 in got) || got[$1] != $2 { print $1 " expected " $2 ", got " ($1 in got ? got[$1] : "nothing") }' "$out" "$here/expected.txt")
new=$(awk 'NR == FNR { rec[$1] = 1; next } !($1 in rec) { print $1 }' "$here/expected.txt" "$out")
[[ -z $new ]] || echo "golden: new fingerprints, not recorded: $(echo $new)"
if [[ -n $bad ]]; then
  echo "$bad" >&2
  echo "golden: results differ from tests/golden/expected.txt (lines above)" >&2
  exit 1
fi
echo "golden: $(wc -l <"$here/expected.txt") fingerprints bit-identical"
