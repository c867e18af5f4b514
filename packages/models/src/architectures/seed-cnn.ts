import * as tfl from '@tensorflow/tfjs-layers';
import { count, validSize, type Architecture } from './architecture.js';
import { SeededInitializers } from './seeded-initializers.js';

/**
 * The seed CNN, arithmetic identical to `SeedCnn` in bench/pytorch_reference.py:
 * conv3x3(32, valid)-relu-maxpool2 → conv3x3(64, valid)-relu-maxpool2 → flatten → dense128-relu →
 * dropout 0.25 → dense(numClasses) logits.
 */
export const seedCnn: Architecture = {
  name: 'seed-cnn',
  description: 'conv3x3(32)-relu-pool → conv3x3(64)-relu-pool → dense128-relu → dropout 0.25 → logits; the benchmark net',
  build({ seed, numClasses, inputShape }) {
    const init = new SeededInitializers(seed);
    return tfl.sequential({
      name: 'seed-cnn',
      layers: [
        tfl.layers.conv2d({ name: 'conv1', inputShape, filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init.he() }),
        tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
        tfl.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init.he() }),
        tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
        tfl.layers.flatten({ name: 'flatten' }),
        tfl.layers.dense({ name: 'fc1', units: 128, activation: 'relu', kernelInitializer: init.he() }),
        tfl.layers.dropout({ name: 'fc1_dropout', rate: 0.25 }),
        tfl.layers.dense({ name: 'head', units: numClasses, kernelInitializer: init.glorot() }),
      ],
    });
  },
  parameters({ numClasses, inputShape: [height, width, channels] }) {
    const h = validSize(validSize(validSize(validSize(height, 3), 2, 2), 3), 2, 2);
    const w = validSize(validSize(validSize(validSize(width, 3), 2, 2), 3), 2, 2);
    return count.conv(3, channels, 32) + count.conv(3, 32, 64) + count.dense(h * w * 64, 128) + count.dense(128, numClasses);
  },
};
