#!/usr/bin/env bash
# tt_family_wp.sh - spec X10's weight-programming task (NC24 Fig. 4): the std of the converged
# weights against the target (w_err of `xbar lsq`) over n_states x sigma_r for in-memory SGD,
# TTv2, c-TTv2 and AGAD (configs/tt-family/wp/wp-*.ini). Every cell runs 3 seeds (device
# construction, pulses and reads; A and W* fixed); per optimizer and n_states the learning rate is
# the one of 0.01, 0.003, 0.001 with the lowest mean w_err at sigma_r = 0 (tuned without offsets,
# then held for every sigma_r). Writes OUT/table.md (mean +- std over seeds) and OUT/wp.png (one
# panel per optimizer) and prints the table. About 15 minutes on one core; JOBS=N runs N at once.
# Usage: bash scripts/tt_family_wp.sh [XBAR=./build/xbar] [OUT=out/tt-family-wp]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
xbar=${1:-$here/build/xbar} out=${2:-out/tt-family-wp}
[[ -x $xbar ]] || { echo "tt_family_wp: $xbar is not an executable (build xbar first)" >&2; exit 2; }
kinds="analog_sgd ttv2 c_ttv2 agad" states="5 10 20 50 100 200 500 1000" seeds="1 2 3" lrs="0.01 0.003 0.001"
mkdir -p "$out/runs"
# one line per run: kind n_states lr seed
for k in $kinds; do for n in $states; do for lr in $lrs; do for s in $seeds; do
  echo "$k $n $lr $s"; done; done; done; done >"$out/runs.txt"
run() { # kind n_states lr seed -> OUT/runs/KIND-nN-lrLR-sS.txt (skipped when done)
  local k=$1 n=$2 lr=$3 s=$4 f="$out/runs/$1-n$2-lr$3-s$4"
  [[ -s $f.txt ]] && return 0
  local dw slow=()
  dw=$(awk -v n="$n" 'BEGIN { printf "%.9g", 2 / n }')
  [[ $k == analog_sgd ]] || slow=(--set "slow_device.dw_min=$dw" --set "slow_device.construction_seed=$s")
  "$xbar" lsq --config "$here/configs/tt-family/wp/wp-$k.ini" --set "device.dw_min=$dw" \
    --set "device.construction_seed=$s" "${slow[@]}" --set "lsq.lr=$lr" --seed "$s" --out "$f.d" --force \
    --quiet >"$f.tmp"
  rm -rf "$f.d"
  mv "$f.tmp" "$f.txt"
}
export -f run; export xbar out here
total=$(wc -l <"$out/runs.txt")
echo "tt_family_wp: $total runs of xbar lsq into $out/runs (${JOBS:-1} at a time)" >&2
xargs -P "${JOBS:-1}" -L 1 bash -c 'run "$@"' _ <"$out/runs.txt"
# every run: kind n lr seed sigma_r w_err (w_err: the 7th column of the table xbar lsq prints)
for k in $kinds; do for n in $states; do for lr in $lrs; do for s in $seeds; do
  awk -v k="$k" -v n="$n" -v lr="$lr" -v s="$s" '$1 ~ /^(analog_pulse|tt_pulse)$/ {
      sr = 0; if ($2 ~ /^ref_std=/) { sr = substr($2, 9); w = $7 } else w = $6
      print k, n, lr, s, sr, w }' "$out/runs/$k-n$n-lr$lr-s$s.txt"
done; done; done; done >"$out/all.txt"
awk -v kinds="$kinds" -v states="$states" '
  { key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $5; sum[key] += $6; sq[key] += $6 * $6; cnt[key]++
    sr[$5] = 1; lrs[$3] = 1 }
  END {
    nsr = 0; for (x in sr) srs[++nsr] = x + 0
    for (i = 1; i <= nsr; i++) for (j = i + 1; j <= nsr; j++) if (srs[j] < srs[i]) { t = srs[i]; srs[i] = srs[j]; srs[j] = t }
    nk = split(kinds, K, " "); nn = split(states, N, " ")
    for (a = 1; a <= nk; a++) {
      printf "\n%s: w_err, mean +- std over 3 seeds (lr chosen at sigma_r = 0)\n\n", K[a]
      printf "| n_states | lr |"; for (i = 1; i <= nsr; i++) printf " sigma_r = %s |", srs[i]; printf "\n"
      printf "|---|---|"; for (i = 1; i <= nsr; i++) printf "---|"; printf "\n"
      for (b = 1; b <= nn; b++) {
        best = ""; bv = 1e300
        for (l in lrs) { q = K[a] SUBSEP N[b] SUBSEP l SUBSEP 0; if ((q in cnt) && sum[q] / cnt[q] < bv) { bv = sum[q] / cnt[q]; best = l } }
        printf "| %s | %s |", N[b], best
        for (i = 1; i <= nsr; i++) {
          q = K[a] SUBSEP N[b] SUBSEP best SUBSEP srs[i]
          if (!(q in cnt)) q = K[a] SUBSEP N[b] SUBSEP best SUBSEP 0   # SGD: no reference
          m = sum[q] / cnt[q]; v = sq[q] / cnt[q] - m * m; if (v < 0) v = 0
          printf " %.3f +- %.3f |", m, sqrt(v * cnt[q] / (cnt[q] > 1 ? cnt[q] - 1 : 1))
          print K[a], N[b], srs[i], m > "/dev/stderr"
        }
        printf "\n"
      }
    }
  }' "$out/all.txt" 2>"$out/grid.txt" | tee "$out/table.md"
# the figure: w_err against n_states (log x), a line per sigma_r, one panel per optimizer
if command -v gnuplot >/dev/null; then
  gnuplot <<GP || echo "tt_family_wp: gnuplot failed; the table is written" >&2
set terminal pngcairo size 1400,1000 font ",11"
set output "$out/wp.png"
set multiplot layout 2,2 title "Weight programming (NC24 Fig. 4 task): std of W - W* after training, mean of 3 seeds"
set logscale x; set logscale y; set grid
set xlabel "device states n_{states} = 2 / dw_{min}"; set ylabel "{/Symbol e}_w = std(W - W*)"
set xrange [3:1500]; set yrange [0.005:1]; set key bottom left
titles = '"in-memory SGD" "TTv2 (buffered)" "c-TTv2" "AGAD"'
i = 0
do for [k in "$kinds"] {
  i = i + 1
  set title word(titles, i) noenhanced
  plot for [r in "0 0.1 0.2 0.3 0.5"] sprintf("< awk '\$1 == \"%s\" && \$3 == %s { print \$2, \$4 }' $out/grid.txt", k, r) \
    using 1:2 with linespoints lw 2 title sprintf("{/Symbol s}_r = %s", r)
}
unset multiplot
GP
fi
echo "tt_family_wp: $out/table.md, $out/wp.png" >&2
