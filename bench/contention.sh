#!/usr/bin/env bash
# contention.sh - xbar's threads on a shared machine: a short `train` and a short `lsq` at
# --threads 1 and at --threads N (default 2) while a competing process keeps every core busy,
# and the same runs with the cores idle for reference. A runtime benchmark, not a test.
#
# What it runs (nothing is built; XBAR is an xbar program built elsewhere):
#   train  the default FCN (784-256-128-10, Tiki-Taka, batch 10) for 2 epochs on 2,000
#          synthetic 28x28 images (the bytes of scripts/synth_idx.sh DIR 2000 200 28, written
#          by perl when it is present, else by that script: about a minute)
#   lsq    `xbar lsq --preset fig1` (five curves of 2,500 steps)
# The competing load is one busy-loop process per CPU this shell may use (`nproc`), started
# before the contended runs and killed at the end (also on Ctrl-C). Each case runs REPS times,
# the 1-thread and N-thread runs interleaved so that both meet the same phases of the host's
# load; each time is the wall clock of the whole command (start-up and file writes included).
#
# How to read it: one line per case and load with the median seconds at 1 and N threads and
# their ratio (N / 1). Under load, extra threads cannot help (the cores are taken); the ratio
# says what they cost. Target: <= 1.3 under load (PASS / FAIL on the last line; the exit code
# is 0 either way unless something failed to run). Idle: below 1 means the threads help.
# The OpenMP wait settings the program runs with are printed first (libgomp's GOMP_SPINCOUNT:
# 0 is passive waiting, 300000 libgomp's default, 30000000000 OMP_WAIT_POLICY=active); set
# OMP_WAIT_POLICY or GOMP_SPINCOUNT in the environment to compare.
#
# Usage: bash bench/contention.sh [XBAR=./build/xbar] [REPS=3] [THREADS=2]
# Results and the machine they came from: docs/performance.md, "Threads on a shared machine".
set -euo pipefail

xbar=${1:-./build/xbar} reps=${2:-3} nthr=${3:-2}
[[ -x $xbar ]] || { echo "contention: $xbar is not an executable (build xbar first)" >&2; exit 2; }
xbar=$(cd "$(dirname "$xbar")" && pwd)/$(basename "$xbar")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xbar-contention.XXXXXX")
load_pids=()
stop_load() {
  local p
  for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${load_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  load_pids=()
}
trap 'stop_load; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ data
data=$tmp/data
mkdir -p "$data"
if command -v perl >/dev/null; then
  # the bytes of scripts/synth_idx.sh (same generator), 100x faster
  perl -e '
    my ($dir, $side) = @ARGV;
    for my $sp (["train", 2000, 0], ["t10k", 200, 1]) {
      my ($prefix, $n, $s) = ($sp->[0], $sp->[1], 12345 + $sp->[2]);
      open(my $f, ">:raw", "$dir/$prefix-images-idx3-ubyte") or die "$!";
      print $f pack("N4", 0x803, $n, $side, $side);
      for my $i (0 .. $n - 1) {
        my $k = $i % 10; my $r0 = 1 + int($k / 5) * int($side / 2); my $c0 = 1 + int(($k % 5) * ($side - 3) / 4);
        my $img = "";
        for my $r (0 .. $side - 1) { for my $c (0 .. $side - 1) {
          $s = ($s * 1103515245 + 12345) & 0x7fffffff;
          $img .= chr(($r >= $r0 && $r < $r0 + 2 && $c >= $c0 && $c < $c0 + 2) ? 230 : (($s >> 16) % 40));
        } }
        print $f $img;
      }
      close $f;
      open($f, ">:raw", "$dir/$prefix-labels-idx1-ubyte") or die "$!";
      print $f pack("N2", 0x801, $n), map { chr($_ % 10) } 0 .. $n - 1;
      close $f;
    }' "$data" 28
else
  bash "$here/scripts/synth_idx.sh" "$data" 2000 200 28
fi

# ------------------------------------------------------------------ runs
run_case() { # CASE THREADS -> seconds on stdout
  local args
  case $1 in
  train) args=(train --set "data.dir=$data" --set train.epochs=2) ;;
  lsq) args=(lsq --preset fig1) ;;
  esac
  local t0=$EPOCHREALTIME
  "$xbar" "${args[@]}" --quiet --force --threads "$2" --out "$tmp/out-$1-$2" >/dev/null 2>"$tmp/err" ||
    { echo "contention: xbar ${args[*]} --threads $2 failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  local t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A res
measure() { # LOAD: fills res[case,load,threads] with the median
  local c t r
  declare -A times
  for ((r = 0; r < reps; r++)); do
    for c in train lsq; do
      for t in 1 "$nthr"; do times[$c,$t]+=" $(run_case "$c" "$t")"; done
    done
  done
  for c in train lsq; do
    for t in 1 "$nthr"; do
      # shellcheck disable=SC2086
      res[$c,$1,$t]=$(median ${times[$c,$t]})
      echo "  $c $1 --threads $t: ${times[$c,$t]# } s" >&2
    done
  done
}

ncpu=$(nproc)
echo "xbar: $xbar ($("$xbar" --version))"
echo "machine: $ncpu CPUs for this shell ($(getconf _NPROCESSORS_ONLN) online), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OpenMP wait: $(OMP_DISPLAY_ENV=verbose "$xbar" --version 2>&1 | grep -E 'OMP_WAIT_POLICY|GOMP_SPINCOUNT' | tr -s ' ' | tr '\n' ' ')"
echo "(environment: OMP_WAIT_POLICY=${OMP_WAIT_POLICY-unset} GOMP_SPINCOUNT=${GOMP_SPINCOUNT-unset})"
echo "runs: $reps of each, interleaved; --threads 1 and --threads $nthr"

for ((i = 0; i < ncpu; i++)); do
  (while :; do :; done) &
  load_pids+=($!)
done
sleep 0.5
echo "busy: $ncpu busy-loop processes running" >&2
measure busy
stop_load
sleep 1
measure idle

echo
printf '%-6s %-5s %12s %12s %10s %s\n' case cores "1 thread s" "$nthr threads s" "ratio" ""
pass=1
for load in busy idle; do
  for c in train lsq; do
    a=${res[$c,$load,1]} b=${res[$c,$load,$nthr]}
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
    verdict=""
    if [[ $load == busy ]]; then
      if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.3) }'; then verdict="<= 1.3: PASS"; else verdict="<= 1.3: FAIL"; pass=0; fi
    fi
    printf '%-6s %-5s %12s %12s %10s %s\n' "$c" "$load" "$a" "$b" "${ratio}x" "$verdict"
  done
done
echo "contention target (--threads $nthr / --threads 1 under load <= 1.3 for train and lsq): $( ((pass)) && echo PASS || echo FAIL)"
