import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@digitlab/models';
import { afterAll, expect, it } from 'vitest';
import { describeEachBackend, tooSlowOnCpu } from './__fixtures__/backend.js';
import { batchesOf, mnistSlice } from './__fixtures__/mnist.js';
import type { Callback } from './callbacks.js';
import { readCheckpoint, readWeightAverage } from './node/checkpoint-folder.js';
import { NonFiniteLossError, TrainerOptionError } from './errors.js';
import { evaluate } from './evaluate.js';
import { fit, type FitOptions } from './node/fit.js';
import { adam } from './optimizers/adam.js';
import { sgd } from './optimizers/sgd.js';

const directory = mkdtempSync(join(tmpdir(), 'digitlab-fit-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const train = await mnistSlice('train', 192);
const validation = await mnistSlice('train', 128, 50_000);
const batchSize = 32;
const stepsPerEpoch = 192 / batchSize;
const source = (seed: number) => (epoch: number) => batchesOf(train, batchSize, seed, epoch);
// Sized for the cpu backend (about 5x slower than wasm on the MLP here): 2 steps per epoch.
const few = await mnistSlice('train', 64);
const fewValidation = await mnistSlice('train', 64, 50_000);

/** Trains the dropout MLP for 2 epochs of adam + one-cycle (on `data`, 192 images unless given); returns the final weights as arrays. */
async function run({ modelSeed = 1, runSeed = 7, extra = {} as Partial<FitOptions>, model = createModel('mlp', { seed: modelSeed }), data = train, validate = validation } = {}) {
  const optimizer = adam({ beta1: 0.7, beta2: 0.9 });
  // Disposed even when fit refuses its options: the suite fails any test that leaves tensors alive.
  try {
    const result = await fit(model, (epoch) => batchesOf(data, batchSize, 0, epoch), {
      epochs: 2,
      optimizer,
      schedule: { kind: 'one-cycle', learningRate: 0.005, totalSteps: (2 * data.size) / batchSize },
      seed: runSeed,
      validation: () => batchesOf(validate, 64),
      ...extra,
    });
    return { result, weights: model.getWeights().map((w) => Array.from(w.dataSync())) };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

const heavyOnCpu = tooSlowOnCpu('12 to 60 MLP steps per test', '"fit, a few steps"');

describeEachBackend('fit, a few steps (sized for every backend)', (backend) => {
  it('trains 4 steps, and a run stopped mid-epoch resumes from last/ to the same weights bit for bit', async () => {
    const uninterrupted = await run({ data: few, validate: fewValidation });
    expect(uninterrupted.result.step).toBe(4);
    expect(uninterrupted.result.history.map((epoch) => Number.isFinite(epoch.validation!.loss))).toEqual([true, true]);
    const checkpointDirectory = join(directory, backend.name, 'resume-few');
    const stopMidEpoch: Callback = { onBatchEnd: (logs, control) => (logs.step === 3 ? control.stop('mid') : undefined) };
    const interrupted = await run({ data: few, validate: fewValidation, extra: { checkpointDirectory, callbacks: [stopMidEpoch] } });
    expect(interrupted.result.stopReason).toBeDefined();
    expect(interrupted.weights).not.toEqual(uninterrupted.weights);
    const resumed = await run({ data: few, validate: fewValidation, modelSeed: 99, extra: { checkpointDirectory, resumeFrom: join(checkpointDirectory, 'last') } });
    expect(resumed.result.step).toBe(4);
    expect(resumed.weights).toEqual(uninterrupted.weights);
  });
});

describeEachBackend('fit', (backend) => {
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
      const checkpointDirectory = join(directory, backend.name, `resume-${name}`);
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
    const checkpointDirectory = join(directory, backend.name, 'early');
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
    const checkpointDirectory = join(directory, backend.name, 'nan');
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
}, { skip: heavyOnCpu });

describeEachBackend('fit with a moving average of the weights (ema)', (backend) => {
  const decay = 0.9;

  it('averages every weight with the warm-up decay, validates and selects with the average, and leaves it in the model', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const checkpointDirectory = join(directory, backend.name, 'ema');
    const model = createModel('mlp', { seed: 1 });
    // The average in float64 from the raw weights after every step, as weight-average.ts defines it.
    let expected = model.getWeights().map((w) => Float64Array.from(w.dataSync()));
    let raw: Float32Array[] = [];
    const record: Callback = {
      onBatchEnd: (logs) => {
        raw = model.getWeights().map((w) => w.dataSync() as Float32Array);
        const d = Math.min(decay, (1 + logs.step) / (10 + logs.step));
        expected = expected.map((shadow, i) => shadow.map((value, j) => d * value + (1 - d) * raw[i]![j]!));
      },
    };
    const optimizer = adam({ beta1: 0.7, beta2: 0.9 });
    const result = await fit(model, source(0), {
      epochs: 2,
      optimizer,
      schedule: { kind: 'one-cycle', learningRate: 0.005, totalSteps: 2 * stepsPerEpoch },
      seed: 7,
      validation: () => batchesOf(validation, 64),
      checkpointDirectory,
      ema: decay,
      callbacks: [record],
    });
    const averaged = model.getWeights().map((w) => w.dataSync() as Float32Array);
    averaged.forEach((values, i) => {
      let [scale, error] = [0, 0];
      values.forEach((value, j) => {
        scale = Math.max(scale, Math.abs(expected[i]![j]!));
        error = Math.max(error, Math.abs(value - expected[i]![j]!));
      });
      expect(error / scale, `weight ${i}`).toBeLessThan(1e-5);
    });
    // The average is not the last step's weights (the comparison above would pass vacuously if it were).
    expect(averaged.some((values, i) => values.some((value, j) => value !== raw[i]![j]))).toBe(true);
    // The last epoch was validated on exactly these weights.
    const again = evaluate(model, batchesOf(validation, 64));
    expect(again.loss).toBeCloseTo(result.history[1]!.validation!.loss, 6);
    // last/ keeps the raw weights and the average; best/ was written from the average.
    const saved = await readWeightAverage(join(checkpointDirectory, 'last'));
    expect(saved?.decay).toBe(decay);
    saved!.values.forEach((tensor, i) => expect(Array.from(tensor.dataSync())).toEqual(Array.from(averaged[i]!)));
    tf.dispose(saved!.values);
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('resumes the average with the weights (equal to the uninterrupted run) and refuses another ema setting', async () => {
    const uninterrupted = await run({ extra: { ema: decay } });
    const checkpointDirectory = join(directory, backend.name, 'ema-resume');
    const stopMidEpoch: Callback = { onBatchEnd: (logs, control) => (logs.step === stepsPerEpoch + 2 ? control.stop('mid') : undefined) };
    await run({ extra: { ema: decay, checkpointDirectory, callbacks: [stopMidEpoch] } });
    const resumed = await run({ modelSeed: 99, extra: { ema: decay, checkpointDirectory, resumeFrom: join(checkpointDirectory, 'last') } });
    expect(resumed.weights).toEqual(uninterrupted.weights);
    const plain = await run();
    expect(plain.weights).not.toEqual(uninterrupted.weights);
    for (const ema of [undefined, 0.99]) {
      const refused = await run({ extra: { ...(ema === undefined ? {} : { ema }), resumeFrom: join(checkpointDirectory, 'last') } }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TrainerOptionError);
      expect((refused as Error).message).toMatch(/with a weight average \(ema 0\.9\).*Pass the same ema setting/);
    }
    const bad = await run({ extra: { ema: 1 } }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(TrainerOptionError);
    expect((bad as Error).message).toContain('ema decay must be a number between 0 and 1');
  });
}, { skip: heavyOnCpu });
