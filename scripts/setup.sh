#!/usr/bin/env bash
# Install the Debian 12 packages needed to build and test xbar.
# Idempotent: packages already installed are left alone, and the package
# lists are refreshed only when something has to be installed.
# Usage: bash scripts/setup.sh [--test]
#   --test  also the tools of the extra test stages of scripts/test.sh: clang and
#           libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes, not pulled in by
#           clang without its recommends) for scripts/fuzz.sh, valgrind for scripts/valgrind.sh
#           (gcc's own ASan/UBSan runtimes come with gcc).
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
  gnuplot-nox
  zlib1g-dev
)
if [[ ${1:-} == --test ]]; then
  packages+=(clang libclang-rt-14-dev valgrind)
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
