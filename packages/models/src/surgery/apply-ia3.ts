import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { Ia3Conv2D } from '../lora/ia3-conv2d.js';
import { Ia3Dense } from '../lora/ia3-dense.js';
import { checkLayerNames, freezeBase } from './apply-lora.js';
import { rebuildModel, type LayerSpec } from './rebuild-model.js';

/** Options of `applyIa3`. */
export interface Ia3Options {
  /**
   * Layers to wrap: layer names, and/or `'dense'` (every Dense layer except the one named `head`)
   * and `'conv'` (every Conv2D layer).
   */
  targets: string[];
  /** Also rescale the inputs of the wrapped Dense layers (IA3's l_ff). Default true. */
  scaleDenseInputs?: boolean;
  /** Stock layers to leave trainable (e.g. `['head']`); all others are frozen. */
  trainable?: string[];
}

/**
 * Returns a new model in which each target Dense / Conv2D layer is replaced by an `Ia3Dense` /
 * `Ia3Conv2D` of the same name: its kernel and bias copied and frozen, its outputs (and, for Dense
 * with `scaleDenseInputs`, its inputs) rescaled by trainable vectors that start at 1, so the new
 * model first computes exactly what `model` computes. Every other stock layer is frozen except
 * `options.trainable`. `model` is left untouched. `mergeLora` folds the vectors back in.
 * Trainable parameters added: out (+ in) per Dense, out per Conv2D.
 * @throws ModelOptionError for no targets, an unknown layer (listing the valid ones), or a target that is neither Dense nor Conv2D (NHWC)
 */
export function applyIa3(model: tfl.LayersModel, options: Ia3Options): tfl.LayersModel {
  const { targets, scaleDenseInputs = true, trainable = [] } = options;
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new ModelOptionError(`applyIa3 needs targets: layer names and/or 'dense', 'conv'. Layers of this model: ${model.layers.map((layer) => layer.name).join(', ')}`);
  }
  checkLayerNames(model, trainable, 'options.trainable');
  const supported = model.layers.filter((layer) => layer.getClassName() === 'Dense' || layer.getClassName() === 'Conv2D');
  const chosen = new Set<tfl.layers.Layer>();
  for (const target of targets) {
    if (target === 'dense' || target === 'conv') {
      const kind = target === 'dense' ? 'Dense' : 'Conv2D';
      const matches = supported.filter((layer) => layer.getClassName() === kind && !(kind === 'Dense' && layer.name === 'head'));
      if (matches.length === 0) throw new ModelOptionError(`targets: '${target}' matches no ${kind} layer in this model. Layers IA3 can wrap: ${supported.map((layer) => layer.name).join(', ') || 'none'}`);
      for (const layer of matches) chosen.add(layer);
      continue;
    }
    checkLayerNames(model, [target], 'targets');
    const layer = model.getLayer(target);
    if (!supported.includes(layer)) {
      throw new ModelOptionError(`Layer "${target}" is a ${layer.getClassName()}; IA3 wraps Dense and Conv2D layers only. Layers IA3 can wrap: ${supported.map((candidate) => candidate.name).join(', ') || 'none'}`);
    }
    chosen.add(layer);
  }

  const replace = new Map<string, LayerSpec>();
  for (const layer of chosen) {
    const config = layer.getConfig() as Record<string, unknown> & { name: string };
    const common = { name: config.name, trainable: true, activation: config.activation, useBias: config.useBias };
    if (layer.getClassName() === 'Dense') {
      replace.set(layer.name, { className: Ia3Dense.className, config: { ...common, units: config.units, scaleInputs: scaleDenseInputs } });
    } else {
      if (config.dataFormat !== 'channelsLast') {
        throw new ModelOptionError(`Layer "${layer.name}" uses dataFormat ${JSON.stringify(config.dataFormat)}; Ia3Conv2D supports channelsLast (NHWC) only`);
      }
      replace.set(layer.name, {
        className: Ia3Conv2D.className,
        config: { ...common, filters: config.filters, kernelSize: config.kernelSize, strides: config.strides, padding: config.padding, dilationRate: config.dilationRate },
      });
    }
  }
  return rebuildModel(model, { replace, adjust: freezeBase(trainable) });
}
