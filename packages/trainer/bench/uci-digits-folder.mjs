/**
 * The held-out handwriting style the fine-tuning benches use: the UCI optical-recognition digits
 * (1,797 images, 8×8, 16 grey levels, 43 writers who are not MNIST's; CC BY 4.0) as shipped by
 * Debian's python3-sklearn (`sklearn/datasets/data/digits.csv.gz`, BSD-3). Each image is upscaled
 * bilinearly to 32×32, given a 4-pixel margin and written as dark ink on white paper (a scan) to
 * `train/<digit>/*.png` (`perClass` images of each digit, seeded) and `test/<digit>/*.png` (all the
 * others), so the CLI's folder reader does its MNIST-style preprocessing on them.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync, gunzipSync } from 'node:zlib';

/**
 * Writes the train/test folders under `work` (created; default a fresh temp folder).
 * @returns {{ work: string, trainCount: number, testCount: number, testFiles: { file: string, digit: string }[] }}
 */
export function writeUciDigitsFolder({ csvPath = findDigitsCsv(), perClass, seed, work = mkdtempSync(join(tmpdir(), 'digitlab-uci-digits-')), log = () => {} }) {
  // 1. The UCI digits: 64 grey levels 0..16 then the label, one image per line.
  const rows = gunzipMaybe(readFileSync(csvPath))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line, index) => {
      const numbers = line.split(',').map(Number);
      if (numbers.length !== 65 || numbers.some((n) => !Number.isInteger(n))) throw new Error(`${csvPath} line ${index + 1}: expected 64 pixels and a label, got ${numbers.length} fields`);
      return { pixels: numbers.slice(0, 64), label: numbers[64] };
    });
  log(`read ${rows.length} UCI digits from ${csvPath}`);

  // 2. A seeded split: --per-class images of each digit to train/, the rest to test/.
  const random = mulberry32(seed + 1);
  const byClass = Array.from({ length: 10 }, () => []);
  rows.forEach((row, index) => byClass[row.label].push(index));
  let trainCount = 0;
  let testCount = 0;
  const testFiles = [];
  for (const [digit, indices] of byClass.entries()) {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [indices[i], indices[j]] = [indices[j], indices[i]];
    }
    if (indices.length <= perClass) throw new Error(`digit ${digit} has only ${indices.length} images; --per-class must be below that`);
    for (const [position, index] of indices.entries()) {
      const split = position < perClass ? 'train' : 'test';
      const folder = join(work, split, String(digit));
      mkdirSync(folder, { recursive: true });
      const file = join(folder, `uci-${index}.png`);
      writeFileSync(file, encodeGreyPng(toScan(rows[index].pixels), 40, 40));
      if (split === 'train') trainCount++;
      else {
        testCount++;
        testFiles.push({ file, digit: String(digit) });
      }
    }
  }
  log(`wrote ${trainCount} training and ${testCount} test PNGs under ${work}`);
  return { work, trainCount, testCount, testFiles };
}

export function findDigitsCsv() {
  const candidates = ['/usr/lib/python3/dist-packages', '/usr/local/lib/python3/dist-packages'].map((base) => join(base, 'sklearn/datasets/data/digits.csv.gz'));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`No digits.csv.gz found (looked in ${candidates.join(', ')}). Install Debian's python3-sklearn (apt-get install -y python3-sklearn) or pass --digits-csv PATH.`);
  return found;
}
function gunzipMaybe(buffer) {
  return buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer;
}

/** 8×8 levels 0..16 → 32×32 bilinear (pixel centres aligned) in a 40×40 white page, ink dark. */
function toScan(levels) {
  const size = 40;
  const margin = 4;
  const out = new Uint8Array(size * size).fill(255);
  const at = (y, x) => levels[Math.min(7, Math.max(0, y)) * 8 + Math.min(7, Math.max(0, x))] / 16;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const sy = (y + 0.5) / 4 - 0.5;
      const sx = (x + 0.5) / 4 - 0.5;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      const ink = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      out[(y + margin) * size + x + margin] = Math.round(255 * (1 - Math.min(1, ink)));
    }
  }
  return out;
}

/** A minimal 8-bit greyscale PNG: signature, IHDR, one zlib IDAT (filter 0 per row), IEND. */
function encodeGreyPng(pixels, width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, adaptive filtering, no interlace
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function mulberry32(state) {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

