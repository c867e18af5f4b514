#!/usr/bin/env node
// @digitlab-bench skip: runs the built CLI a dozen times (minutes on 2 cores): run it on its own, its header says how
/**
 * Fine-tuning the shipped pretrained fast-cnn on a folder of a few hundred images of another
 * handwriting style, through the real `digitlab` CLI, against the untouched model and the same net
 * trained from scratch on the same folder.
 *
 * The style: the UCI optical-recognition digits (1,797 images, 8×8, 16 grey levels, written by 43
 * people who are not MNIST's writers) as shipped by Debian's python3-sklearn
 * (`sklearn/datasets/data/digits.csv.gz`). Each image is upscaled bilinearly to 32×32, given a
 * 4-pixel margin and written as dark ink on white paper (a scan) to `train/<digit>/*.png`
 * (--per-class images of each digit, seeded) and `test/<digit>/*.png` (all the others); the CLI's
 * folder reader then does its MNIST-style preprocessing (polarity, crop, 20×20 box, centring by mass).
 *
 *   apt-get install -y python3-sklearn   # or pass --digits-csv PATH
 *   npx -y pnpm@10.34.8 build && node packages/trainer/bench/finetune-folder.mjs \
 *     [--per-class 30] [--epochs 30] [--batch-size 32] [--strategies full,lora,...] [--seed 0] [--keep]
 *
 * A strategy entry may override its settings after colons, e.g. `lora:rank=8:lr=0.01:epochs=40`
 * (keys: epochs, lr, rank, alpha, bottleneck, freeze (with '+': conv1+conv2)). `scratch` is the
 * from-scratch baseline: a freshly initialised fast-cnn (same seed scheme as `digitlab train`)
 * saved as a model folder and fine-tuned with --strategy full. The CLI holds out
 * --validation-fraction of the training folder to pick the best epoch; accuracy is on test/.
 * Prints a markdown table on stdout, the JSON of every row on stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32, deflateSync, gunzipSync } from 'node:zlib';

const { values } = parseArgs({
  options: {
    'digits-csv': { type: 'string' },
    'per-class': { type: 'string', default: '30' },
    epochs: { type: 'string', default: '30' },
    'batch-size': { type: 'string', default: '32' },
    'validation-fraction': { type: 'string', default: '0.2' },
    strategies: { type: 'string', default: 'scratch,linear-probe,freeze,adapter,lora,discriminative,full' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
    /** Keep the temp folder (images and saved models) and print its path. */
    keep: { type: 'boolean', default: false },
  },
});
const perClass = Number(values['per-class']);
const seed = Number(values.seed);
const log = (message) => process.stderr.write(`${message}\n`);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'apps/cli/dist/bin.js');
if (!existsSync(cli)) throw new Error(`The CLI is not built (${cli} is missing). Run: npx -y pnpm@10.34.8 build`);
log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);

// 1. The UCI digits: 64 grey levels 0..16 then the label, one image per line.
const csvPath = values['digits-csv'] ?? findDigitsCsv();
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

function findDigitsCsv() {
  const candidates = ['/usr/lib/python3/dist-packages', '/usr/local/lib/python3/dist-packages'].map((base) => join(base, 'sklearn/datasets/data/digits.csv.gz'));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`No digits.csv.gz found (looked in ${candidates.join(', ')}). Install Debian's python3-sklearn (apt-get install -y python3-sklearn) or pass --digits-csv PATH.`);
  return found;
}
function gunzipMaybe(buffer) {
  return buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer;
}

// 2. A seeded split: --per-class images of each digit to train/, the rest to test/.
const work = mkdtempSync(join(tmpdir(), 'digitlab-finetune-folder-'));
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

function digitlab(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args, '--backend', 'wasm', '--threads', values.threads, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`digitlab ${args.slice(0, 6).join(' ')} ... exited ${result.status}:\n${result.stderr.slice(-4000)}`);
  return { output: JSON.parse(result.stdout), seconds };
}

// 3. The untouched pretrained model, through `digitlab predict` on every test file.
const require = createRequire(join(root, 'packages/trainer/package.json'));
const pretrainedDir = join(dirname(require.resolve('@digitlab/models/package.json')), 'pretrained/fast-cnn');
const predicted = digitlab(['predict', '--model', pretrainedDir, ...testFiles.map(({ file }) => file)]).output.predictions;
const untouched = predicted.filter((answer, index) => answer.digit === testFiles[index].digit).length / testFiles.length;
log(`untouched pretrained fast-cnn on the ${testFiles.length} test images: ${(100 * untouched).toFixed(2)}%`);

