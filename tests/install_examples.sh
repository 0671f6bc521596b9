#!/usr/bin/env bash
# install_examples.sh - xbar as an installed C library: `cmake --install` this build into a
# temporary prefix, then build the two examples of examples/ against the installed copy only
# (never the build or source tree), three ways, and run them:
#   pkg-config, libxbar.so   make            (examples/Makefile: pkg-config --cflags --libs xbar)
#   pkg-config, libxbar.a    make STATIC=1   (pkg-config --static --libs xbar, -l:libxbar.a)
#   CMake                    find_package(xbar): xbar::xbar and xbar::static (examples/CMakeLists.txt)
# Checks: the installed files (versioned soname links, archive, header, xbar.pc, CMake package,
# program, man page); no run path of an installed binary names an absolute folder (only
# $ORIGIN-relative ones would pass; there are none); the static programs do not need
# libxbar.so and the shared ones do; pkg-config --static names what the library calls
# (OpenBLAS, zlib, OpenMP, libm) and not the program's inih and cJSON; find_package refuses a
# version 1.0; each example exits 0 (its own check: Tiki-Taka's weight error falls below a
# tenth, test accuracy >= 0.5) and prints the same bytes from all four builds; xbar.1 names
# every command of `xbar --help` and renders with man (or groff) without a warning.
# A sanitized build (scripts/sanitize.sh) installs a sanitized library: xbar.pc and the CMake
# targets then add -fsanitize=address,undefined, so the examples link and run under ASan too.
# Data: DATA_DIR with MNIST's IDX files (scripts/data.sh makes data/mnist); without them, a
# small synthetic set (scripts/synth_idx.sh).
# Usage: bash tests/install_examples.sh BUILD_DIR SOURCE_DIR [CC [DATA_DIR]]   (ctest test
# "install_examples"; about 15 s)
set -euo pipefail

build=$(cd "${1:?usage: install_examples.sh BUILD_DIR SOURCE_DIR [CC [DATA_DIR]]}" && pwd)
src=$(cd "${2:?usage: install_examples.sh BUILD_DIR SOURCE_DIR [CC [DATA_DIR]]}" && pwd)
cc=${3:-cc}
data=${4:-$src/data/mnist}
for tool in cmake make pkg-config readelf "$cc"; do
  command -v "$tool" >/dev/null || { echo "install_examples: $tool not found" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install_examples: FAIL: $*" >&2; exit 1; }
log() { echo "install_examples: $*"; }

# ------------------------------------------------------------------ install
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "cmake --install"; }
pc=$(find "$prefix" -name xbar.pc)
[[ -n $pc ]] || fail "no xbar.pc installed"
libdir=$(dirname "$(dirname "$pc")")
version=$(sed -n 's/^Version: *//p' "$pc")
[[ $(readlink "$libdir/libxbar.so") == libxbar.so.${version%%.*} ]] || fail "libxbar.so is not a link to libxbar.so.${version%%.*}"
[[ $(readlink "$libdir/libxbar.so.${version%%.*}") == libxbar.so.$version ]] || fail "libxbar.so.0 is not a link to libxbar.so.$version"
for f in "$libdir/libxbar.so.$version" "$libdir/libxbar.a" "$prefix/include/xbar.h" "$prefix/bin/xbar" \
  "$libdir/cmake/xbar/xbarConfig.cmake" "$libdir/cmake/xbar/xbarConfigVersion.cmake" "$libdir/cmake/xbar/xbarTargets.cmake" \
  "$prefix/share/man/man1/xbar.1"; do
  [[ -f $f ]] || fail "not installed: ${f#"$prefix"/}"
done
log "installed xbar $version into a temporary prefix (libdir ${libdir#"$prefix"/})"

# ---------------------------------------------------------------- run paths
readelf -d "$libdir/libxbar.so.$version" >"$tmp/dynamic"
grep -q "Library soname: \[libxbar.so.${version%%.*}\]" "$tmp/dynamic" || fail "soname is not libxbar.so.${version%%.*}"
for f in "$prefix/bin/xbar" "$libdir/libxbar.so.$version"; do
  readelf -d "$f" >"$tmp/dynamic"
  paths=$(sed -n 's/.*(\(RPATH\|RUNPATH\)).*\[\(.*\)\]$/\2/p' "$tmp/dynamic")
  IFS=: read -ra entries <<<"$paths"
  for e in "${entries[@]}"; do
    [[ $e == \$ORIGIN* ]] || fail "${f#"$prefix"/}: run path '$paths' (only \$ORIGIN-relative entries are allowed)"
  done
  [[ $paths != *"$build"* && $paths != *"$src"* ]] || fail "${f#"$prefix"/}: run path '$paths' points into the build tree"
