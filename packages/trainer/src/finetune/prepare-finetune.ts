/**
 * Turns a trained model and a {@link FinetuneStrategy} into a {@link FinetunePlan}: the model to
 * train (with a new head, LoRA or adapters where the strategy asks), its layer groups, and the
 * stages of training, each naming the layers that train in it.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { addAdapters, applyAdaLora, applyIa3, applyLora, keepFrozenBatchNormInInference, layerGroups, ModelOptionError, replaceHead, type LayerGroup } from '@digitlab/models';
import { FinetuneError } from './finetune-error.js';
import { DEFAULT_DISCRIMINATIVE_FACTOR, finetuneStrategyNames, type FinetuneStrategy } from './strategy.js';

/** Options of {@link prepareFinetune}. */
export interface PrepareFinetuneOptions {
  /** Classes of the new task. When it differs from the model's outputs, the head is replaced by a fresh one. */
  numClasses?: number;
  /** Replace the head even when the class count is unchanged (the labels mean something else, e.g. digits 0-4 → 5-9). Default false. */
  newHead?: boolean;
  /** Seeds the new head, LoRA factors and adapters. */
  seed?: number;
}

/** One stage of fine-tuning: the layers that train in it (all others are frozen). */
export interface FinetuneStage {
  /** Layer groups (from `layerGroups`) with at least one trainable layer in this stage. */
  groups: string[];
  /** Names of the layers whose `trainable` flag is true in this stage. */
  trainableLayers: string[];
  /** Epochs of this stage; `undefined`: every epoch of the run (single-stage strategies). */
  epochs?: number;
}

/** What {@link prepareFinetune} returns; pass it to `finetune`, or drive `enterStage` yourself. */
export interface FinetunePlan {
  /**
   * The model to train. Strategies that change the graph (LoRA, adapters, a new head) return a new
   * model; the others return the given model itself, whose trainable flags they set.
   */
  model: tfl.LayersModel;
  strategy: FinetuneStrategy;
  /** The model's layer groups, input to head. */
  groups: LayerGroup[];
  stages: FinetuneStage[];
  /** True when the head was replaced by a fresh one. */
  headReplaced: boolean;
  /** Group `g` of `G` trains at `lr · factor^(G − 1 − g)`; 1 means one learning rate for all. */
  factor: number;
}

const HEAD = 'head';

/**
 * Prepares `base` for fine-tuning with `strategy` (see {@link FinetuneStrategy}) and puts the model in
 * its first stage. Frozen batch-norm layers run in inference mode, as in Keras.
 * @throws FinetuneError for unknown layer or group names (listing the valid ones), a LoRA rank or
 *   adapter bottleneck that is not a positive integer, a bad factor, or a class count below 1
 */
