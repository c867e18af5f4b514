import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { AdaLoraConv2D } from '../lora/adalora-conv2d.js';
import { AdaLoraDense } from '../lora/adalora-dense.js';
import { Adapter } from '../lora/adapter.js';
import { Ia3Conv2D } from '../lora/ia3-conv2d.js';
import { Ia3Dense } from '../lora/ia3-dense.js';
import { LoraConv2D } from '../lora/lora-conv2d.js';
import { LoraDense } from '../lora/lora-dense.js';
import { checkLoraOptions } from '../lora/lora-options.js';
import { rebuildModel, type LayerSpec } from './rebuild-model.js';

/** Options of `applyLora`. */
export interface LoraOptions {
  /** Rank r ≥ 1 of the update A·B. */
  rank: number;
  /** Scale numerator: the update is multiplied by alpha / rank. Default: rank. */
  alpha?: number;
  /** Dropout on the LoRA path's input during training. Default 0. */
  dropout?: number;
  /**
   * Layers to wrap: layer names, and/or `'dense'` (every Dense layer except the one named `head`,
   * which is usually replaced or trained in full) and `'conv'` (every Conv2D layer).
   */
  targets: string[];
  /** Stock layers to leave trainable (e.g. `['head']` after `replaceHead`); all others are frozen. */
  trainable?: string[];
  /** Seeds the initialisation of the A matrices. */
  seed?: number;
}

/** True for digitlab's parameter-efficient layers, which stay trainable when the base is frozen. */
function isPeftLayer(className: string): boolean {
  return [LoraDense.className, LoraConv2D.className, Adapter.className, Ia3Dense.className, Ia3Conv2D.className, AdaLoraDense.className, AdaLoraConv2D.className].includes(className);
}

/** Checks that every name in `names` is a layer of `model`, listing the valid ones otherwise. @internal */
export function checkLayerNames(model: tfl.LayersModel, names: string[], what: string): void {
  const valid = model.layers.map((layer) => layer.name);
  for (const name of names) {
    if (!valid.includes(name)) throw new ModelOptionError(`Unknown layer "${name}" in ${what}. Should be one of: ${valid.join(', ')}`);
  }
}

/** Freezes every stock layer not listed in `keep`; LoRA, IA3 and adapter layers stay trainable. @internal */
export function freezeBase(keep: string[]): (spec: LayerSpec) => void {
  return (spec) => {
    spec.config.trainable = isPeftLayer(spec.className) || keep.includes(spec.config.name);
  };
}

/**
 * Returns a new model in which each target Dense / Conv2D layer is replaced by a `LoraDense` /
 * `LoraConv2D` of the same name holding a copy of its kernel and bias, frozen, plus trainable
 * low-rank factors (B = 0, so the new model starts computing exactly what `model` computes).
 * Every other stock layer is frozen too, except those in `options.trainable`; existing LoRA and
 * adapter layers stay trainable. `model` is left untouched.
 * Trainable parameters added: r·(in + out) per Dense, r·(kh·kw·in + out) per Conv2D.
 * @throws ModelOptionError for rank ≤ 0, an unknown layer name (listing the valid ones), or a
 *   target that is neither Dense nor Conv2D (NHWC)
 */
export function applyLora(model: tfl.LayersModel, options: LoraOptions): tfl.LayersModel {
  const { rank, alpha = rank, dropout = 0, targets, trainable = [], seed } = options;
  checkLoraOptions(rank, alpha, dropout);
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new ModelOptionError(`applyLora needs targets: layer names and/or 'dense', 'conv'. Layers of this model: ${model.layers.map((layer) => layer.name).join(', ')}`);
  }
  checkLayerNames(model, trainable, 'options.trainable');
  const supported = model.layers.filter((layer) => layer.getClassName() === 'Dense' || layer.getClassName() === 'Conv2D');
  const chosen = new Set<tfl.layers.Layer>();
  for (const target of targets) {
    if (target === 'dense' || target === 'conv') {
      const kind = target === 'dense' ? 'Dense' : 'Conv2D';
      const matches = supported.filter((layer) => layer.getClassName() === kind && !(kind === 'Dense' && layer.name === 'head'));
      if (matches.length === 0) throw new ModelOptionError(`targets: '${target}' matches no ${kind} layer in this model. Layers LoRA can wrap: ${supported.map((layer) => layer.name).join(', ') || 'none'}`);
      for (const layer of matches) chosen.add(layer);
      continue;
    }
    checkLayerNames(model, [target], 'targets');
    const layer = model.getLayer(target);
    if (!supported.includes(layer)) {
      throw new ModelOptionError(
        `Layer "${target}" is a ${layer.getClassName()}; LoRA wraps Dense and Conv2D layers only. Layers LoRA can wrap: ${supported.map((candidate) => candidate.name).join(', ') || 'none'}`,
      );
    }
    chosen.add(layer);
  }

  const replace = new Map<string, LayerSpec>();
  let index = 0;
  for (const layer of chosen) {
    const config = layer.getConfig() as Record<string, unknown> & { name: string };
    const loraSeed = seed === undefined ? null : seed * 7919 + ++index;
    const common = { name: config.name, trainable: true, activation: config.activation, useBias: config.useBias, rank, alpha, dropout, seed: loraSeed };
    if (layer.getClassName() === 'Dense') {
      replace.set(layer.name, { className: LoraDense.className, config: { ...common, units: config.units } });
    } else {
      if (config.dataFormat !== 'channelsLast') {
        throw new ModelOptionError(`Layer "${layer.name}" uses dataFormat ${JSON.stringify(config.dataFormat)}; LoraConv2D supports channelsLast (NHWC) only`);
      }
      replace.set(layer.name, {
        className: LoraConv2D.className,
        config: { ...common, filters: config.filters, kernelSize: config.kernelSize, strides: config.strides, padding: config.padding, dilationRate: config.dilationRate },
      });
    }
  }
  return rebuildModel(model, { replace, adjust: freezeBase(trainable) });
}