done
log "no run path in bin/xbar or libxbar.so"

# ---------------------------------------------------------------- pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --modversion xbar) == "$version" ]] || fail "pkg-config --modversion xbar"
static_libs=" $(pkg-config --static --libs xbar) "
for l in -lxbar -lopenblas -lz -lm; do
  [[ $static_libs == *" $l "* ]] || fail "pkg-config --static --libs xbar lacks $l: $static_libs"
done
if grep -q '^XBAR_OPENMP:BOOL=ON' "$build/CMakeCache.txt" && grep -q '^OpenMP_C_FLAGS:STRING=.' "$build/CMakeCache.txt"; then
  [[ $static_libs == *" -fopenmp "* || $static_libs == *" -lgomp "* ]] || fail "pkg-config --static --libs xbar lacks OpenMP: $static_libs"
fi
[[ $static_libs != *-linih* && $static_libs != *-lcjson* ]] || fail "the library does not need inih or cJSON: $static_libs"

# ---------------------------------------------------------------- build the examples
for v in shared static cmake cmake-version; do cp -r "$src/examples" "$tmp/$v"; done
make -s -C "$tmp/shared" CC="$cc" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make (pkg-config, libxbar.so)"; }
make -s -C "$tmp/static" CC="$cc" STATIC=1 >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make STATIC=1 (pkg-config --static)"; }
unset PKG_CONFIG_PATH # CMake finds the package through CMAKE_PREFIX_PATH alone
cmake -S "$tmp/cmake" -B "$tmp/cmake/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "cmake: find_package(xbar)"; }
cmake --build "$tmp/cmake/build" --parallel 2 >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "cmake --build examples"; }
sed -i 's/find_package(xbar 0.1 REQUIRED)/find_package(xbar 1.0 REQUIRED)/' "$tmp/cmake-version/CMakeLists.txt"
if cmake -S "$tmp/cmake-version" -B "$tmp/cmake-version/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  >"$tmp/cmake.log" 2>&1; then
  fail "find_package(xbar 1.0) accepted xbar $version"
fi
log "examples built: pkg-config (shared, static) and find_package (xbar::xbar, xbar::static)"

needs_libxbar() { readelf -d "$1" >"$tmp/dynamic" && grep -q 'NEEDED.*\[libxbar\.so' "$tmp/dynamic"; }
for p in tiki_taka_lsq mnist_train; do
  needs_libxbar "$tmp/shared/$p" || fail "shared/$p does not load libxbar.so.0"
  needs_libxbar "$tmp/cmake/build/$p" || fail "cmake/$p does not load libxbar.so.0"
  ! needs_libxbar "$tmp/static/$p" || fail "static/$p loads libxbar.so"
  ! needs_libxbar "$tmp/cmake/build/${p}_static" || fail "cmake/${p}_static loads libxbar.so"
done

# ---------------------------------------------------------------- run them
if ! compgen -G "$data/train-images-idx3-ubyte*" >/dev/null; then
  log "no MNIST in $data (bash scripts/data.sh): a synthetic 10-class set instead"
  data=$tmp/synth
  bash "$src/scripts/synth_idx.sh" "$data" 1000 200 8
