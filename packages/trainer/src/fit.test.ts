import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@digitlab/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from './__fixtures__/backend.js';
import { batchesOf, mnistSlice } from './__fixtures__/mnist.js';
import type { Callback } from './callbacks.js';
import { readCheckpoint } from './checkpoint.js';
import { NonFiniteLossError } from './errors.js';
import { fit, type FitOptions } from './fit.js';
import { adam } from './optimizers/adam.js';
import { sgd } from './optimizers/sgd.js';

beforeAll(useTestBackend);
const directory = mkdtempSync(join(tmpdir(), 'digitlab-fit-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const train = await mnistSlice('train', 192);
const validation = await mnistSlice('train', 128, 50_000);
const batchSize = 32;
const stepsPerEpoch = 192 / batchSize;
const source = (seed: number) => (epoch: number) => batchesOf(train, batchSize, seed, epoch);

/** Trains the dropout MLP for 2 epochs of adam + one-cycle; returns the final weights as arrays. */
async function run({ modelSeed = 1, runSeed = 7, extra = {} as Partial<FitOptions>, model = createModel('mlp', { seed: modelSeed }) } = {}) {
  const optimizer = adam({ beta1: 0.7, beta2: 0.9 });
  const result = await fit(model, source(0), {
    epochs: 2,
    optimizer,
    schedule: { kind: 'one-cycle', learningRate: 0.005, totalSteps: 2 * stepsPerEpoch },
    seed: runSeed,
    validation: () => batchesOf(validation, 64),
    ...extra,
  });
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  optimizer.dispose();
  model.dispose();
  return { result, weights };
}

describe('fit', () => {
  it('same seed gives the same weights; another run seed (dropout masks) gives different ones', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const first = await run();
    const again = await run();
    const other = await run({ runSeed: 8 });
    expect(again.weights).toEqual(first.weights);
    expect(other.weights).not.toEqual(first.weights);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(first.result.history).toHaveLength(2);
    expect(first.result.history[1]!.validation!.accuracy).toBeGreaterThan(0.5);
  });

  it('resuming from last/ (after an epoch, or mid-epoch) equals the uninterrupted run', async () => {
    const uninterrupted = await run();
    const stopAfterEpoch: Callback = { onEpochEnd: (_logs, control) => control.stop('test stop') };
    const stopMidEpoch: Callback = { onBatchEnd: (logs, control) => (logs.step === stepsPerEpoch + 2 ? control.stop('mid') : undefined) };
    for (const [name, callback] of [['epoch', stopAfterEpoch], ['mid', stopMidEpoch]] as const) {
      const checkpointDirectory = join(directory, `resume-${name}`);
      const interrupted = await run({ extra: { checkpointDirectory, callbacks: [callback] } });
      expect(interrupted.result.stopReason).toBeDefined();
      const saved = await readCheckpoint(join(checkpointDirectory, 'last'));
      tf.dispose(Object.values(saved.slots));
      expect(saved.state.step).toBe(name === 'epoch' ? stepsPerEpoch : stepsPerEpoch + 2);
      // A model built with another init seed: everything must come from the checkpoint.
      const resumed = await run({ modelSeed: 99, extra: { checkpointDirectory, resumeFrom: join(checkpointDirectory, 'last') } });
      expect(resumed.result.step).toBe(2 * stepsPerEpoch);
      expect(resumed.weights).toEqual(uninterrupted.weights);
    }
  });

  it('writes best/ on validation improvements and stops early when the metric stalls', async () => {
    const checkpointDirectory = join(directory, 'early');
    const model = createModel('mlp', { seed: 1 });
    const optimizer = sgd();
    const result = await fit(model, source(0), {
      epochs: 5,
      optimizer,
      // A rate too small to move the predictions: validation accuracy cannot improve after epoch 1.
      schedule: { kind: 'constant', learningRate: 1e-12 },
      validation: () => batchesOf(validation, 64),
      earlyStopping: { patience: 2 },
      checkpointDirectory,
    });
    expect(result.epochs).toBe(3);
    expect(result.stopReason).toMatch(/early stopping: validation accuracy did not improve for 2 epochs/);
    expect(result.best).toMatchObject({ metric: 'validation.accuracy', epoch: 1 });
    expect(result.history.map((h) => h.improved)).toEqual([true, false, false]);
    const best = await readCheckpoint(join(checkpointDirectory, 'best'));
    const last = await readCheckpoint(join(checkpointDirectory, 'last'));
    tf.dispose([...Object.values(best.slots), ...Object.values(last.slots)]);
    expect([best.state.epoch, last.state.epoch]).toEqual([1, 3]);
    optimizer.dispose();
    model.dispose();
  });

  it('stops on a diverging step with an error naming it, and keeps the last good checkpoint', async () => {
    const checkpointDirectory = join(directory, 'nan');
    const model = createModel('mlp', { seed: 1 });
    const optimizer = sgd({ momentum: 0 });
    // Epoch 1 is sane; from epoch 2 on the rate is 1e30 and the weights blow up.
    const failure = await fit(model, source(0), {
      epochs: 3,
      optimizer,
      schedule: { kind: 'step', learningRate: 0.01, stepSize: stepsPerEpoch, gamma: 1e32 },
      checkpointDirectory,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NonFiniteLossError);
    const error = failure as NonFiniteLossError;
    expect(error.step).toBeGreaterThan(stepsPerEpoch);
    expect(error.message).toContain(`training diverged at step ${error.step} (epoch 2)`);
    expect(error.message).toContain(join(checkpointDirectory, 'last'));
    const last = await readCheckpoint(join(checkpointDirectory, 'last'));
    tf.dispose(Object.values(last.slots));
    expect(last.state).toMatchObject({ epoch: 1, step: stepsPerEpoch });
    expect(existsSync(join(checkpointDirectory, 'last', 'model.json'))).toBe(true);
    optimizer.dispose();
    model.dispose();
  });
});