export function prepareFinetune(base: tfl.LayersModel, strategy: FinetuneStrategy, options: PrepareFinetuneOptions = {}): FinetunePlan {
  const { seed } = options;
  if (!strategy || !finetuneStrategyNames.includes(strategy.kind)) {
    throw new FinetuneError(`Unknown fine-tuning strategy ${JSON.stringify(strategy?.kind)}. Should be one of: ${finetuneStrategyNames.join(', ')}`);
  }
  const outputs = outputUnits(base);
  const numClasses = options.numClasses ?? outputs;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new FinetuneError(`numClasses must be a positive integer, got ${JSON.stringify(numClasses)}`);
  const needsNewHead = options.newHead === true || numClasses !== outputs;
  if (needsNewHead && !base.layers.some((layer) => layer.name === HEAD)) {
    throw new FinetuneError(
      `The model has ${outputs} outputs but the data has ${numClasses} classes, and no layer is named "${HEAD}" to replace. Layers: ${base.layers.map((layer) => layer.name).join(', ')}. Fine-tune a zoo model, or give data with ${outputs} classes.`,
    );
  }
  const withHead = needsNewHead ? wrap(() => replaceHead(base, numClasses, seed === undefined ? {} : { seed })) : base;

  let model = withHead;
  let factor = 1;
  let stageLayers: string[][];
  const allLayers = () => model.layers.map((layer) => layer.name);
  const groupsOf = () => layerGroups(model);
  switch (strategy.kind) {
    case 'full':
      stageLayers = [allLayers()];
      break;
    case 'linear-probe':
      stageLayers = [layersOfGroups(groupsOf(), [lastGroup(groupsOf()).name])];
      break;
    case 'freeze': {
      if (!Array.isArray(strategy.layers) || strategy.layers.length === 0) {
        throw new FinetuneError(`The freeze strategy needs layers to freeze (layer or group names). ${validNames(model)}`);
      }
      const frozen = new Set(resolveNames(model, strategy.layers, 'freeze'));
      stageLayers = [allLayers().filter((name) => !frozen.has(name))];
      break;
    }
    case 'discriminative':
      factor = checkFactor(strategy.factor ?? DEFAULT_DISCRIMINATIVE_FACTOR);
      stageLayers = [allLayers()];
      break;
    case 'gradual-unfreeze': {
      factor = checkFactor(strategy.factor ?? 1);
      const groups = groupsOf();
      // Stage s trains the last s + 1 groups: the head first, then one more group towards the input.
      stageLayers = groups.map((_, stage) => layersOfGroups(groups, groups.slice(groups.length - 1 - stage).map((group) => group.name)));
      break;
    }
    case 'lora': {
      const trainable = strategy.trainHead === false ? [] : [HEAD].filter((name) => model.layers.some((layer) => layer.name === name));
      model = wrap(() =>
        applyLora(withHead, {
          rank: strategy.rank,
          ...(strategy.alpha === undefined ? {} : { alpha: strategy.alpha }),
          ...(strategy.dropout === undefined ? {} : { dropout: strategy.dropout }),
          targets: strategy.targets ?? ['conv', 'dense'],
          trainable,
          ...(seed === undefined ? {} : { seed }),
        }),
      );
      stageLayers = [model.layers.filter((layer) => layer.trainable).map((layer) => layer.name)];
      break;
    }
    case 'adalora': {
      const trainable = strategy.trainHead === false ? [] : [HEAD].filter((name) => model.layers.some((layer) => layer.name === name));
      const targetRank = strategy.targetRank ?? Math.max(1, Math.floor(strategy.rank / 2));
      if (!Number.isInteger(targetRank) || targetRank < 1 || targetRank > strategy.rank) {
        throw new FinetuneError(`AdaLoRA targetRank must be an integer from 1 to the initial rank ${strategy.rank}, got ${JSON.stringify(targetRank)}`);
      }
      model = wrap(() =>
        applyAdaLora(withHead, {
          rank: strategy.rank,
          ...(strategy.alpha === undefined ? {} : { alpha: strategy.alpha }),
          targets: strategy.targets ?? ['conv', 'dense'],
          trainable,
          ...(seed === undefined ? {} : { seed }),
        }),
      );
      stageLayers = [model.layers.filter((layer) => layer.trainable).map((layer) => layer.name)];
      break;
    }
    case 'ia3': {
      const trainable = strategy.trainHead === false ? [] : [HEAD].filter((name) => model.layers.some((layer) => layer.name === name));
      model = wrap(() => applyIa3(withHead, { targets: strategy.targets ?? ['conv', 'dense'], trainable }));
      stageLayers = [model.layers.filter((layer) => layer.trainable).map((layer) => layer.name)];
      break;
    }
    case 'adapter': {
      const trainable = strategy.trainHead === false ? [] : [HEAD].filter((name) => model.layers.some((layer) => layer.name === name));
      const after = strategy.after ?? defaultAdapterPlaces(model);
      model = wrap(() => addAdapters(withHead, { after, bottleneck: strategy.bottleneck, trainable, ...(seed === undefined ? {} : { seed }) }));
      stageLayers = [model.layers.filter((layer) => layer.trainable).map((layer) => layer.name)];
      break;
    }
  }
  if (withHead !== base && model !== withHead) withHead.dispose();
  keepFrozenBatchNormInInference(model);
  const groups = layerGroups(model);
  const epochsPerStage = strategy.kind === 'gradual-unfreeze' ? (strategy.epochsPerStage ?? 1) : undefined;
  if (epochsPerStage !== undefined && (!Number.isInteger(epochsPerStage) || epochsPerStage < 1)) {
    throw new FinetuneError(`gradual-unfreeze epochsPerStage must be a positive integer, got ${JSON.stringify(epochsPerStage)}`);
  }
  const stages = stageLayers.map((trainableLayers): FinetuneStage => {
    const names = new Set(trainableLayers);
    return {
      groups: groups.filter((group) => group.layers.some((layer) => names.has(layer.name) && layer.weights.length > 0)).map((group) => group.name),
      trainableLayers,
      ...(epochsPerStage === undefined ? {} : { epochs: epochsPerStage }),
    };
  });
  const plan: FinetunePlan = { model, strategy, groups, stages, headReplaced: needsNewHead, factor };
  enterStage(plan, 0);
  return plan;
}

