/**
 * Models whose attributions are known in closed form, the real pretrained zoo models, and the
 * shared test backend and real-MNIST slices of the other packages' fixtures.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadPretrained, type LoadedModel } from '@digitlab/models/node';

export { useTestBackend } from './test-backend.js';
export { mnistSlice } from '../../../models/src/__fixtures__/mnist-slice.js';

/** `logits = flatten(x) · W + b` with seeded random W `[784, 10]`: its input gradient for class c is `W[:, c]`. */
export function linearModel(seed = 1): { model: tfl.LayersModel; weights: Float32Array } {
  const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.dense({ units: 10 })] });
  const kernel = tf.randomNormal([784, 10], 0, 1, 'float32', seed);
  const bias = tf.randomNormal([10], 0, 1, 'float32', seed + 1);
  model.layers[1]!.setWeights([kernel, bias]);
  const weights = Float32Array.from(kernel.dataSync());
  tf.dispose([kernel, bias]);
  return { model, weights };
}

/**
 * Two 3x3 ReLU filters, one answering horizontal strokes, one vertical; logit k is the global
 * mean of filter k's map. Class 0 depends only on where horizontal strokes are.
 */
export function strokeModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 1] });
  const conv = tfl.layers.conv2d({ name: 'strokes', filters: 2, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu' });
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv.apply(input)) as tfl.SymbolicTensor;
  const head = tfl.layers.dense({ name: 'head', units: 2, useBias: false });
  const model = tfl.model({ inputs: input, outputs: head.apply(pooled) as tfl.SymbolicTensor });
  // Each column of the horizontal filter (and each row of the vertical one) is (-1, 1, -1): every
  // partial sum is ≤ 0, so after the ReLU a stroke of the other direction answers exactly 0.
  const horizontal = [-1, -1, -1, 1, 1, 1, -1, -1, -1];
  const vertical = [-1, 1, -1, -1, 1, -1, -1, 1, -1];
  const kernel = tf.tensor4d(horizontal.flatMap((h, i) => [h, vertical[i]!]), [3, 3, 1, 2]);
  const identity = tf.eye(2);
  conv.setWeights([kernel]);
  head.setWeights([identity]);
  tf.dispose([kernel, identity]);
  return model;
}

/** An image with a horizontal stroke at rows 5, columns 3..12 and a vertical one at column 20, rows 14..24. */
export function twoStrokes(): { image: tf.Tensor4D; horizontal: (y: number, x: number) => boolean; vertical: (y: number, x: number) => boolean } {
  const pixels = new Float32Array(784);
  for (let x = 3; x <= 12; x++) pixels[5 * 28 + x] = 1;
  for (let y = 14; y <= 24; y++) pixels[y * 28 + 20] = 1;
  return {
    image: tf.tensor4d(pixels, [1, 28, 28, 1]),
    horizontal: (y, x) => y >= 3 && y <= 7 && x >= 1 && x <= 14,
    vertical: (y, x) => y >= 12 && y <= 26 && x >= 18 && x <= 22,
  };
}

const loaded = new Map<string, LoadedModel>();

/** A shipped pretrained model (loaded once per test file). */
export async function pretrained(name: 'fast-cnn' | 'bn-cnn'): Promise<LoadedModel> {
  let model = loaded.get(name);
  if (!model) {
    model = await loadPretrained(name);
    loaded.set(name, model);
  }
  return model;
}
