import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
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
  /** Layer names and/or `'dense'` (every Dense layer except the one named `head`). Dense layers only. */
  targets: string[];
  /** Stock layers to leave trainable (e.g. `['head']`); all others are frozen. */
  trainable?: string[];
  /** Seeds P and Q. */
  seed?: number;
}

/**
 * Returns a new model in which each target Dense layer is replaced by an `AdaLoraDense` of the same
 * name holding a frozen copy of its kernel and bias plus a trainable update P·diag(λ)·Q with λ = 0,
 * so the new model first computes exactly what `model` computes. Every other stock layer is frozen
 * except `options.trainable`. `model` is left untouched; `mergeLora` folds the update back in.
 * Trainable parameters added: r·(in + out + 1) per layer (fewer effective ones once pruned).
 * @throws ModelOptionError for rank ≤ 0, no targets, an unknown layer (listing the valid ones), or a target that is not a Dense layer
 */
export function applyAdaLora(model: tfl.LayersModel, options: AdaLoraOptions): tfl.LayersModel {
  const { rank, alpha = rank, targets, trainable = [], seed } = options;
  checkLoraOptions(rank, alpha, 0);
  const denseLayers = model.layers.filter((layer) => layer.getClassName() === 'Dense');
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new ModelOptionError(`applyAdaLora needs targets: Dense layer names and/or 'dense'. Dense layers of this model: ${denseLayers.map((layer) => layer.name).join(', ') || 'none'}`);
  }
  checkLayerNames(model, trainable, 'options.trainable');
  const chosen = new Set<tfl.layers.Layer>();
  for (const target of targets) {
    if (target === 'dense') {
      const matches = denseLayers.filter((layer) => layer.name !== 'head');
      if (matches.length === 0) throw new ModelOptionError(`targets: 'dense' matches no Dense layer but the head in this model; name the layers to wrap (Dense layers: ${denseLayers.map((layer) => layer.name).join(', ') || 'none'})`);
      for (const layer of matches) chosen.add(layer);
      continue;
    }
    checkLayerNames(model, [target], 'targets');
    const layer = model.getLayer(target);
    if (!denseLayers.includes(layer)) {
      throw new ModelOptionError(`Layer "${target}" is a ${layer.getClassName()}; AdaLoRA wraps Dense layers only. Dense layers: ${denseLayers.map((candidate) => candidate.name).join(', ') || 'none'}`);
    }
    chosen.add(layer);
  }
  const replace = new Map<string, LayerSpec>();
  let index = 0;
  for (const layer of chosen) {
    const config = layer.getConfig() as Record<string, unknown> & { name: string };
    replace.set(layer.name, {
      className: AdaLoraDense.className,
      config: { name: config.name, trainable: true, units: config.units, activation: config.activation, useBias: config.useBias, rank, alpha, seed: seed === undefined ? null : seed * 7919 + 2 * ++index },
    });
  }
  return rebuildModel(model, { replace, adjust: freezeBase(trainable) });
}
