import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { mnistSlice } from './__fixtures__/mnist-slice.js';
import { ModelFormatError, ModelOptionError } from './errors.js';
import { loadModelFrom, saveModelTo } from './model-io.js';
import { loadModel } from './node/load-model.js';
import { saveModel } from './node/save-model.js';
import { pretrainedModelUrl } from './pretrained-url.js';
import { createModel } from './zoo.js';

const pretrainedFolder = fileURLToPath(new URL('../pretrained/', import.meta.url));
let root: string;
let server: StaticServer;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'digitlab-model-io-'));
  server = await startStaticServer({ mounts: { '/pretrained/': pretrainedFolder, '/saved/': root } });
});
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

function predict(model: tfl.LayersModel, images: tf.Tensor4D): number[] {
  return tf.tidy(() => Array.from((model.predict(images) as tf.Tensor).dataSync()));
}

describe('loadModelFrom a URL (tfjs http handler + digitlab.json beside model.json)', () => {
  it('loads the shipped bn-cnn by URL to the same predictions as loadModel of its folder', async () => {
    const { images } = mnistSlice(16);
    const byUrl = await loadModelFrom(pretrainedModelUrl('bn-cnn', `${server.origin}/pretrained/`));
    const byFolder = await loadModel(join(pretrainedFolder, 'bn-cnn'));
    expect(byUrl.metadata).toEqual(byFolder.metadata);
    expect(predict(byUrl.model, images)).toEqual(predict(byFolder.model, images));
    expect(server.requests).toEqual(expect.arrayContaining(['/pretrained/bn-cnn/model.json', '/pretrained/bn-cnn/weights.bin', '/pretrained/bn-cnn/digitlab.json']));
    byUrl.model.dispose();
    byFolder.model.dispose();
    images.dispose();
  });

  it('loads a folder saved by saveModel, and names what is missing', async () => {
    const model = createModel('seed-cnn', { seed: 3 });
    await saveModel(model, join(root, 'seed'), { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
    const loaded = await loadModelFrom(`${server.origin}/saved/seed/model.json`);
    const { images } = mnistSlice(4);
    expect(predict(loaded.model, images)).toEqual(predict(model, images));
    expect(loaded.metadata.architecture).toBe('seed-cnn');
    images.dispose();
    model.dispose();
    loaded.model.dispose();
    await expect(loadModelFrom(`${server.origin}/saved/none/model.json`)).rejects.toThrow(ModelFormatError);
    await expect(loadModelFrom('pretrained/bn-cnn/model.json')).rejects.toThrow(/relative URL.*absolute URL/);
    expect(() => pretrainedModelUrl('lenet')).toThrow(ModelOptionError);
  });

  it('refuses a destination nothing saves to, before writing anything', async () => {
    const model = createModel('mlp', { seed: 1 });
    await expect(saveModelTo(model, 'ftp://x/model', { architecture: 'mlp', input: { normalization: 'mnist' } })).rejects.toThrow(/nothing here saves to "ftp:\/\/x\/model"/);
    model.dispose();
  });
});
