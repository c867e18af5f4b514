import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { filterClasses, type DigitDataset } from '@digitlab/datasets/node';
import { createModel, loadModel, mergeLora, saveModel } from '@digitlab/models/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchesOf, mnistSlice } from '../__fixtures__/mnist.js';
import { describeEachBackend, expectNoLeaks, tooSlowOnCpu } from '../__fixtures__/backend.js';
import { datasetBatches } from '../dataset-source.js';
import { evaluate } from '../evaluate.js';
import { sgd } from '../optimizers/sgd.js';
import { finetune } from './finetune.js';
import { countParameters } from './parameters.js';
import { enterStage, groupLearningRateScales, prepareFinetune } from './prepare-finetune.js';
import type { FinetuneStrategy } from './strategy.js';

let train: DigitDataset;
let root: string;

beforeAll(async () => {
  train = await mnistSlice('train', 64);
  root = await mkdtemp(join(tmpdir(), 'digitlab-finetune-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Snapshot = Map<string, Float32Array>;
const snapshot = (model: tfl.LayersModel): Snapshot => new Map(model.weights.map((weight) => [weight.originalName, weight.read().dataSync().slice() as Float32Array]));
const sameValues = (a: Float32Array, b: Float32Array | undefined) => b !== undefined && a.length === b.length && a.every((value, index) => Object.is(value, b[index]));

/** Trains `plan.model` for one epoch of 2 batches (a few real updates). */
async function trainBriefly(plan: ReturnType<typeof prepareFinetune>, learningRate = 0.01) {
  return finetune(plan, datasetBatches(train, { batchSize: 32, seed: 1, normalization: 'mnist' }), { epochs: 1, learningRate, schedule: 'constant' });
}

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((max, value, index) => Math.max(max, Math.abs(value - b[index]!)), 0);

function predict(model: tfl.LayersModel, dataset = train): Float32Array {
  return tf.tidy(() => {
    const [batch] = [...batchesOf(dataset, 16, 0)].slice(0, 1);
    const out = (model.predict(batch!.xs) as tf.Tensor).dataSync() as Float32Array;
    tf.dispose([batch!.xs, batch!.ys]);
    return out;
  });
}

/** One freezing strategy on one model: which weights must not move (bit-exact), and which must. */
interface FreezingCase {
  name: string;
  model: 'mlp' | 'seed-cnn' | 'bn-cnn';
  strategy: FinetuneStrategy;
  frozen: RegExp;
  moves: RegExp;
}

const freezingCases: FreezingCase[] = [
  { name: 'linear-probe', model: 'mlp', strategy: { kind: 'linear-probe' }, frozen: /^fc[12]\//, moves: /^head\// },
  { name: 'freeze by group name', model: 'seed-cnn', strategy: { kind: 'freeze', layers: ['conv1', 'conv2'] }, frozen: /^conv[12]\//, moves: /^(fc1|head)\/kernel/ },
  { name: 'freeze by layer name', model: 'mlp', strategy: { kind: 'freeze', layers: ['fc2'] }, frozen: /^fc2\//, moves: /^(fc1|head)\/kernel/ },
  // A frozen BN layer runs in inference mode: its moving statistics must not move either (Keras).
  { name: 'freeze with batch norm', model: 'bn-cnn', strategy: { kind: 'freeze', layers: ['block1'] }, frozen: /^block1_/, moves: /^(block2_.*kernel|head\/kernel|block2_.*moving_mean)/ },
  { name: 'gradual-unfreeze (first stage)', model: 'mlp', strategy: { kind: 'gradual-unfreeze', epochsPerStage: 5 }, frozen: /^fc[12]\//, moves: /^head\// },
  { name: 'lora', model: 'seed-cnn', strategy: { kind: 'lora', rank: 2, targets: ['conv', 'dense'] }, frozen: /\/(kernel|bias)$/, moves: /\/lora_b$|^head\// },
  { name: 'ia3', model: 'seed-cnn', strategy: { kind: 'ia3' }, frozen: /\/(kernel|bias)$/, moves: /\/ia3_(input_)?scale$|^head\// },
  { name: 'adapter', model: 'mlp', strategy: { kind: 'adapter', bottleneck: 4, trainHead: false }, frozen: /^(fc[12]|head)\//, moves: /_adapter\/up_kernel$/ },
  { name: 'lora on dense layers', model: 'mlp', strategy: { kind: 'lora', rank: 2, targets: ['dense'] }, frozen: /\/(kernel|bias)$/, moves: /\/lora_b$|^head\// },
];

/** Trains one case briefly and checks that its frozen weights stayed bit-exact and its trainable ones moved. */
function freezingTest({ name, model: architecture, strategy, frozen, moves }: FreezingCase): void {
  it(`${name}: frozen weights stay bit-exact, trainable ones move`, async () => {
    const base = createModel(architecture, { seed: 3 });
    const plan = prepareFinetune(base, strategy, { seed: 1 });
    const before = snapshot(plan.model);
    await expectNoLeaks(() => trainBriefly(plan));
    const after = snapshot(plan.model);
    let frozenCount = 0;
    let movedCount = 0;
    for (const [weight, values] of after) {
      const unchanged = sameValues(values, before.get(weight));
      const isPeftOrHead = /lora_|ia3_|_adapter\/|^head\//.test(weight);
      if (frozen.test(weight) && !((strategy.kind === 'lora' || strategy.kind === 'ia3') && isPeftOrHead)) {
        expect(unchanged, `${weight} is frozen and must not move`).toBe(true);
        frozenCount += 1;
      }
      if (moves.test(weight)) {
        expect(unchanged, `${weight} trains and must move`).toBe(false);
        movedCount += 1;
      }
    }
    expect(frozenCount).toBeGreaterThan(0);
    expect(movedCount).toBeGreaterThan(0);
    if (plan.model !== base) plan.model.dispose();
    base.dispose();
  });
}

describeEachBackend('freezing strategies', () => {
  for (const testCase of freezingCases.filter((entry) => entry.model === 'mlp')) freezingTest(testCase);

  it('full fine-tuning moves every weight; trainable counts match each strategy', async () => {
    const base = createModel('mlp', { seed: 4 });
    const total = base.countParams();
    const plan = prepareFinetune(base, { kind: 'full' });
    expect(countParameters(plan.model)).toEqual({ trainable: total, total, fraction: 1 });
    const before = snapshot(plan.model);
    await trainBriefly(plan);
    for (const [weight, values] of snapshot(plan.model)) expect(sameValues(values, before.get(weight)), weight).toBe(false);
    expect(countParameters(prepareFinetune(base, { kind: 'linear-probe' }).model).trainable).toBe(128 * 10 + 10);
    base.dispose();
  });
});

describeEachBackend(
  'freezing strategies on CNNs',
  () => {
    for (const testCase of freezingCases.filter((entry) => entry.model !== 'mlp')) freezingTest(testCase);
  },
  { skip: tooSlowOnCpu('the CNN cases', 'the MLP cases of "freezing strategies" (lora, adapter, freeze, linear-probe)') },
);

describeEachBackend('LoRA on the MLP (sized for every backend)', (backend) => {
  it('starts as an exact no-op, trains, merges to the same function, and loads back unmerged bit for bit', async () => {
    const base = createModel('mlp', { seed: 5 });
    const plan = prepareFinetune(base, { kind: 'lora', rank: 4, alpha: 8, targets: ['dense'] }, { seed: 2 });
    expect(predict(plan.model)).toEqual(predict(base));
    await trainBriefly(plan, 0.01);
    const unmerged = predict(plan.model);
    expect(maxDifference(unmerged, predict(base))).toBeGreaterThan(1e-3);
    const merged = mergeLora(plan.model);
    expect(maxDifference(predict(merged), unmerged)).toBeLessThan(1e-4);
    const folder = join(root, backend.name, 'lora-mlp');
    await saveModel(plan.model, folder, { architecture: 'mlp', input: { normalization: 'mnist' }, base: { architecture: 'mlp' } });
    const loaded = (await loadModel(folder)).model;
    expect(predict(loaded)).toEqual(unmerged);
    for (const model of [base, plan.model, merged, loaded]) model.dispose();
  });
});

describeEachBackend('LoRA and adapters on the seed CNN', () => {
  it('LoRA starts as an exact no-op; merged and unmerged, saved and loaded, all predict the same after training', async () => {
    const base = createModel('seed-cnn', { seed: 5 });
    const plan = prepareFinetune(base, { kind: 'lora', rank: 4, alpha: 8, targets: ['conv', 'dense'] }, { seed: 2 });
    expect(predict(plan.model)).toEqual(predict(base));
    const parameters = countParameters(plan.model);
    expect(parameters.trainable).toBe(4 * (9 + 32) + 4 * (288 + 64) + 4 * (1600 + 128) + (128 * 10 + 10));
    expect(parameters.fraction).toBeLessThan(0.05);
    await trainBriefly(plan, 0.01);
    const unmerged = predict(plan.model);
    expect(maxDifference(unmerged, predict(base))).toBeGreaterThan(1e-3); // training changed the function

    const merged = mergeLora(plan.model);
    expect(merged.layers.map((layer) => layer.getClassName())).toEqual(base.layers.map((layer) => layer.getClassName()));
    expect(maxDifference(predict(merged), unmerged)).toBeLessThan(1e-4);

    await saveModel(plan.model, join(root, 'lora-unmerged'), { architecture: 'seed-cnn', input: { normalization: 'mnist' }, base: { architecture: 'seed-cnn' } });
    await saveModel(merged, join(root, 'lora-merged'), { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
    expect(await readFile(join(root, 'lora-merged', 'model.json'), 'utf8')).not.toMatch(/Lora/);
    const loadedUnmerged = (await loadModel(join(root, 'lora-unmerged'))).model;
    const loadedMerged = (await loadModel(join(root, 'lora-merged'))).model;
    expect(predict(loadedUnmerged)).toEqual(unmerged);
    expect(maxDifference(predict(loadedMerged), unmerged)).toBeLessThan(1e-4);
    for (const model of [base, plan.model, merged, loadedUnmerged, loadedMerged]) model.dispose();
  });

  it('adapters start as identities after the main layer of every block, and round-trip', async () => {
    const base = createModel('seed-cnn', { seed: 6 });
    const plan = prepareFinetune(base, { kind: 'adapter', bottleneck: 8 }, { seed: 3 });
    expect(plan.model.layers.map((layer) => layer.name).filter((name) => name.endsWith('_adapter'))).toEqual(['conv1_adapter', 'conv2_adapter', 'fc1_adapter']);
    expect(predict(plan.model)).toEqual(predict(base));
    await trainBriefly(plan, 0.01);
    await saveModel(plan.model, join(root, 'adapters'), { architecture: 'seed-cnn', input: { normalization: 'mnist' } });
    const loaded = (await loadModel(join(root, 'adapters'))).model;
    expect(predict(loaded)).toEqual(predict(plan.model));
    for (const model of [base, plan.model, loaded]) model.dispose();
  });
}, { skip: tooSlowOnCpu('LoRA and adapters on seed-cnn', '"LoRA on the MLP"') });

describeEachBackend('stages and learning rates', () => {
  it('discriminative learning rates scale each group’s SGD update by factor^(distance from the head)', async () => {
    // One SGD step from the same weights on the same batch: with one learning rate the update of
    // group g is −lr·∇; with factor f it must be −lr·f^d·∇, d = groups between g and the head.
    const factor = 0.5;
    const run = (kind: 'full' | 'discriminative') => {
      const model = createModel('mlp', { seed: 8 });
      const plan = prepareFinetune(model, kind === 'full' ? { kind } : { kind, factor });
      const before = snapshot(model);
      return { model, plan, before };
    };
    const full = run('full');
    const discriminative = run('discriminative');
    expect(groupLearningRateScales(full.plan)).toBeUndefined();
    expect(groupLearningRateScales(discriminative.plan)).toEqual([0.25, 0.25, 0.5, 0.5, 1, 1]); // fc1 (k, b), fc2 (k, b), head (k, b)
    for (const { plan } of [full, discriminative]) {
      await finetune(plan, datasetBatches(subset(train, 32), { batchSize: 32, seed: 3, normalization: 'mnist' }), {
        epochs: 1,
        learningRate: 0.1,
        schedule: 'constant',
        optimizer: () => sgd({ momentum: 0 }),
      });
    }
    const distance: Record<string, number> = { fc1: 2, fc2: 1, head: 0 };
    const fullSnapshot = snapshot(full.model);
    for (const [name, after] of snapshot(discriminative.model)) {
      const start = discriminative.before.get(name)!;
      const fullAfter = fullSnapshot.get(name)!;
      const expectedScale = factor ** distance[name.split('/')[0]!]!;
      let checked = 0;
      for (let i = 0; i < after.length && checked < 200; i++) {
        const fullUpdate = fullAfter[i]! - start[i]!;
        if (Math.abs(fullUpdate) < 1e-4) continue; // too small to compare in float32
        expect((after[i]! - start[i]!) / fullUpdate).toBeCloseTo(expectedScale, 2);
        checked += 1;
      }
      expect(checked, name).toBeGreaterThan(0);
    }
    full.model.dispose();
    discriminative.model.dispose();
  });

  it('restores the best validation epoch', async () => {
    const base = createModel('mlp', { seed: 10 });
    const plan = prepareFinetune(base, { kind: 'full' });
    const validation = await mnistSlice('t10k', 64);
    const result = await expectNoLeaks(() =>
      finetune(plan, datasetBatches(train, { batchSize: 32, seed: 1, normalization: 'mnist' }), {
        epochs: 3,
        learningRate: 0.005,
        validation: () => batchesOf(validation, 64, 0),
      }),
    );
    const bestAccuracy = Math.max(...result.history.map((logs) => logs.validation!.accuracy));
    expect(result.best?.accuracy).toBe(bestAccuracy);
    expect(evaluate(plan.model, batchesOf(validation, 64, 0)).accuracy).toBe(bestAccuracy);
    base.dispose();
  });
});

describeEachBackend(
  'stages and new heads on the seed CNN',
  () => {
    it('gradual unfreezing trains the head first, then one more group per epoch towards the input', async () => {
      const base = createModel('seed-cnn', { seed: 7 });
      const plan = prepareFinetune(base, { kind: 'gradual-unfreeze' });
      expect(plan.groups.map((group) => group.name)).toEqual(['conv1', 'conv2', 'fc1', 'head']);
      expect(plan.stages.map((stage) => stage.groups)).toEqual([['head'], ['fc1', 'head'], ['conv2', 'fc1', 'head'], ['conv1', 'conv2', 'fc1', 'head']]);
      // Run three epochs (three stages) and check, epoch by epoch, which groups moved.
      const moved: string[][] = [];
      let before = snapshot(plan.model);
      const seen: string[][] = [];
      await finetune(plan, datasetBatches(train, { batchSize: 32, seed: 2, normalization: 'mnist' }), {
        epochs: 3,
        learningRate: 0.01,
        schedule: 'constant',
        onStage: ({ groups }) => seen.push(groups),
        callbacks: [
          {
            onEpochEnd: () => {
              const now = snapshot(plan.model);
              moved.push(plan.groups.map((group) => group.name).filter((group) => [...now].some(([name, values]) => name.startsWith(`${group}/`) && !sameValues(values, before.get(name)))));
              before = now;
            },
          },
        ],
      });
      expect(seen).toEqual([['head'], ['fc1', 'head'], ['conv2', 'fc1', 'head']]);
      expect(moved).toEqual(seen);
      base.dispose();
    });

    it('replaces the head when the class count changes, keeping the backbone; transfer to 5-9 learns', async () => {
      const base = createModel('seed-cnn', { seed: 9 });
      const plan = prepareFinetune(base, { kind: 'linear-probe' }, { numClasses: 5, seed: 1 });
      expect(plan.headReplaced).toBe(true);
      expect(plan.model.outputs[0]!.shape).toEqual([null, 5]);
      const kernel = (model: tfl.LayersModel) => model.weights.find((weight) => weight.originalName === 'conv2/kernel')!.read().dataSync();
      expect(kernel(plan.model)).toEqual(kernel(base));
      const renewed = prepareFinetune(base, { kind: 'full' }, { newHead: true });
      expect(renewed.headReplaced).toBe(true);
      renewed.model.dispose();
      const fives = filterClasses(await mnistSlice('train', 400), [5, 6, 7, 8, 9], { relabel: true });
      expect(countParameters(plan.model).trainable).toBe(128 * 5 + 5);
      // Fine-tune all of it on real 5-9 digits relabelled 0-4; the new 5-way head must learn them.
      const full = prepareFinetune(base, { kind: 'full' }, { numClasses: 5, seed: 1 });
      await finetune(full, datasetBatches(fives, { batchSize: 32, seed: 1, normalization: 'mnist', numClasses: 5 }), { epochs: 3, learningRate: 0.003 });
      const accuracy = evaluate(full.model, datasetBatches(fives, { batchSize: 100, shuffle: false, normalization: 'mnist', numClasses: 5 })(0), { numClasses: 5 }).accuracy;
      expect(accuracy).toBeGreaterThan(0.5); // 5 classes: chance is 0.2
      full.model.dispose();
      plan.model.dispose();
      base.dispose();
    });
  },
  { skip: tooSlowOnCpu('gradual unfreezing and the 5-9 transfer (3 epochs of seed-cnn each)', '"freezing strategies" (gradual-unfreeze, first stage) and "stages and learning rates"') },
);

describeEachBackend('fine-tuning errors', () => {
  it('say what is wrong and what is valid', () => {
    const model = createModel('seed-cnn', { seed: 1 });
    expect(() => prepareFinetune(model, { kind: 'freeze', layers: ['conv9'] })).toThrow(/Unknown layer or group "conv9" in freeze\. Layer groups: conv1, conv2, fc1, head; layers: conv1, pool1/);
    expect(() => prepareFinetune(model, { kind: 'lora', rank: 0 })).toThrow(/LoRA rank must be a positive integer.*got 0/);
    expect(() => prepareFinetune(model, { kind: 'lora', rank: 2, targets: ['pool1'] })).toThrow(/"pool1" is a MaxPooling2D; LoRA wraps Dense and Conv2D layers only/);
    expect(() => prepareFinetune(model, { kind: 'adapter', bottleneck: -1 })).toThrow(/bottleneck must be a positive integer/);
    expect(() => prepareFinetune(model, { kind: 'discriminative', factor: 2 })).toThrow(/factor must be in \(0, 1\].*got 2/);
    expect(() => prepareFinetune(model, { kind: 'nope' } as never)).toThrow(/Unknown fine-tuning strategy "nope"\. Should be one of: full, linear-probe/);
    expect(() => prepareFinetune(model, { kind: 'full' }, { numClasses: 0 })).toThrow(/numClasses must be a positive integer, got 0/);
    expect(() => enterStage(prepareFinetune(model, { kind: 'full' }), 3)).toThrow(/this plan has 1 stage/);
    model.dispose();
  });

  it('mismatched class counts fail before training, saying how to fix them', async () => {
    const model = createModel('mlp', { seed: 1 });
    const plan = prepareFinetune(model, { kind: 'full' }, { numClasses: 5 });
    const tenWide = datasetBatches(train, { batchSize: 32, normalization: 'mnist' });
    await expectNoLeaks(() => expect(finetune(plan, tenWide, { epochs: 1, learningRate: 0.01 })).rejects.toThrow(/The data has 10 classes \(one-hot width\) but the model outputs 5 classes\. Pass numClasses: 10 to prepareFinetune/));
    await expect(finetune(plan, () => [], { epochs: 1, learningRate: 0.01, schedule: 'constant' })).rejects.toThrow(/yielded no batches/);
    plan.model.dispose();
    model.dispose();
  });
});

function subset(dataset: DigitDataset, count: number): DigitDataset {
  return { images: dataset.images.subarray(0, count * 784), labels: dataset.labels.subarray(0, count), size: count };
}
