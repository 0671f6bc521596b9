#!/usr/bin/env bash
# tt_family_lsq.sh - the Tiki-Taka family on the paper's least-squares problem with the fast
# tile's symmetric point spread over the devices (device.ref_std = sigma_r, tau = 1): one
# `xbar lsq` run per optimizer (configs/tt-family/lsq-ref-offset-*.ini, a curve per sigma_r),
# then a markdown table of the final error (mean loss over the last 10 % of the steps) per
# optimizer and sigma_r on stdout and in OUT/table.md. About a minute on one core.
# Usage: bash scripts/tt_family_lsq.sh [XBAR=./build/xbar] [OUT=out/tt-family-lsq]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
xbar=${1:-$here/build/xbar} out=${2:-out/tt-family-lsq}
[[ -x $xbar ]] || { echo "tt_family_lsq: $xbar is not an executable (build xbar first)" >&2; exit 2; }
mkdir -p "$out"
kinds="tiki_taka ttv2 c_ttv2 agad"
for k in $kinds; do
  "$xbar" lsq --config "$here/configs/tt-family/lsq-ref-offset-$k.ini" --out "$out/$k" --force --quiet \
    >"$out/$k.txt"
done
{
  echo "| optimizer | sigma_r = 0 | 0.1 | 0.3 | 0.5 |"
  echo "|---|---|---|---|---|"
  for k in $kinds; do
    awk -v k="$k" '/^tt_pulse ref_std=/ { v[n++] = $3 } END { printf "| %s |", k; for (i = 0; i < n; i++) printf " %s |", v[i]; printf "\n" }' "$out/$k.txt"
  done
} | tee "$out/table.md"
echo "plots: $out/<optimizer>/*.png" >&2
