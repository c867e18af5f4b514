import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../../../test-support/each-backend.js';
import { mnistSlice } from './__fixtures__/mnist-slice.js';
import { keepFrozenBatchNormInInference } from './frozen-batch-norm.js';
import { createModel } from './zoo.js';

function movingStatistics(model: tfl.LayersModel): number[] {
  return model.weights.filter((weight) => /moving_(mean|variance)$/.test(weight.originalName)).flatMap((weight) => Array.from(weight.read().dataSync()));
}

describeEachBackend('keepFrozenBatchNormInInference', () => {
  it('runs frozen BN layers in inference mode under training: true, and trainable ones as before', () => {
    const { images } = mnistSlice(4, 200);
    const model = createModel('bn-cnn', { seed: 1 });
    const run = (training: boolean) => tf.tidy(() => Array.from((model.apply(images, { training }) as tf.Tensor).dataSync()));

    // Trainable: a training call normalises with batch statistics and moves the averages.
    const initial = movingStatistics(model);
    const trainingOutput = run(true);
    expect(movingStatistics(model)).not.toEqual(initial);

    // Frozen: the same call now matches inference and leaves the averages alone.
    for (const layer of model.layers) layer.trainable = false;
    const frozen = movingStatistics(model);
    const inference = run(false);
    // bn-cnn has dropout, which training: true still applies; compare with dropout layers set to rate 0.
    for (const layer of model.layers.filter((candidate) => candidate.getClassName() === 'Dropout')) (layer as unknown as { rate: number }).rate = 0;
    expect(run(true)).toEqual(inference);
    expect(movingStatistics(model)).toEqual(frozen);
    expect(trainingOutput).not.toEqual(inference);
    images.dispose();
    model.dispose();
  });

  it('is idempotent and leaves models without BN untouched', () => {
    const model = createModel('resnet-mini', { seed: 2 });
    const bn = model.getLayer('stem_bn');
    const call = bn.call;
    keepFrozenBatchNormInInference(model);
    expect(bn.call).toBe(call);
    const mlp = createModel('mlp', { seed: 1 });
    expect(keepFrozenBatchNormInInference(mlp)).toBe(mlp);
    model.dispose();
    mlp.dispose();
  });
});
