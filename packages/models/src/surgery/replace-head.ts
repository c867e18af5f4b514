import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { rebuildModel } from './rebuild-model.js';

/**
 * Returns a new model whose `head` layer is a fresh Dense of `numClasses` logits (linear, seeded
 * Glorot-uniform kernel, zero bias, trainable); the backbone's weights and trainable flags are kept.
 * The head is the layer named `head`, as in every zoo model.
 * @throws ModelOptionError when numClasses is not a positive integer or no layer is named `head`
 */
export function replaceHead(model: tfl.LayersModel, numClasses: number, options: { seed?: number } = {}): tfl.LayersModel {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ModelOptionError(`numClasses must be a positive integer, got ${JSON.stringify(numClasses)}`);
  const names = model.layers.map((layer) => layer.name);
  if (!names.includes('head')) {
    throw new ModelOptionError(`replaceHead needs the classifier layer to be named "head" (as in every zoo model); this model's layers are: ${names.join(', ')}`);
  }
  const head = {
    className: 'Dense',
    config: {
      name: 'head',
      trainable: true,
      units: numClasses,
      activation: 'linear',
      useBias: true,
      kernelInitializer: { className: 'VarianceScaling', config: { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: options.seed ?? null } },
      biasInitializer: { className: 'Zeros', config: {} },
    },
  };
  return rebuildModel(model, { replace: new Map([['head', head]]), fresh: (weightName) => weightName.startsWith('head/') });
}