fi
export OMP_WAIT_POLICY=passive
run() { # NAME VARIANT BINARY ARGS...: run, check exit 0, keep the output as $tmp/NAME.VARIANT
  local name=$1 variant=$2 bin=$3
  shift 3
  local rc=0
  "$bin" "$@" >"$tmp/$name.$variant" 2>&1 || rc=$?
  ((rc == 0)) || { cat "$tmp/$name.$variant"; fail "$variant/$name exited $rc"; }
}
for p in tiki_taka_lsq mnist_train; do
  args=()
  [[ $p == mnist_train ]] && args=("$data" 1000 2)
  # libxbar.so sits in a temporary prefix, which is not among the loader's folders (as
  # /usr/lib is, or /usr/local/lib after ldconfig), and pkg-config adds no run path: the
  # shared build needs LD_LIBRARY_PATH. The static builds need none, and CMake gives the
  # programs of its build tree a run path to the imported libxbar.so.
  LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run $p shared "$tmp/shared/$p" "${args[@]}"
  run $p static "$tmp/static/$p" "${args[@]}"
  run $p cmake "$tmp/cmake/build/$p" "${args[@]}"
  run $p cmake_static "$tmp/cmake/build/${p}_static" "${args[@]}"
  for v in static cmake cmake_static; do
    cmp -s "$tmp/$p.shared" "$tmp/$p.$v" || { diff "$tmp/$p.shared" "$tmp/$p.$v" || true; fail "$p: $v build prints other numbers"; }
  done
  log "$p (the same output from all four builds):"
  sed 's/^/  /' "$tmp/$p.shared"
done
awk '/^tiki_taka: weight error/ { ok = $6 + 0 < 0.1 * $4 } END { exit !ok }' "$tmp/tiki_taka_lsq.shared" ||
  fail "tiki_taka_lsq: the weight error did not fall below a tenth"
awk '/test accuracy/ { a = $NF } END { exit !(a >= 0.5) }' "$tmp/mnist_train.shared" || fail "mnist_train: test accuracy < 0.5"

# ---------------------------------------------------------------- the man page
man1=$prefix/share/man/man1/xbar.1
"$prefix/bin/xbar" --help >"$tmp/help.txt"
commands=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' "$tmp/help.txt")
[[ -n $commands ]] || fail "xbar --help lists no command"
grep -q '^\.TH XBAR 1 ' "$man1" || fail "xbar.1 has no .TH XBAR 1 header"
for c in $commands; do
  grep -q "^\\\\fB$c\\\\fR\$" "$man1" || fail "xbar.1: command $c not in COMMANDS"
  grep -q "^\\.SS \"xbar $c\"\$" "$man1" || fail "xbar.1: no subsection for xbar $c"
done
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$man1" >"$tmp/man.txt" 2>"$tmp/man.err" || { cat "$tmp/man.err"; fail "man -l xbar.1"; }
  for c in $commands; do grep -q "xbar $c" "$tmp/man.txt" || fail "man -l xbar.1 does not show xbar $c"; done
fi
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -z "$man1" 2>"$tmp/groff.err"
  [[ ! -s $tmp/groff.err ]] || { cat "$tmp/groff.err"; fail "groff warns on xbar.1"; }
fi
log "xbar.1 names all $(echo $commands | wc -w) commands ($(echo $commands)) and renders"

# ---------------------------------------------------------------- the Python package, installed
# `pip install ./python` (offline, into a folder) and `import xbar` finding the installed
# libxbar.so.0 through the loader (XBAR_LIBRARY unset); skipped without Debian's numpy or pip, and
# in sanitized builds.
py=/usr/bin/python3
if readelf -d "$libdir/libxbar.so.$version" | grep -q 'libasan'; then
  log "skipped the Python check (a sanitized libxbar.so cannot be loaded into an uninstrumented python3)"
elif [[ -x $py ]] && "$py" -c 'import numpy' 2>/dev/null && "$py" -m pip --version >/dev/null 2>&1; then
  mkdir "$tmp/pysrc"
  cp -r "$src/python/pyproject.toml" "$src/python/README.md" "$src/python/xbar" "$tmp/pysrc/"
  "$py" -m pip install --quiet --no-build-isolation --no-deps --no-index --target "$tmp/site" "$tmp/pysrc" \
    >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; fail "pip install ./python"; }
  got=$(cd "$tmp" && env -u XBAR_LIBRARY LD_LIBRARY_PATH="$libdir" PYTHONPATH="$tmp/site" "$py" -c \
    'import xbar; print(xbar.version())') || fail "python3 -c 'import xbar' against the installed library"
  [[ $got == "$version" ]] || fail "import xbar: version '$got', installed $version"
  log "pip install ./python, then import xbar: version $got from the installed libxbar.so.0"
else
  log "skipped the Python check (no Debian python3-numpy or python3-pip)"
fi
log "ok"
