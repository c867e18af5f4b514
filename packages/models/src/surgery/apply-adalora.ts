import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { AdaLoraConv2D } from '../lora/adalora-conv2d.js';
import { AdaLoraDense } from '../lora/adalora-dense.js';
import { checkLoraOptions } from '../lora/lora-options.js';
import { checkLayerNames, freezeBase } from './apply-lora.js';
import { rebuildModel, type LayerSpec } from './rebuild-model.js';

/** Options of `applyAdaLora`. */
export interface AdaLoraOptions {
  /** Initial rank of every wrapped layer (the budget allocator prunes from there). */
  rank: number;
  /** Default: rank. */
  alpha?: number;
  /** Layer names and/or `'dense'` (every Dense layer except the one named `head`) and `'conv'` (every Conv2D layer). */
  targets: string[];
  /** Stock layers to leave trainable (e.g. `['head']`); all others are frozen. */
  trainable?: string[];
  /** Seeds P and Q. */
  seed?: number;
}

/**
 * Returns a new model in which each target Dense / Conv2D layer is replaced by an `AdaLoraDense` /
 * `AdaLoraConv2D` of the same name holding a frozen copy of its kernel and bias plus a trainable update P·diag(λ)·Q with λ = 0,
 * so the new model first computes exactly what `model` computes. Every other stock layer is frozen
 * except `options.trainable`. `model` is left untouched; `mergeLora` folds the update back in.
 * Trainable parameters added: r·(in + out + 1) per Dense, r·(kh·kw·in + out + 1) per Conv2D.
 * @throws ModelOptionError for rank ≤ 0, no targets, an unknown layer (listing the valid ones), or a target that is neither Dense nor Conv2D (NHWC)
 */
export function applyAdaLora(model: tfl.LayersModel, options: AdaLoraOptions): tfl.LayersModel {
  const { rank, alpha = rank, targets, trainable = [], seed } = options;
  checkLoraOptions(rank, alpha, 0);
  const supported = model.layers.filter((layer) => layer.getClassName() === 'Dense' || layer.getClassName() === 'Conv2D');
  const list = (layers: tfl.layers.Layer[]) => layers.map((layer) => layer.name).join(', ') || 'none';
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new ModelOptionError(`applyAdaLora needs targets: layer names and/or 'dense', 'conv'. Layers AdaLoRA can wrap: ${list(supported)}`);
  }
  checkLayerNames(model, trainable, 'options.trainable');
  const chosen = new Set<tfl.layers.Layer>();
  for (const target of targets) {
    if (target === 'dense' || target === 'conv') {
      const kind = target === 'dense' ? 'Dense' : 'Conv2D';
      const matches = supported.filter((layer) => layer.getClassName() === kind && !(kind === 'Dense' && layer.name === 'head'));
      if (matches.length === 0) throw new ModelOptionError(`targets: '${target}' matches no ${kind} layer in this model. Layers AdaLoRA can wrap: ${list(supported)}`);
      for (const layer of matches) chosen.add(layer);
      continue;
    }
    checkLayerNames(model, [target], 'targets');
    const layer = model.getLayer(target);
    if (!supported.includes(layer)) {
      throw new ModelOptionError(`Layer "${target}" is a ${layer.getClassName()}; AdaLoRA wraps Dense and Conv2D layers only. Layers AdaLoRA can wrap: ${list(supported)}`);
    }
    chosen.add(layer);
  }
  const replace = new Map<string, LayerSpec>();
  let index = 0;
  for (const layer of chosen) {
    const config = layer.getConfig() as Record<string, unknown> & { name: string };
    const common = { name: config.name, trainable: true, activation: config.activation, useBias: config.useBias, rank, alpha, seed: seed === undefined ? null : seed * 7919 + 2 * ++index };
    if (layer.getClassName() === 'Dense') {
      replace.set(layer.name, { className: AdaLoraDense.className, config: { ...common, units: config.units } });
    } else {
      if (config.dataFormat !== 'channelsLast') throw new ModelOptionError(`Layer "${layer.name}" uses dataFormat ${JSON.stringify(config.dataFormat)}; AdaLoraConv2D supports channelsLast (NHWC) only`);
      replace.set(layer.name, {
        className: AdaLoraConv2D.className,
        config: { ...common, filters: config.filters, kernelSize: config.kernelSize, strides: config.strides, padding: config.padding, dilationRate: config.dilationRate },
      });
    }
  }
  return rebuildModel(model, { replace, adjust: freezeBase(trainable) });
}
