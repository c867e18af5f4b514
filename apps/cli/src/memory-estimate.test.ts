import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createModel } from '@digitlab/models/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.js';
import { assertBatchFits, trainingStepBytes } from './memory-estimate.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the training-step memory estimate', () => {
  it('counts every layer output once, the largest three times (kept + two gradients), and 4 floats per parameter', () => {
    // 784 → 100 → 10: the input layer's 784 values and the outputs 100 + 10 per image, the largest 784; 78,500 + 1,010 parameters.
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [784] }), tfl.layers.dense({ units: 100 }), tfl.layers.dense({ units: 10 })] });
    expect(trainingStepBytes(model, 32)).toBe(32 * (784 + 100 + 10 + 2 * 784) * 4 + (78_500 + 1_010) * 16);
    model.dispose();
  });

  it('refuses a batch the wasm heap cannot hold, naming --batch-size and a size that fits', () => {
    const model = createModel('fast-bn-cnn', { seed: 0 });
    expect(() => assertBatchFits(model, 128, 'wasm')).not.toThrow();
    let error: unknown;
    try {
      assertBatchFits(model, 30_000, 'wasm');
    } catch (caught) {
      error = caught;
    }
    expect(UsageError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^--batch-size 30000 needs about [\d.]+ GiB for one training step, more than the 2\.0 GiB the wasm backend can address\. Pick --batch-size (\d+) or less\.$/);
    const suggested = Number(/Pick --batch-size (\d+)/.exec(message)![1]);
    expect(() => assertBatchFits(model, suggested, 'wasm')).not.toThrow();
    expect(() => assertBatchFits(model, suggested + 1, 'wasm')).toThrow(/--batch-size/);
    model.dispose();
  });
});
