#!/usr/bin/env bash
# Run the Python package's tests against a build of xbar: BUILD/libxbar.so and the
# program BUILD/xbar (the reference the parity tests compare with). Builds nothing.
# Installs the package into a temporary folder (pip, offline, from this folder) when
# pip is there, else uses it in place through PYTHONPATH.
# Usage: bash python/run_tests.sh BUILD_DIR [pytest arguments...]
set -euo pipefail

build=${1:?usage: run_tests.sh BUILD_DIR [pytest args]}
shift
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-/usr/bin/python3}
[[ -x $py ]] || py=python3

for f in "$build/libxbar.so" "$build/xbar"; do
  [[ -e $f ]] || { echo "run_tests: $f not found (build xbar first: cmake --build $build)" >&2; exit 2; }
done
"$py" -c 'import numpy, pytest' 2>/dev/null || {
  echo "run_tests: skipped: $py lacks numpy or pytest (Debian: apt-get install python3-numpy python3-pytest)" >&2
  exit 77
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# pip builds in the folder it is given: build a copy, so the source tree stays clean
mkdir "$tmp/src"
cp -r "$here/pyproject.toml" "$here/README.md" "$here/xbar" "$tmp/src/"
if "$py" -m pip --version >/dev/null 2>&1 &&
  "$py" -m pip install --quiet --no-build-isolation --no-deps --no-index --target "$tmp/site" "$tmp/src" \
    >"$tmp/pip.log" 2>&1; then
  export PYTHONPATH="$tmp/site"
  echo "run_tests: package installed into $tmp/site"
else
  export PYTHONPATH="$here"
  echo "run_tests: using the package in place ($here)"
fi

export XBAR_LIBRARY="$build/libxbar.so" XBAR_CLI="$build/xbar"
cd "$tmp" # not the source folder: the tests import the installed package
exec "$py" -m pytest -q -p no:cacheprovider "$@" "$here/tests"
