#!/usr/bin/env node
// @digitlab-bench skip: runs the built CLI a dozen times (minutes on 2 cores): run it on its own, its header says how
/**
 * Fine-tuning the shipped pretrained fast-cnn on a folder of a few hundred images of another
 * handwriting style, through the real `digitlab` CLI, against the untouched model and the same net
 * trained from scratch on the same folder.
 *
 * The style: the UCI optical-recognition digits as PNG scans (see uci-digits-folder.mjs),
 * --per-class images of each digit in train/, all the others in test/; the CLI's folder reader
 * does its MNIST-style preprocessing (polarity, crop, 20×20 box, centring by mass).
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
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeUciDigitsFolder } from './uci-digits-folder.mjs';

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

const { work, trainCount, testCount, testFiles } = writeUciDigitsFolder({ ...(values['digits-csv'] ? { csvPath: values['digits-csv'] } : {}), perClass, seed, log });

function digitlab(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args, '--backend', 'wasm', '--threads', values.threads, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`digitlab ${args.slice(0, 6).join(' ')} ... exited ${result.status}:\n${result.stderr.slice(-4000)}`);
  return { output: JSON.parse(result.stdout), seconds };
}

// 3. The untouched pretrained model, through `digitlab predict` on every test file.
const require = createRequire(join(root, 'packages/trainer/package.json'));
const pretrainedDir = join(root, 'packages/pretrained/fast-cnn');
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
