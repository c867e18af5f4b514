/**
 * Model surgery by configuration: serialise a model's topology (`getConfig`), swap or insert layer
 * configs, rebuild with `fromConfig`, then copy every weight whose name and shape still match.
 * Working on the config rather than re-applying layer objects gives a fully independent model
 * (no layer or variable shared with the original, which may be disposed) and treats Sequential and
 * functional models alike; for functional ones, inserted layers are spliced into the inbound-node
 * graph.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from '../errors.js';
import { keepFrozenBatchNormInInference } from '../frozen-batch-norm.js';
import { registerCustomLayers } from '../lora/register.js';

/** One layer in a serialised topology: `className` + its constructor config. */
export interface LayerSpec {
  className: string;
  config: Record<string, unknown> & { name: string };
}

interface FunctionalEntry extends LayerSpec {
  name: string;
  inboundNodes: unknown[][];
}

/** What to change. Layers are addressed by name. */
export interface ModelEdit {
  /** Layer name → the layer that takes its place (same inputs and consumers). */
  replace?: Map<string, LayerSpec>;
  /** Layer name → a new layer fed by it, which takes over all of its consumers. */
  insertAfter?: Map<string, LayerSpec>;
  /** Layers dropped from the graph (each called once, with one input): their consumers read that input instead. */
  remove?: Set<string>;
  /** Applied to every resulting layer config (e.g. to freeze or unfreeze). */
  adjust?: (spec: LayerSpec) => void;
  /** Weight names (`layer/kernel`) that keep their fresh initial values instead of being copied. */
  fresh?: (weightName: string) => boolean;
  /** Weight name → value to write instead of the original's. */
  values?: Map<string, tf.Tensor>;
}

function isSequential(model: tfl.LayersModel): boolean {
  return model instanceof tfl.Sequential || model.getClassName() === 'Sequential';
}

/** Builds the edited copy of `model`; the original is untouched. */
export function rebuildModel(model: tfl.LayersModel, edit: ModelEdit): tfl.LayersModel {
  registerCustomLayers();
  const config = structuredClone(model.getConfig()) as unknown as { layers: LayerSpec[] | FunctionalEntry[]; outputLayers?: unknown[] };
  const layers = isSequential(model) ? editSequential(config.layers, edit) : editFunctional(config as { layers: FunctionalEntry[]; outputLayers: unknown[] }, edit);
  config.layers = layers;
  if (edit.adjust) for (const spec of layers) edit.adjust(spec);

  const serialized = config as unknown as tf.serialization.ConfigDict;
  const rebuilt = (
    isSequential(model) ? tfl.Sequential.fromConfig(tfl.Sequential, serialized) : tfl.LayersModel.fromConfig(tfl.LayersModel, serialized)
  ) as tfl.LayersModel;
  try {
    copyWeights(model, rebuilt, edit);
  } catch (error) {
    rebuilt.dispose();
    throw error;
  }
  return keepFrozenBatchNormInInference(rebuilt);
}

function editSequential(layers: LayerSpec[], edit: ModelEdit): LayerSpec[] {
  const result: LayerSpec[] = [];
  for (const [index, spec] of layers.entries()) {
    if (edit.remove?.has(spec.config.name)) {
      if (index === 0) throw new ModelOptionError(`cannot remove layer "${spec.config.name}": it is the first layer of a Sequential model and carries its input shape`);
      continue;
    }
    const replacement = edit.replace?.get(spec.config.name);
    if (replacement) {
      // The first layer of a Sequential carries the model's input shape.
      const inputShape = index === 0 ? spec.config.batchInputShape : undefined;
      result.push({ className: replacement.className, config: { ...replacement.config, ...(inputShape ? { batchInputShape: inputShape } : {}) } });
    } else {
      result.push(spec);
    }
    const inserted = edit.insertAfter?.get(spec.config.name);
    if (inserted) result.push(inserted);
  }
  return result;
}

function editFunctional(config: { layers: FunctionalEntry[]; outputLayers: unknown[] }, edit: ModelEdit): FunctionalEntry[] {
  const renamed = new Map<string, string>();
  const result: FunctionalEntry[] = [];
  // A removed layer's consumers read its own input: name → that input's inbound reference.
  const bypassed = new Map<string, unknown[]>();
  for (const entry of config.layers) {
    if (!edit.remove?.has(entry.name)) continue;
    const [node, ...others] = entry.inboundNodes;
    const [source, ...moreInputs] = (node ?? []) as unknown[][];
    if (!source || others.length > 0 || moreInputs.length > 0) {
      throw new ModelOptionError(`cannot remove layer "${entry.name}": it must be called once with one input (it has ${entry.inboundNodes.length} calls)`);
    }
    bypassed.set(entry.name, source);
  }
  const bypass = (reference: unknown): unknown => {
    let current = reference;
    while (Array.isArray(current) && typeof current[0] === 'string' && bypassed.has(current[0])) current = bypassed.get(current[0]);
    return current;
  };
  for (const entry of config.layers) {
    if (bypassed.has(entry.name)) continue;
    entry.inboundNodes = entry.inboundNodes.map((node) => node.map(bypass));
    const replacement = edit.replace?.get(entry.name);
    result.push(replacement ? { ...entry, className: replacement.className, config: replacement.config } : entry);
    const inserted = edit.insertAfter?.get(entry.name);
    if (inserted) {
      if (entry.inboundNodes.length > 1) {
        throw new ModelOptionError(`cannot insert after layer "${entry.name}": it is shared (called ${entry.inboundNodes.length} times); insert after a layer that is called once`);
      }
      renamed.set(entry.name, inserted.config.name);
      result.push({ ...inserted, name: inserted.config.name, inboundNodes: [[[entry.name, 0, 0, {}]]] });
    }
  }
  // Every consumer of a layer that got an insertion now reads the inserted layer instead.
  const redirect = (reference: unknown): unknown => {
    if (!Array.isArray(reference) || typeof reference[0] !== 'string') return reference;
    const target = renamed.get(reference[0]);
    return target === undefined ? reference : [target, ...reference.slice(1)];
  };
  const insertedNames = new Set(renamed.values());
  for (const entry of result) {
    if (insertedNames.has(entry.name)) continue;
    entry.inboundNodes = entry.inboundNodes.map((node) => node.map(redirect));
  }
  config.outputLayers = config.outputLayers.map((reference) => redirect(bypass(reference)));
  return result;
}

function copyWeights(source: tfl.LayersModel, target: tfl.LayersModel, edit: ModelEdit): void {
  const originals = new Map(source.weights.map((weight) => [weight.originalName, weight]));
  for (const weight of target.weights) {
    const name = weight.originalName;
    const override = edit.values?.get(name);
    if (override) {
      weight.write(override);
      continue;
    }
    if (edit.fresh?.(name)) continue;
    const original = originals.get(name);
    if (!original) continue;
    if (JSON.stringify(original.shape) !== JSON.stringify(weight.shape)) {
      throw new ModelOptionError(`weight "${name}" changed shape from ${JSON.stringify(original.shape)} to ${JSON.stringify(weight.shape)} during surgery; it cannot be copied`);
    }
    // Variables share data by reference count, so the copy survives disposing the source model.
    weight.write(original.read());
  }
}
