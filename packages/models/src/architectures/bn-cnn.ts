import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormDefaults, count, sameSize, validSize, type Architecture } from './architecture.js';
import { SeededInitializers } from './seeded-initializers.js';

/**
 * A batch-norm + dropout CNN after Chris Deotte's Kaggle MNIST net (99.65% mean, 99.77% max with
 * augmentation). Each block is conv3-BN-relu, conv3-BN-relu, conv5 stride 2 'same'-BN-relu
 * (a learned downsampling in place of max-pooling), dropout 0.4; then dense128-BN-relu,
 * dropout 0.4, dense(numClasses) logits. Convolutions before BN have no bias (BN's beta replaces it).
 */
export const bnCnn: Architecture = {
  name: 'bn-cnn',
  description: 'Deotte-style CNN: 2 blocks of [conv3-BN-relu x2, conv5/2-BN-relu, dropout 0.4] (32, 64) → dense128-BN-relu → logits; the accuracy model',
  build({ seed, numClasses, inputShape }) {
    const init = new SeededInitializers(seed);
    const layers: tfl.layers.Layer[] = [];
    const convBnRelu = (name: string, filters: number, kernelSize: number, strides: number, padding: 'valid' | 'same') => {
      layers.push(
        tfl.layers.conv2d({
          name,
          ...(layers.length === 0 ? { inputShape } : {}),
          filters,
          kernelSize,
          strides,
          padding,
          useBias: false,
          kernelInitializer: init.he(),
        }),
        tfl.layers.batchNormalization({ name: `${name}_bn`, ...batchNormDefaults }),
        tfl.layers.reLU({ name: `${name}_relu` }),
      );
    };
    for (const [block, filters] of [[1, 32], [2, 64]] as const) {
      convBnRelu(`block${block}_conv1`, filters, 3, 1, 'valid');
      convBnRelu(`block${block}_conv2`, filters, 3, 1, 'valid');
      convBnRelu(`block${block}_conv3`, filters, 5, 2, 'same');
      layers.push(tfl.layers.dropout({ name: `block${block}_dropout`, rate: 0.4 }));
    }
    layers.push(
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ name: 'fc1', units: 128, useBias: false, kernelInitializer: init.he() }),
      tfl.layers.batchNormalization({ name: 'fc1_bn', ...batchNormDefaults }),
      tfl.layers.reLU({ name: 'fc1_relu' }),
      tfl.layers.dropout({ name: 'fc1_dropout', rate: 0.4 }),
      tfl.layers.dense({ name: 'head', units: numClasses, kernelInitializer: init.glorot() }),
    );
    return tfl.sequential({ name: 'bn-cnn', layers });
  },
  parameters({ numClasses, inputShape: [height, width, channels] }) {
    const side = (size: number) => sameSize(validSize(validSize(sameSize(validSize(validSize(size, 3), 3), 2), 3), 3), 2);
    let total = 0;
    let inChannels = channels;
    for (const filters of [32, 64]) {
      total += count.conv(3, inChannels, filters, false) + count.conv(3, filters, filters, false) + count.conv(5, filters, filters, false);
      total += 3 * count.batchNorm(filters);
      inChannels = filters;
    }
    return total + side(height) * side(width) * 64 * 128 + count.batchNorm(128) + count.dense(128, numClasses);
  },
};
