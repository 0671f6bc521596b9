#!/usr/bin/env bash
# Install the Debian 12 packages needed to build and test xbar.
# Idempotent: packages already installed are left alone, and the package
# lists are refreshed only when something has to be installed.
# Usage: bash scripts/setup.sh [--test]
#   --test  also the tools of the extra test stages of scripts/test.sh: clang and
#           libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes, not pulled in by
#           clang without its recommends) for scripts/fuzz.sh, valgrind for scripts/valgrind.sh
#           (gcc's own ASan/UBSan runtimes come with gcc); python3-numpy, python3-pytest and
#           python3-matplotlib for the Python package (python/run_tests.sh, python/examples/),
#           python3-pip and python3-setuptools for its offline `pip install ./python`;
#           slurm-wlm and munge for the local Slurm of tests/sweep_slurm.sh; libopenmpi-dev and
#           openmpi-bin for `mpirun ... xbar sweep` (tests/sweep_mpi.sh).
set -euo pipefail

packages=(
  cmake
  gcc
  binutils # nm, for the exports test (gcc depends on it already)
  make
  pkg-config
  libopenblas-dev
  libopenblas-openmp-dev
  libinih-dev
  libcjson-dev
  libcminpack-dev # MINPACK's Levenberg-Marquardt, for `xbar fit`
  gnuplot-nox
  zlib1g-dev
)
if [[ ${1:-} == --test ]]; then
  packages+=(clang libclang-rt-14-dev valgrind)
  # the Python package (python/): numpy, its tests (python/run_tests.sh) and its example's plot
  packages+=(python3-numpy python3-pytest python3-matplotlib python3-pip python3-setuptools)
  # a local one-node Slurm for `xbar sweep --emit-slurm` (tests/sweep_slurm.sh)
  packages+=(slurm-wlm munge)
  # Open MPI: `mpirun -np N xbar sweep` (CMake builds it in when found; tests/sweep_mpi.sh)
  packages+=(libopenmpi-dev openmpi-bin)
fi

installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ "$status" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
