import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../../test-support/each-backend.js';
import { expectNoLeaks, fileFetch } from '../__fixtures__/backend.js';
import { mnistSlice } from '../__fixtures__/mnist-slice.js';
import { ModelFormatError, ModelOptionError, ModelsError, PretrainedNotFoundError } from '../errors.js';
import { loadModel, readMetadata } from './load-model.js';
import { loadPretrained, pretrainedPath } from './pretrained.js';
import { saveModel } from './save-model.js';
import { packageVersion } from '../version.js';
import { createModel } from '../zoo.js';

let root: string;
let images: tf.Tensor4D;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'digitlab-models-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function predict(model: tfl.LayersModel, count = 8): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.slice(images, 0, count)) as tf.Tensor).dataSync()));
}

/** Replaces every weight with seeded random values, BN statistics included, so a lost weight shows. */
function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const values = model.weights.map((weight, index) => tf.randomUniform(weight.shape as number[], 0.5, 1.5, 'float32', seed + index));
  model.setWeights(values);
  tf.dispose(values);
}

let counter = 0;
/** A new folder path per call: every suite runs once per backend in the same temp root. */
function freshDir(name: string): string {
  return join(root, `${name}-${++counter}`);
}

async function savedSeedCnn(): Promise<string> {
  const dir = freshDir('model');
  const model = createModel('seed-cnn', { seed: 1 });
  await saveModel(model, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
  model.dispose();
  return dir;
}

describeEachBackend('save and load', () => {
  beforeAll(() => {
    images = mnistSlice(8).images;
  });
  afterAll(() => images.dispose());

  describe('saveModel / loadModel', () => {
    it('round-trips a sequential model: identical predictions on real MNIST and complete metadata', async () => {
      const model = createModel('seed-cnn', { seed: 4 });
      const dir = freshDir('seed-cnn');
      const written = await expectNoLeaks(() => saveModel(model, dir, { architecture: 'seed-cnn', input: { normalization: 'mnist' }, metrics: { testAccuracy: 0.5 } }));
      expect((await readdir(dir)).sort()).toEqual(['digitlab.json', 'model.json', 'weights.bin']);
      await expectNoLeaks(async () => (await loadModel(dir)).model.dispose());
      const { model: loaded, metadata } = await loadModel(dir);
      expect(predict(loaded)).toEqual(predict(model));
      expect(metadata).toEqual(written);
      expect(metadata).toMatchObject({
        format: 'digitlab-model',
        formatVersion: 1,
        architecture: 'seed-cnn',
        labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        input: { shape: [28, 28, 1], normalization: 'mnist', mean: 0.1307, std: 0.3081 },
        outputs: 'logits',
        metrics: { testAccuracy: 0.5 },
        versions: { tfjs: tf.version_core, '@digitlab/models': packageVersion },
      });
      expect(await readMetadata(dir)).toEqual(written);
      model.dispose();
      loaded.dispose();
    });

    it('round-trips a functional ResNet with its batch-norm statistics', async () => {
      const model = createModel('resnet-mini', { seed: 2 });
      randomizeWeights(model, 10);
      const dir = freshDir('resnet-mini');
      await saveModel(model, dir, { architecture: 'resnet-mini', input: { normalization: 'unit' } });
      const { model: loaded, metadata } = await loadModel(dir);
      expect(metadata.input).toEqual({ shape: [28, 28, 1], normalization: 'unit' });
      expect(predict(loaded, 2)).toEqual(predict(model, 2));
      model.dispose();
      loaded.dispose();
    });

    it('writes files that stock tf.loadLayersModel reads through its own HTTP handler', async () => {
      const model = createModel('fast-cnn', { seed: 5 });
      const dir = freshDir('fast-cnn');
      await saveModel(model, dir, { architecture: 'fast-cnn', input: { normalization: 'mnist' } });
      const stock = await tfl.loadLayersModel(tf.io.http(join(dir, 'model.json'), { fetchFunc: fileFetch }));
      expect(predict(stock)).toEqual(predict(model));
      model.dispose();
      stock.dispose();
    });

    it('replaces an existing model folder only with a complete new one, leaving no temp folders', async () => {
      const dir = freshDir('replaced');
      const first = createModel('mlp', { seed: 1 });
      const second = createModel('mlp', { seed: 2 });
      await saveModel(first, dir, { architecture: 'mlp', input: { normalization: 'unit' } });
      await saveModel(second, dir, { architecture: 'mlp', input: { normalization: 'unit' } });
      const { model: loaded } = await loadModel(dir);
      expect(predict(loaded)).toEqual(predict(second));
      expect(predict(loaded)).not.toEqual(predict(first));
      expect((await readdir(root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
      for (const model of [first, second, loaded]) model.dispose();
    });

    it('creates a folder others can read (0755 and 0644 under umask 022, umask respected), not 0700', async () => {
      const previous = process.umask(0o022);
      try {
        const dir = freshDir('shared');
        const model = createModel('mlp', { seed: 1 });
        await saveModel(model, dir, { architecture: 'mlp', input: { normalization: 'unit' } });
        model.dispose();
        expect((await stat(dir)).mode & 0o777).toBe(0o755);
        for (const file of await readdir(dir)) expect((await stat(join(dir, file))).mode & 0o777, file).toBe(0o644);
        process.umask(0o077);
        const mine = freshDir('private');
        const other = createModel('mlp', { seed: 1 });
        await saveModel(other, mine, { architecture: 'mlp', input: { normalization: 'unit' } });
        other.dispose();
        expect((await stat(mine)).mode & 0o777).toBe(0o700);
      } finally {
        process.umask(previous);
      }
    });

    it('refuses to replace a folder that holds something other than a model', async () => {
      const dir = freshDir('not-a-model');
      await mkdir(dir);
      await writeFile(join(dir, 'notes.txt'), 'keep me');
      const model = createModel('mlp', { seed: 1 });
      await expect(saveModel(model, dir, { architecture: 'mlp', input: { normalization: 'unit' } })).rejects.toThrow(/refusing to replace .*not-a-model/);
      expect(await readdir(dir)).toEqual(['notes.txt']);
      model.dispose();
    });

    it('refuses to save non-finite weights and labels that do not match the outputs', async () => {
      const model = createModel('mlp', { seed: 1, numClasses: 3 });
      await expect(saveModel(model, join(root, 'labels'), { architecture: 'mlp', input: { normalization: 'unit' } })).rejects.toThrow(ModelOptionError);
      await expect(saveModel(model, join(root, 'labels'), { architecture: 'mlp', input: { normalization: 'unit' } })).rejects.toThrow(/3 outputs.*labels/);
      const badNormalization = { architecture: 'mlp', labels: ['a', 'b', 'c'], input: { normalization: 'zscore' as 'unit' } };
      await expect(saveModel(model, join(root, 'labels'), badNormalization)).rejects.toThrow(/saveModel: invalid metadata .*"input.normalization" must be "mnist" or "unit", got "zscore"/);
      await expect(saveModel(model, join(root, 'labels'), { architecture: 'mlp', labels: ['a', 'b'], input: { normalization: 'unit' } })).rejects.toThrow(
        /2 labels but the model has 3 outputs/,
      );
      const head = model.getLayer('head');
      const [kernel, bias] = head.getWeights();
      const nan = tf.fill(kernel!.shape, Number.NaN);
    head.setWeights([nan, bias!]);
    nan.dispose();
      await expect(saveModel(model, join(root, 'nan'), { architecture: 'mlp', labels: ['a', 'b', 'c'], input: { normalization: 'unit' } })).rejects.toThrow(
        /head\/kernel.*NaN.*diverged/,
      );
      model.dispose();
    });
  });

  describe('loadModel rejects unsafe or broken folders', () => {
    async function editModelJson(dir: string, edit: (json: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[] }) => void) {
      const file = join(dir, 'model.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      edit(json);
      await writeFile(file, JSON.stringify(json));
    }

    async function expectLoadError(dir: string, pattern: RegExp): Promise<void> {
      await expectNoLeaks(async () => {
        const error = await loadModel(dir).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(ModelFormatError);
        expect(ModelsError.isInstance(error)).toBe(true);
        expect((error as Record<symbol, unknown>)[Symbol.for('digitlab.error')]).toBe(true);
        expect((error as Error).message).toMatch(pattern);
      });
    }

    it('a missing or malformed digitlab.json', async () => {
      const dir = await savedSeedCnn();
      await writeFile(join(dir, 'digitlab.json'), '{ "format": "digitlab-model", ');
      await expectLoadError(dir, /digitlab\.json is not valid JSON/);
      await writeFile(join(dir, 'digitlab.json'), JSON.stringify({ format: 'digitlab-model', formatVersion: 2 }));
      await expectLoadError(dir, /digitlab\.json.*"formatVersion" 2 is not supported/);
      await rm(join(dir, 'digitlab.json'));
      await expectLoadError(dir, /digitlab\.json is missing/);
    });

    it('a missing or malformed model.json', async () => {
      const dir = await savedSeedCnn();
      await writeFile(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: {}, weightsManifest: [] }));
      await expectLoadError(dir, /model\.json is not a tfjs layers model: "format" is "graph-model"/);
      await writeFile(join(dir, 'model.json'), 'not json');
      await expectLoadError(dir, /model\.json is not valid JSON/);
      await rm(join(dir, 'model.json'));
      await expectLoadError(dir, /model\.json is missing/);
    });

    it('weight paths that leave the folder: "..", absolute, URL', async () => {
      const dir = await savedSeedCnn();
      await copyFile(join(dir, 'weights.bin'), join(root, 'outside.bin'));
      await editModelJson(dir, (json) => (json.weightsManifest[0]!.paths = ['../outside.bin']));
      await expectLoadError(dir, /model\.json lists weight file "\.\.\/outside\.bin", which leaves the model folder/);
      await editModelJson(dir, (json) => (json.weightsManifest[0]!.paths = [join(root, 'outside.bin')]));
      await expectLoadError(dir, /which is an absolute path/);
      await editModelJson(dir, (json) => (json.weightsManifest[0]!.paths = ['file:///etc/passwd']));
      await expectLoadError(dir, /which is a URL/);
    });

    it('a weights file that is a symlink out of the folder', async () => {
      const dir = await savedSeedCnn();
      await copyFile(join(dir, 'weights.bin'), join(root, 'linked.bin'));
      await rm(join(dir, 'weights.bin'));
      await symlink(join(root, 'linked.bin'), join(dir, 'weights.bin'));
      await expectLoadError(dir, /"weights\.bin", which resolves \(through a symlink\) to .*linked\.bin, outside the model folder/);
    });

    it('a weights file of the wrong byte length, or missing', async () => {
      const dir = await savedSeedCnn();
      await truncate(join(dir, 'weights.bin'), 900_000);
      await expectLoadError(dir, /weights\.bin holds 900000 bytes but .*model\.json describes 900136 bytes/);
      await rm(join(dir, 'weights.bin'));
      await expectLoadError(dir, /weights\.bin \(listed in .*model\.json\) is missing/);
    });

    it('weight shapes that do not match the topology', async () => {
      const dir = await savedSeedCnn();
      // Same element count, so the byte length still matches: only the shape check can catch it.
      await editModelJson(dir, (json) => (json.weightsManifest[0]!.weights[0]!.shape = [9, 1, 1, 32]));
      await expectLoadError(dir, /weight "conv1\/kernel" has shape \[9,1,1,32\] .* topology needs \[3,3,1,32\]/);
    });

    it('NaN or infinite weights', async () => {
      const dir = await savedSeedCnn();
      const bytes = await readFile(join(dir, 'weights.bin'));
      new DataView(bytes.buffer, bytes.byteOffset).setFloat32(4 * 5, Number.POSITIVE_INFINITY, true);
      await writeFile(join(dir, 'weights.bin'), bytes);
      await expectLoadError(dir, /weight "conv1\/kernel" in .*weights\.bin holds Infinity at index 5/);
    });
  });

  describe('pretrained weights', () => {
    it('live in the @digitlab/pretrained package, one folder per model', () => {
      const packageRoot = join(createRequire(import.meta.url).resolve('@digitlab/pretrained/package.json'), '..');
      expect(pretrainedPath('seed-cnn')).toBe(join(packageRoot, 'seed-cnn') + '/');
      expect(() => pretrainedPath('lenet')).toThrow(ModelOptionError);
    });

    it('say clearly when they are not shipped yet', async () => {
      await expect(loadPretrained('resnet18')).rejects.toThrow(PretrainedNotFoundError);
      await expect(loadPretrained('resnet18')).rejects.toThrow(/not shipped yet .*digitlab train --model resnet18/);
    });
  });
});

it('records the same version as package.json', async () => {
  const packageJson = JSON.parse(await readFile(createRequire(import.meta.url).resolve('../../package.json'), 'utf8')) as { version: string };
  expect(packageVersion).toBe(packageJson.version);
});