// 4. The from-scratch base: a freshly initialised fast-cnn saved as a model folder, so the same CLI path trains it.
const { createModel, saveModel } = await import(require.resolve('@digitlab/models/node'));
const { createWasmPlugin } = await import(require.resolve('@digitlab/backend-wasm'));
await createWasmPlugin().load({ threads: 1 });
const pretrainedMetadata = JSON.parse(readFileSync(join(pretrainedDir, 'digitlab.json'), 'utf8'));
const scratchDir = join(work, 'scratch-init');
{
  const model = createModel('fast-cnn', { seed: seed + 100 });
  await saveModel(model, scratchDir, { architecture: 'fast-cnn', labels: pretrainedMetadata.labels, input: pretrainedMetadata.input });
  model.dispose();
}

// 5. Each strategy through `digitlab finetune`.
const defaults = {
  scratch: { strategy: 'full', lr: 0.003 },
  full: { strategy: 'full', lr: 0.001 },
  'linear-probe': { strategy: 'linear-probe', lr: 0.01 },
  freeze: { strategy: 'freeze', lr: 0.001, freeze: 'conv1+conv2' },
  discriminative: { strategy: 'discriminative', lr: 0.001 },
  'gradual-unfreeze': { strategy: 'gradual-unfreeze', lr: 0.001 },
  lora: { strategy: 'lora', lr: 0.01, rank: 4 },
  adapter: { strategy: 'adapter', lr: 0.01, bottleneck: 16 },
};
const results = [];
for (const entry of values.strategies.split(',')) {
  const [name, ...overrides] = entry.split(':');
  if (!defaults[name]) throw new Error(`unknown strategy "${name}". Should be one of: ${Object.keys(defaults).join(', ')}`);
  const settings = { ...defaults[name], epochs: values.epochs };
  for (const pair of overrides) {
    const [key, value] = pair.split('=');
    if (!['epochs', 'lr', 'rank', 'alpha', 'bottleneck', 'freeze'].includes(key) || value === undefined) {
      throw new Error(`bad override "${pair}" in "${entry}". Use key=value with key one of: epochs, lr, rank, alpha, bottleneck, freeze`);
    }
    settings[key] = value;
  }
  const args = [
    'finetune',
    '--from', name === 'scratch' ? scratchDir : 'pretrained:fast-cnn',
    '--data', `folder:${join(work, 'train')}`,
    '--test', `folder:${join(work, 'test')}`,
    '--strategy', settings.strategy,
    '--epochs', String(settings.epochs),
    '--lr', String(settings.lr),
    '--batch-size', values['batch-size'],
    '--validation-fraction', values['validation-fraction'],
    '--seed', String(seed),
    '--out', join(work, 'runs', entry.replace(/[^a-z0-9=.-]+/gi, '_')),
    ...(settings.freeze ? ['--freeze', settings.freeze.replaceAll('+', ',')] : []),
    ...(settings.rank ? ['--rank', String(settings.rank)] : []),
    ...(settings.alpha ? ['--alpha', String(settings.alpha)] : []),
    ...(settings.bottleneck ? ['--bottleneck', String(settings.bottleneck)] : []),
  ];
  const { output, seconds } = digitlab(args);
  const row = {
    entry,
    from: name === 'scratch' ? 'scratch' : 'pretrained',
    trainable: output.parameters.trainable,
    trainablePercent: 100 * output.parameters.fraction,
    epochs: Number(settings.epochs),
    lr: Number(settings.lr),
    train: output.data.train,
    validation: output.validation.accuracy,
    test: output.test.accuracy,
    bestEpoch: output.best?.epoch,
    trainSeconds: output.trainSeconds,
    wallSeconds: seconds,
  };
  results.push(row);
  log(JSON.stringify(row));
}
if (values.keep) log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });

const pct = (value) => `${(100 * value).toFixed(2)}%`;
process.stdout.write(
  `\nFolder of another handwriting style: UCI optical digits (43 writers, 8×8 upscaled to 32×32 PNG scans), ${trainCount} training images (${perClass} per class; the CLI holds out ${values['validation-fraction']} for validation), ${testCount} test images.\n` +
    `digitlab CLI, wasm 1 thread, Adam + cosine, batch ${values['batch-size']}, seed ${seed}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}.\n\n` +
    `| model | trainable % | epochs | lr | test acc. | training s |\n|---|---|---|---|---|---|\n` +
    `| untouched pretrained fast-cnn (digitlab predict) | 0% | 0 | – | ${pct(untouched)} | 0 |\n` +
    results.map((row) => `| ${row.from === 'scratch' ? 'from scratch (fast-cnn, full)' : `pretrained + ${row.entry}`} | ${row.trainablePercent.toFixed(2)}% | ${row.epochs} | ${row.lr} | ${pct(row.test)} | ${row.trainSeconds.toFixed(1)} |`).join('\n') +
    '\n',
);
