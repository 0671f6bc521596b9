#!/usr/bin/env bash
# Regenerate the seed corpora fuzz/corpus/<target>/ (committed) of these fuzz targets (the
# seeds of the others are kept as they are):
#   fuzz_config      configs/paper/*.ini, a resolved config.ini of each command, --set lines
#                    and malformed INI (input layout: fuzz/fuzz_config.c)
#   fuzz_idx         tiny image sets (scripts/synth_idx.sh), plain and gzip, and broken ones
#                    (input layout: fuzz/fuzz_idx.c)
#   fuzz_checkpoint  checkpoints of a 1- and a 2-epoch `xbar train` run of the network the
#                    harness builds, another network's, and mutated copies: truncated, bad
#                    magic, version, sizes, flipped bytes (input layout: fuzz/fuzz_checkpoint.c)
# Run it again whenever a file format or the harness's network changes. It needs a built
# xbar (default ./build/xbar; configured and built there if missing).
# Usage: bash fuzz/make_corpus.sh [XBAR]      (from anywhere; paths are relative to the repo root)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
xbar=${1:-build/xbar}
if [[ ! -x $xbar ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --parallel "$(nproc)" --target xbar >/dev/null
  xbar=build/xbar
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed DIR NAME FLAGBYTE_HEX FILE...: the flag byte, then the files' bytes
seed() {
  local dir=$1 name=$2 flag=$3
  shift 3
  { printf "\\x$flag"; cat "$@"; } >"fuzz/corpus/$dir/$name"
}
# patch FILE OFFSET BYTES_HEX: overwrite bytes in place
patch() { printf "$(sed 's/../\\x&/g' <<<"$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
text() { printf '%b' "$1" >"$tmp/t"; echo "$tmp/t"; }

rm -rf fuzz/corpus/fuzz_config fuzz/corpus/fuzz_idx fuzz/corpus/fuzz_checkpoint
mkdir -p fuzz/corpus/fuzz_config fuzz/corpus/fuzz_idx fuzz/corpus/fuzz_checkpoint

# ---- fuzz_config: byte 0 = command (bit 0: lsq) and preset (bits 1-3), INI, NUL, --set lines
for f in configs/paper/*.ini; do seed fuzz_config "paper-$(basename "$f" .ini)" 00 "$f"; done
data=$tmp/data
bash scripts/synth_idx.sh "$data" 40 20 8
"$xbar" train --quiet --set data.dir="$data" --set train.epochs=1 --set 'model.layers=linear:10' --out "$tmp/tr" >/dev/null
seed fuzz_config resolved-train 00 "$tmp/tr/config.ini"
"$xbar" lsq --quiet --preset tt --set lsq.iterations=20 --out "$tmp/lsq" >/dev/null
seed fuzz_config resolved-lsq 01 "$tmp/lsq/config.ini"
seed fuzz_config sets-train 00 "$(text '[train]\nepochs = 2\n\0model.layers=conv:4:5:2:1 relu maxpool:2 linear:10\nmodel.digital_layers=0, 3\ndevice.tau=0.5\nupdate.scheme=stochastic\nforward.noise_management=abs_max\ntrain.lr=1e-3')"
seed fuzz_config sets-lsq-fig4 07 "$(text '\0lsq.sweep_key=device.tau\nlsq.sweep_values=0.5, 0.7\nlsq.kinds=digital,analog_pulse,tt_pulse')"
seed fuzz_config preset-thm3 0d "$(text '[lsq]\nema = 0.9\n')"
seed fuzz_config list-lsq 01 "$(text '\0lsq.lr=1e-3, 2e-3 4e-3')"
seed fuzz_config string-comment 00 "$(text '[data]\ndir = /tmp/x ;comment\n\0data.dir=a ;b')"
seed fuzz_config bad-syntax 00 "$(text '[model\nlayers linear:10\n  continued = 1\n=\n[]\nx=1')"
seed fuzz_config bad-values 00 "$(text '[train]\nepochs = 0x10\nbatch = 1e9\nlr = nan\nseed = -1\n[device]\nmodel = unknown\n')"
seed fuzz_config duplicate-key 00 "$(text '[train]\nepochs = 2\nepochs = 3\n')"
seed fuzz_config long-line 00 "$(text "[model]\nlayers = $(printf 'linear:256 sigmoid %.0s' {1..12})linear:10\n")"
seed fuzz_config bom-crlf 00 "$(text '\xef\xbb\xbf[train]\r\nepochs = 1\r\n')"
seed fuzz_config empty 00 /dev/null

# ---- fuzz_idx: byte 0 = flags (bit 0/1: gzip images/labels; bits 2-5: classes - 1),
# bytes 1-2 = images length (little-endian), then images and labels
idx() { # NAME FLAGS IMAGES LABELS
  local n
  n=$(stat -c %s "$3")
  printf "\\x$2$(printf '\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)))" >"fuzz/corpus/fuzz_idx/$1"
  cat "$3" "$4" >>"fuzz/corpus/fuzz_idx/$1"
}
bash scripts/synth_idx.sh "$tmp/small" 3 2 6
img=$tmp/small/train-images-idx3-ubyte lab=$tmp/small/train-labels-idx1-ubyte
idx plain 24 "$img" "$lab"          # 10 classes: (9 << 2) = 0x24
idx gzip-both 27 "$img" "$lab"
idx gzip-images 25 "$img" "$lab"
gzip -9nc "$img" >"$tmp/img.gz"
gzip -9nc "$lab" >"$tmp/lab.gz"
idx gzip-stream 24 "$tmp/img.gz" "$tmp/lab.gz"  # gzip in the input, read through zlib
head -c 30 "$tmp/img.gz" >"$tmp/img-cut.gz"
idx gzip-truncated 24 "$tmp/img-cut.gz" "$tmp/lab.gz"
{ head -c 16 "$img" | gzip -9n; tail -c +17 "$img" | gzip -9n; } >"$tmp/img-2.gz"
idx gzip-members 24 "$tmp/img-2.gz" "$tmp/lab.gz"  # two gzip members: read as one stream
{ cat "$tmp/img.gz"; printf 'GARBAGE'; } >"$tmp/img-garbage.gz"
idx gzip-garbage 24 "$tmp/img-garbage.gz" "$tmp/lab.gz"  # bytes after the gzip stream: refused
idx few-classes 08 "$img" "$lab"    # 3 classes: labels 0..2 only
head -c 40 "$img" >"$tmp/cut"
idx truncated 24 "$tmp/cut" "$lab"
cp "$img" "$tmp/trail"; printf 'xy' >>"$tmp/trail"
idx trailing 24 "$tmp/trail" "$lab"
cp "$img" "$tmp/magic"; patch "$tmp/magic" 3 01
idx bad-magic 24 "$tmp/magic" "$lab"
cp "$img" "$tmp/huge"; patch "$tmp/huge" 4 7fffffff
idx huge-count 24 "$tmp/huge" "$lab"
cp "$img" "$tmp/big"; patch "$tmp/big" 4 04000000; patch "$tmp/big" 8 00000010; patch "$tmp/big" 12 00000010
idx claims-16gib 24 "$tmp/big" "$lab"  # 2^26 images of 16 x 16 claimed, 108 bytes present
cp "$img" "$tmp/zero"; patch "$tmp/zero" 8 00000000
idx zero-rows 24 "$tmp/zero" "$lab"
cp "$lab" "$tmp/count"; patch "$tmp/count" 4 00000002
idx count-mismatch 24 "$img" "$tmp/count"
idx empty 24 /dev/null /dev/null

# ---- fuzz_checkpoint: byte 0 = flags (bit 0: fix the CRC), then the file. The network
# must be the harness's: NET_LAYERS / NET_DIGITAL on 8 x 8 images (fuzz/fuzz_checkpoint.c).
net=(--set data.dir="$data" --set 'model.layers=conv:2:3 tanh maxpool:2 linear:10' --set model.digital_layers=3)
"$xbar" train --quiet "${net[@]}" --set train.epochs=1 --out "$tmp/c1" >/dev/null
"$xbar" train --quiet "${net[@]}" --set train.epochs=2 --out "$tmp/c2" >/dev/null
"$xbar" train --quiet "${net[@]}" --set train.epochs=1 --set optimizer.kind=analog_sgd --out "$tmp/c3" >/dev/null
"$xbar" train --quiet --set data.dir="$data" --set 'model.layers=linear:10' --set train.epochs=1 --out "$tmp/c4" >/dev/null
ck=$tmp/c2/checkpoint.xbc
seed fuzz_checkpoint epoch1 00 "$tmp/c1/checkpoint.xbc"
seed fuzz_checkpoint epoch2 00 "$ck"
seed fuzz_checkpoint epoch2-crcfix 01 "$ck"
seed fuzz_checkpoint analog-sgd 00 "$tmp/c3/checkpoint.xbc"
seed fuzz_checkpoint other-network 00 "$tmp/c4/checkpoint.xbc"
size=$(stat -c %s "$ck")
# offsets of the format (src/cli/train/train_ckpt.h): version 8, file length 16, config hash 24,
# epochs 48, steps 56, history 64 (64 bytes per epoch: 2 here), then the device records,
# then the network's length and bytes ("XBNT"), then the CRC
dev=$((64 + 2 * 64)) net_at=$(grep -obUa XBNT "$ck" | head -1 | cut -d: -f1)
m() { cp "$ck" "$tmp/m"; patch "$tmp/m" "$1" "$2"; seed fuzz_checkpoint "$3" 01 "$tmp/m"; }
m 0 59 bad-magic
m 8 01000000 version-1
m 16 00010000 file-length
m 24 0102030405060708 config-hash
m 48 ffffffff epochs-huge
m 48 03000000 epochs-off
m 56 ffffffffffffffff steps
m $dev ffffff7f device-count-huge
m $((dev + 4)) 07000000 device-layer
m $((dev + 12)) ffffffffffffff00 device-n-huge
m $((dev + 28)) 0000c07f device-param-nan
m $((net_at - 8)) ffffffffffffff7f net-length-huge
m $((net_at + 4)) 02000000 net-version
m $((net_at + 8)) 05000000 net-layers
m $((net_at + 40)) 03000000 layer-kind
m $((size - 40)) ffff7f7f weights-huge
m $((size / 2)) a5a5a5a5 flipped
head -c $((size / 2)) "$ck" >"$tmp/half"
seed fuzz_checkpoint truncated 00 "$tmp/half"
seed fuzz_checkpoint truncated-crcfix 01 "$tmp/half"
head -c $((net_at + 100)) "$ck" >"$tmp/cut"; printf 'crc!' >>"$tmp/cut"
seed fuzz_checkpoint net-truncated 01 "$tmp/cut"
seed fuzz_checkpoint empty 00 /dev/null

for d in fuzz/corpus/*/; do echo "make_corpus: $(ls "$d" | wc -l) seeds in $d"; done
