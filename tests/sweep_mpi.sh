#!/usr/bin/env bash
# sweep_mpi.sh - `mpirun -np 2 xbar sweep`: the two ranks share a 24-point lsq sweep (rank 0
# hands the points out as ranks ask), every point runs exactly once, both ranks run points,
# and `xbar collect` gives the serial run's results.csv and summary.csv byte for byte. Then an
# MPI run stopped after 10 points and rerun under mpirun runs only the 14 missing ones, and a
# flag that cannot work under mpirun (--jobs 2) is refused once, by rank 0, with exit 2.
# An xbar built without MPI (the sanitized build) is checked instead to run rank R as the static
# shard R/2, the two making the serial run's results. Exit 77 (ctest SKIP) when mpirun is
# missing (Debian libopenmpi-dev and openmpi-bin: bash scripts/setup.sh --test).
# Usage: bash tests/sweep_mpi.sh XBAR
set -euo pipefail

xbar=$(realpath "$1")
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP: mpirun is not installed (Debian openmpi-bin: bash scripts/setup.sh --test)"
  exit 77
fi
with_mpi=1
"$xbar" --version | grep -q "with MPI" || with_mpi=0
# Open MPI refuses root without these; --oversubscribe lets 2 ranks run on 1 core too.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe -np 2)

tmp=$(mktemp -d /tmp/xbar-mpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

cat >"$tmp/sweep.ini" <<'INI'
[sweep]
command = lsq
seed = 5
timings = false
grid = device.tau: 2, 3, 5, 10, 20, 50
grid = lsq.lr: 0.1, 0.05
zip = lsq.data_seed: 1, 2

[lsq]
kinds = digital,analog_pulse
dim = 20
rows = 40
half = true
iterations = 300
noise = 0.03

[device]
model = ald
dw_min = 1e-4
INI
# 6 x 2 x 2 = 24 points; the seeds derive from sweep.seed, so ranks must not change them

"$xbar" sweep --config "$tmp/sweep.ini" --out "$tmp/serial" --quiet >/dev/null || fail "the serial sweep failed"
"$xbar" collect "$tmp/serial" --quiet >/dev/null || fail "collect of the serial sweep failed"

if ((!with_mpi)); then
  # a build without MPI: each rank runs its static shard R/2, and the two shards make the sweep
  "${mpi[@]}" "$xbar" sweep --config "$tmp/sweep.ini" --out "$tmp/static" >"$tmp/st.out" 2>"$tmp/st.err" ||
    { cat "$tmp/st.err"; fail "mpirun -np 2 xbar sweep (static shards) failed"; }
  for r in 0 1; do
    grep -q "running the static shard $r/2" "$tmp/st.err" || { cat "$tmp/st.err"; fail "no note of static shard $r/2"; }
  done
  "$xbar" collect "$tmp/static" --quiet >/dev/null || fail "collect of the static-shard sweep failed"
  cmp "$tmp/serial/results.csv" "$tmp/static/results.csv" || fail "results.csv of the static shards differs"
  echo "sweep_mpi: $xbar is built without MPI: mpirun -np 2 ran the static shards 0/2 and 1/2, results equal the serial run's"
  exit 0
fi

"${mpi[@]}" "$xbar" sweep --config "$tmp/sweep.ini" --out "$tmp/mpi" >"$tmp/mpi.out" 2>"$tmp/mpi.err" ||
  { cat "$tmp/mpi.err"; fail "mpirun -np 2 xbar sweep failed"; }
"$xbar" collect "$tmp/mpi" --quiet >/dev/null || fail "collect of the MPI sweep failed"
cmp "$tmp/serial/results.csv" "$tmp/mpi/results.csv" || fail "results.csv differs between the serial and the MPI run"
cmp "$tmp/serial/summary.csv" "$tmp/mpi/summary.csv" || fail "summary.csv differs between the serial and the MPI run"

# every point exactly once, by one rank or the other, and both ranks at work
done_lines=$(grep -c ': done (' "$tmp/mpi.err" || true)
((done_lines == 24)) || { cat "$tmp/mpi.err"; fail "$done_lines 'done' lines, expected 24"; }
uniq_points=$(grep ': done (' "$tmp/mpi.err" | sed -E 's/.* point ([0-9]+) .*/\1/' | sort -un | wc -l)
((uniq_points == 24)) || fail "$uniq_points distinct points ran, expected 24"
for r in 0 1; do
  grep -q "(rank $r)\$" "$tmp/mpi.err" || { cat "$tmp/mpi.err"; fail "rank $r ran no point"; }
done
grep -q "24 ran, 0 finished before" "$tmp/mpi.out" || { cat "$tmp/mpi.out"; fail "rank 0's closing line"; }
(($(grep -c "wrote .*sweep.json" "$tmp/mpi.out") == 1)) || fail "the closing lines must come from rank 0 alone"

# stopped after 10 points, then resumed: only the 14 missing points run
"${mpi[@]}" "$xbar" sweep --config "$tmp/sweep.ini" --out "$tmp/resume" --stop-after-points 10 \
  >"$tmp/r1.out" 2>"$tmp/r1.err" || { cat "$tmp/r1.err"; fail "the stopped MPI run failed"; }
grep -q "10 ran, 0 finished before, 14 left" "$tmp/r1.out" || { cat "$tmp/r1.out"; fail "stop after 10"; }
"${mpi[@]}" "$xbar" sweep --config "$tmp/sweep.ini" --out "$tmp/resume" >"$tmp/r2.out" 2>"$tmp/r2.err" ||
  { cat "$tmp/r2.err"; fail "the resumed MPI run failed"; }
grep -q "14 ran, 10 finished before" "$tmp/r2.out" || { cat "$tmp/r2.out"; fail "resume ran other than the 14 missing"; }
"$xbar" collect "$tmp/resume" --quiet >/dev/null || fail "collect of the resumed sweep failed"
cmp "$tmp/serial/results.csv" "$tmp/resume/results.csv" || fail "results.csv of the resumed MPI run differs"

# a refusal: said once (rank 0), exit 2, nothing created
rc=0
"${mpi[@]}" "$xbar" sweep --config "$tmp/sweep.ini" --out "$tmp/refused" --jobs 2 >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
((rc == 2)) || fail "--jobs 2 under mpirun: exit $rc, expected 2"
(($(grep -c "under mpirun" "$tmp/bad.err") == 1)) || { cat "$tmp/bad.err"; fail "the refusal must be printed once"; }
[[ ! -e $tmp/refused ]] || fail "a refused run created its --out"

echo "sweep_mpi: 24 points over 2 ranks ($(grep -c '(rank 0)$' "$tmp/mpi.err") on rank 0, $(grep -c '(rank 1)$' "$tmp/mpi.err") on rank 1), results equal the serial run's; resume and refusal checked"
