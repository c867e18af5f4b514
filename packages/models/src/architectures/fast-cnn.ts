import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormDefaults, count, validSize, type Architecture } from './architecture.js';
import { SeededInitializers } from './seeded-initializers.js';

/**
 * The fast CNN of the time-to-accuracy benchmark (`FastCnn` in bench/pytorch_reference.py), with or
 * without batch normalisation:
 *
 * - `fast-cnn`: conv5x5(24, valid)-maxpool2-relu → conv5x5(32, valid)-maxpool2-relu → flatten →
 *   dense256-relu → dense(numClasses) logits. Pooling before ReLU halves the ReLU work and gives the
 *   same result.
 * - `fast-bn-cnn`: the same with BN after each pooled convolution (the convolutions lose their bias;
 *   BN's beta replaces it). BN lets the one-cycle schedule peak at lr 0.02, which buys the last
 *   tenths of a percent in a single epoch. BN after the pooling rather than before it normalises a
 *   quarter of the values: a shorter epoch at the same accuracy. Both are measured in
 *   docs/results.md ("Training to accuracy").
 */
function fastCnnFamily(name: 'fast-cnn' | 'fast-bn-cnn', description: string, batchNorm: boolean): Architecture {
  return {
    name,
    description,
    build({ seed, numClasses, inputShape }) {
      const init = new SeededInitializers(seed);
      const convBlock = (layerName: string, filters: number, first: boolean): tfl.layers.Layer[] => [
        tfl.layers.conv2d({ name: layerName, ...(first ? { inputShape } : {}), filters, kernelSize: 5, useBias: !batchNorm, kernelInitializer: init.he() }),
        tfl.layers.maxPooling2d({ name: `${layerName}_pool`, poolSize: 2 }),
        ...(batchNorm ? [tfl.layers.batchNormalization({ name: `${layerName}_bn`, ...batchNormDefaults })] : []),
        tfl.layers.reLU({ name: `${layerName}_relu` }),
      ];
      return tfl.sequential({
        name,
        layers: [
          ...convBlock('conv1', 24, true),
          ...convBlock('conv2', 32, false),
          tfl.layers.flatten({ name: 'flatten' }),
          tfl.layers.dense({ name: 'fc1', units: 256, activation: 'relu', kernelInitializer: init.he() }),
          tfl.layers.dense({ name: 'head', units: numClasses, kernelInitializer: init.glorot() }),
        ],
      });
    },
    parameters({ numClasses, inputShape: [height, width, channels] }) {
      const h = validSize(validSize(validSize(validSize(height, 5), 2, 2), 5), 2, 2);
      const w = validSize(validSize(validSize(validSize(width, 5), 2, 2), 5), 2, 2);
      const convs = count.conv(5, channels, 24, !batchNorm) + count.conv(5, 24, 32, !batchNorm) + (batchNorm ? count.batchNorm(24) + count.batchNorm(32) : 0);
      return convs + count.dense(h * w * 32, 256) + count.dense(256, numClasses);
    },
  };
}

export const fastCnn = fastCnnFamily('fast-cnn', 'conv5x5(24)-pool-relu → conv5x5(32)-pool-relu → dense256-relu → logits; 99% in three epochs', false);

export const fastBnCnn = fastCnnFamily('fast-bn-cnn', 'fast-cnn with batch norm after each pooled convolution: 99.28% in two epochs at lr 0.02 (the default)', true);
