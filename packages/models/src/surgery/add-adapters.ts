import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { Adapter } from '../lora/adapter.js';
import { checkLayerNames, freezeBase } from './apply-lora.js';
import { rebuildModel, type LayerSpec } from './rebuild-model.js';

/** Options of `addAdapters`. */
export interface AdapterOptions {
  /** Layers whose output each gets an adapter (named `<layer>_adapter`). */
  after: string[];
  /** Bottleneck width of every adapter. */
  bottleneck: number;
  /** Stock layers to leave trainable (e.g. `['head']`); all others are frozen. */
  trainable?: string[];
  /** Seeds the adapters' down-projections. */
  seed?: number;
}

/**
 * Returns a new model with a residual bottleneck `Adapter` inserted after each named layer (it
 * takes over all of that layer's consumers). Adapters start as exact identities, so the new model
 * first computes what `model` computes. The base is frozen except `options.trainable`; LoRA and
 * adapter layers stay trainable. Adapter parameters: 2·c·bottleneck + bottleneck + c for c channels.
 * @throws ModelOptionError for an unknown layer (listing the valid ones), a bottleneck ≤ 0, or a layer that already has an adapter
 */
export function addAdapters(model: tfl.LayersModel, options: AdapterOptions): tfl.LayersModel {
  const { after, bottleneck, trainable = [], seed } = options;
  if (!Array.isArray(after) || after.length === 0) {
    throw new ModelOptionError(`addAdapters needs "after": the layers to follow. Layers of this model: ${model.layers.map((layer) => layer.name).join(', ')}`);
  }
  if (!Number.isInteger(bottleneck) || bottleneck <= 0) throw new ModelOptionError(`Adapter bottleneck must be a positive integer (typical: 8-64), got ${JSON.stringify(bottleneck)}`);
  checkLayerNames(model, after, 'after');
  checkLayerNames(model, trainable, 'options.trainable');
  const existing = new Set(model.layers.map((layer) => layer.name));
  const insertAfter = new Map<string, LayerSpec>();
  after.forEach((name, index) => {
    const adapterName = `${name}_adapter`;
    if (existing.has(adapterName) || insertAfter.has(name)) throw new ModelOptionError(`Layer "${name}" already has an adapter ("${adapterName}"); list each layer once`);
    insertAfter.set(name, {
      className: Adapter.className,
      config: { name: adapterName, trainable: true, bottleneck, seed: seed === undefined ? null : seed * 7919 + index + 1 },
    });
  });
  return rebuildModel(model, { insertAfter, adjust: freezeBase(trainable) });
}