/** Sets each layer's `trainable` flag for `plan.stages[index]`: the stage's layers train, every other layer is frozen. */
export function enterStage(plan: FinetunePlan, index: number): void {
  const stage = plan.stages[index];
  if (!stage) throw new FinetuneError(`Stage ${index} does not exist; this plan has ${plan.stages.length} stage(s) (0..${plan.stages.length - 1})`);
  const names = new Set(stage.trainableLayers);
  for (const layer of plan.model.layers) layer.trainable = names.has(layer.name);
}

/**
 * The learning-rate multiplier of every trainable variable of `plan.model` as it is now, in
 * `model.trainableWeights` order (what `fit`'s `learningRateScales` takes): `factor^(distance of
 * its group from the last group)`. `undefined` when the factor is 1 (one learning rate for all).
 */
export function groupLearningRateScales(plan: FinetunePlan): number[] | undefined {
  if (plan.factor === 1) return undefined;
  const scaleOf = new Map<tfl.LayerVariable, number>();
  const last = plan.groups.length - 1;
  plan.groups.forEach((group, index) => {
    for (const layer of group.layers) for (const weight of layer.trainableWeights) scaleOf.set(weight, plan.factor ** (last - index));
  });
  return plan.model.trainableWeights.map((weight) => {
    const scale = scaleOf.get(weight);
    if (scale === undefined) throw new FinetuneError(`Trainable weight "${weight.name}" belongs to no layer group; rebuild the plan with prepareFinetune after changing the model`);
    return scale;
  });
}

function outputUnits(model: tfl.LayersModel): number {
  const shape = model.outputs[0]?.shape;
  const units = shape?.[shape.length - 1];
  if (model.outputs.length !== 1 || typeof units !== 'number') {
    throw new FinetuneError(`Fine-tuning needs a single-output classifier [batch, classes]; this model outputs ${JSON.stringify(model.outputs.map((output) => output.shape))}`);
  }
  return units;
}

function lastGroup(groups: LayerGroup[]): LayerGroup {
  const group = groups[groups.length - 1];
  if (!group) throw new FinetuneError('The model has no layers to fine-tune');
  return group;
}

function layersOfGroups(groups: LayerGroup[], names: string[]): string[] {
  return groups.filter((group) => names.includes(group.name)).flatMap((group) => group.layers.map((layer) => layer.name));
}

function validNames(model: tfl.LayersModel): string {
  return `Layer groups: ${layerGroups(model).map((group) => group.name).join(', ')}; layers: ${model.layers.map((layer) => layer.name).join(', ')}`;
}

/** Expands layer and group names into layer names; an unknown name lists the valid ones. */
function resolveNames(model: tfl.LayersModel, names: string[], what: string): string[] {
  const groups = layerGroups(model);
  const layers = new Set(model.layers.map((layer) => layer.name));
  return names.flatMap((name) => {
    const matching = groups.filter((group) => group.name === name);
    if (matching.length > 0) return matching.flatMap((group) => group.layers.map((layer) => layer.name));
    if (layers.has(name)) return [name];
    throw new FinetuneError(`Unknown layer or group "${name}" in ${what}. ${validNames(model)}`);
  });
}

function checkFactor(factor: number): number {
  if (!(Number.isFinite(factor) && factor > 0 && factor <= 1)) {
    throw new FinetuneError(`The discriminative learning-rate factor must be in (0, 1] (ULMFiT: 1/2.6 ≈ 0.385; 1 = one rate for all groups), got ${JSON.stringify(factor)}`);
  }
  return factor;
}

/** The first weighted layer of every group but the head: an adapter right after each block's main layer. */
function defaultAdapterPlaces(model: tfl.LayersModel): string[] {
  return layerGroups(model)
    .filter((group) => group.name !== HEAD)
    .map((group) => group.layers.find((layer) => layer.weights.length > 0)?.name)
    .filter((name): name is string => name !== undefined);
}

/** Runs a surgery helper, turning its option errors into FinetuneErrors with the same message. */
function wrap<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (ModelOptionError.isInstance(error)) throw new FinetuneError(error.message, { cause: error });
    throw error;
  }
}
