import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormDefaults, count, validSize, type Architecture } from './architecture.js';
import { SeededInitializers } from './seeded-initializers.js';

/**
 * fast-cnn with batch normalisation after each pooled convolution (convolutions without bias; BN's
 * beta replaces it): conv5x5(24)-maxpool2-BN-relu → conv5x5(32)-maxpool2-BN-relu → dense256-relu →
 * logits. BN lets the one-cycle schedule peak at lr 0.02, which buys the last tenths of a percent in
 * a single epoch (measured: 98.91-99.16% after one epoch vs fast-cnn's 98.68-98.74%). BN after the
 * pooling instead of before it normalises a quarter of the values: 56-67 s for the epoch on 2 cores
 * instead of 73-81 s, at the same accuracy.
 */
export const fastBnCnn: Architecture = {
  name: 'fast-bn-cnn',
  description: 'fast-cnn with batch norm after each pooled convolution: ~99.0% in one epoch at lr 0.02',
  build({ seed, numClasses, inputShape }) {
    const init = new SeededInitializers(seed);
    return tfl.sequential({
      name: 'fast-bn-cnn',
      layers: [
        tfl.layers.conv2d({ name: 'conv1', inputShape, filters: 24, kernelSize: 5, useBias: false, kernelInitializer: init.he() }),
        tfl.layers.maxPooling2d({ name: 'conv1_pool', poolSize: 2 }),
        tfl.layers.batchNormalization({ name: 'conv1_bn', ...batchNormDefaults }),
        tfl.layers.reLU({ name: 'conv1_relu' }),
        tfl.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 5, useBias: false, kernelInitializer: init.he() }),
        tfl.layers.maxPooling2d({ name: 'conv2_pool', poolSize: 2 }),
        tfl.layers.batchNormalization({ name: 'conv2_bn', ...batchNormDefaults }),
        tfl.layers.reLU({ name: 'conv2_relu' }),
        tfl.layers.flatten({ name: 'flatten' }),
        tfl.layers.dense({ name: 'fc1', units: 256, activation: 'relu', kernelInitializer: init.he() }),
        tfl.layers.dense({ name: 'head', units: numClasses, kernelInitializer: init.glorot() }),
      ],
    });
  },
  parameters({ numClasses, inputShape: [height, width, channels] }) {
    const h = validSize(validSize(validSize(validSize(height, 5), 2, 2), 5), 2, 2);
    const w = validSize(validSize(validSize(validSize(width, 5), 2, 2), 5), 2, 2);
    return (
      count.conv(5, channels, 24, false) + count.batchNorm(24) + count.conv(5, 24, 32, false) + count.batchNorm(32) + count.dense(h * w * 32, 256) + count.dense(256, numClasses)
    );
  },
};
