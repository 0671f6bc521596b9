#!/usr/bin/env bash
# exports.sh - one public surface: the dynamic symbols libxbar.so defines (functions and
# data, nm -D --defined-only) against the declarations of include/xbar.h. Fails, listing
# them, on any exported symbol that xbar.h does not declare, any exported symbol not
# prefixed xbar_, and any function xbar.h declares that the library does not export.
# Declarations are read from xbar.h with comments and preprocessor lines removed: a
# function is a declaration `TYPE... xbar_name(` (not static, not a typedef), data is
# `extern TYPE... xbar_name` followed by `[`, `;` or `=`.
# Usage: bash tests/exports.sh path/to/libxbar.so include/xbar.h   (ctest test "exports")
set -euo pipefail

lib=${1:?usage: exports.sh LIBXBAR_SO XBAR_H}
header=${2:?usage: exports.sh LIBXBAR_SO XBAR_H}
command -v nm >/dev/null || { echo "exports: nm not found (Debian package binutils)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Exported: defined dynamic symbols, less those the toolchain makes: the linker's own
# (_init, _fini, __bss_start, ...), section bounds (__start_X / __stop_X: the coverage
# counters of the fuzz build), clang OpenMP's reduction lock (.gomp_critical_user_...)
# and the sanitizers' (__asan_*, __ubsan_*, __sanitizer_*, __odr_asan_*).
nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' |
  grep -Ev '^(_init|_fini|_edata|_end|__bss_start|__data_start)$' |
  grep -Ev '^(\.|__start_|__stop_|__asan_|__ubsan_|__sanitizer_|__odr_asan_)' | sort -u >"$tmp/exported"

# Declared: strip comments, string literals and preprocessor lines, then cut the text at
# `;`, `{` and `}` and look at each piece.
perl -0777 -ne '
  s{/\*.*?\*/}{ }gs; s{//[^\n]*}{}g; s{"(?:[^"\\\n]|\\.)*"}{""}g;
  s{^[ \t]*#(?:[^\n]*\\\n)*[^\n]*}{}mg;
  for my $d (split /[;{}]/) {
    $d =~ s/\s+/ /g; $d =~ s/^ //;
    next if $d =~ /^(typedef|static|return)\b/;
    if ($d =~ /^extern (?:const |struct |enum |unsigned |signed |\w+\s*\*?\s*)+?\**(xbar_\w+)\s*(?:\[[^\]]*\])?\s*(?:=.*)?$/) {
      print "$1\n"; next;
    }
    print "$1\n" if $d =~ /^(?:extern )?(?:[A-Za-z_]\w*[ *]+)+\**(xbar_\w+) ?\(/;
  }' "$header" | sort -u >"$tmp/declared"

fail=0
report() { # report FILE TITLE
  if [[ -s $1 ]]; then
    echo "exports: $2:"
    sed 's/^/  /' "$1"
    fail=1
  fi
}
grep -v '^xbar_' "$tmp/exported" >"$tmp/unprefixed" || true
comm -23 "$tmp/exported" "$tmp/declared" | grep '^xbar_' >"$tmp/undeclared" || true
comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/missing" || true
report "$tmp/unprefixed" "exported without the xbar_ prefix"
report "$tmp/undeclared" "exported but not declared in $(basename "$header")"
report "$tmp/missing" "declared in $(basename "$header") but not exported"

echo "exports: $(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/declared") declared"
exit $fail
