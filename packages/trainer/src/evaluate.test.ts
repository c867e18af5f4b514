import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@digitlab/models';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeaks, tooSlowOnCpu } from './__fixtures__/backend.js';
import { batchesOf, mnistSlice } from './__fixtures__/mnist.js';
import { createEnsemble, evaluateEnsemble } from './ensemble.js';
import { evaluate } from './evaluate.js';
import { fit } from './fit.js';
import { adam } from './optimizers/adam.js';

const train = await mnistSlice('train', 256);
const test = await mnistSlice('t10k', 200);

/** The MLP after `epochs` epochs of Adam on the 256 training digits (8 steps each). */
async function trainedMlp(seed: number, epochs = 2) {
  const model = createModel('mlp', { seed });
  const optimizer = adam();
  await fit(model, (epoch) => batchesOf(train, 32, seed, epoch), { epochs, optimizer, schedule: { kind: 'constant', learningRate: 2e-3 }, seed });
  optimizer.dispose();
  return model;
}

/** evaluate() on the 200 test digits against the same figures worked out by hand from the raw predictions. */
async function expectEvaluateMatchesArgmax(model: tfl.LayersModel, minimumAccuracy: number) {
  const evaluation = await expectNoLeaks(() => evaluate(model, batchesOf(test, 64)));
  // The same numbers by hand from the raw predictions.
  const [xs, ys] = (() => {
    const all = [...batchesOf(test, 200)][0]!;
    return [all.xs, all.ys] as const;
  })();
  const predicted = tf.tidy(() => Array.from(tf.argMax(model.predict(xs) as tf.Tensor, -1).dataSync()));
  const truth = tf.tidy(() => Array.from(tf.argMax(ys, -1).dataSync()));
  const correct = predicted.filter((p, i) => p === truth[i]).length;
  expect(evaluation.size).toBe(200);
  expect(evaluation.accuracy).toBeCloseTo(correct / 200, 12);
  expect(evaluation.accuracy).toBeGreaterThan(minimumAccuracy); // chance is 0.1
  expect(evaluation.confusionMatrix[truth[0]!]![predicted[0]!]).toBeGreaterThan(0);
  expect(evaluation.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(200);
  expect(Number.isFinite(evaluation.loss)).toBe(true);
  // Every wrong prediction listed once, in data order, with its softmax probabilities.
  const wrong = predicted.flatMap((p, i) => (p === truth[i] ? [] : [i]));
  expect(wrong.length).toBeGreaterThan(0);
  expect(evaluation.misclassified.map((m) => m.index)).toEqual(wrong);
  const probabilities = tf.tidy(() => tf.softmax(model.predict(xs) as tf.Tensor).arraySync() as number[][]);
  for (const entry of evaluation.misclassified) {
    expect(entry.label).toBe(truth[entry.index]);
    expect(entry.predicted).toBe(predicted[entry.index]);
    expect(entry.probability).toBeCloseTo(probabilities[entry.index]![entry.predicted]!, 5);
    expect(entry.labelProbability).toBeCloseTo(probabilities[entry.index]![entry.label]!, 5);
    expect(entry.probability).toBeGreaterThanOrEqual(entry.labelProbability);
  }
  tf.dispose([xs, ys]);
}

describeEachBackend('evaluate (sized for every backend)', () => {
  it('counts what argmax of the predictions says, without leaking, for an MLP trained one epoch', async () => {
    const model = await trainedMlp(1, 1);
    await expectEvaluateMatchesArgmax(model, 0.3);
    model.dispose();
  });
});

describeEachBackend('evaluate and ensembles on real MNIST', () => {
  it('evaluate counts what argmax of the predictions says, without leaking, for an MLP trained two epochs', async () => {
    const model = await trainedMlp(1);
    await expectEvaluateMatchesArgmax(model, 0.6);
    model.dispose();
  });

  it('an ensemble averages softmax probabilities and evaluates like one model', async () => {
    const members = [await trainedMlp(1), await trainedMlp(2)];
    const ensemble = createEnsemble(members);
    const batches = [...batchesOf(test, 50)];
    const batch = batches[0]!;
    const [combined, byHand] = tf.tidy(() => {
      const p = members.map((m) => tf.softmax(m.predict(batch.xs) as tf.Tensor).arraySync() as number[][]);
      const mean = p[0]!.map((row, i) => row.map((v, k) => (v + p[1]![i]![k]!) / 2));
      return [tf.softmax(ensemble.predict(batch.xs) as tf.Tensor).arraySync() as number[][], mean];
    });
    combined.forEach((row, i) => row.forEach((v, k) => expect(v).toBeCloseTo(byHand[i]![k]!, 5)));
    tf.dispose(batches.flatMap((each) => [each.xs, each.ys]));

    const alone = members.map((m) => evaluate(m, batchesOf(test, 100)).loss);
    const together = await expectNoLeaks(() => evaluate(ensemble, batchesOf(test, 100)));
    expect(together.size).toBe(200);
    // Cross-entropy is convex in the probabilities: the mixture's loss is at most the mean of the members'.
    expect(together.loss).toBeLessThanOrEqual((alone[0]! + alone[1]!) / 2 + 1e-6);
    expect(() => createEnsemble([])).toThrow(/at least one model/);

    // evaluateEnsemble: the same ensemble figures and each member's own, from one pass.
    const both = await expectNoLeaks(() => evaluateEnsemble(members, batchesOf(test, 64)));
    const ensembleAlone = evaluate(ensemble, batchesOf(test, 64));
    expect(both.accuracy).toBe(ensembleAlone.accuracy);
    expect(both.loss).toBeCloseTo(ensembleAlone.loss, 5);
    expect(both.confusionMatrix).toEqual(ensembleAlone.confusionMatrix);
    expect(both.misclassified.map((m) => m.index)).toEqual(ensembleAlone.misclassified.map((m) => m.index));
    expect(both.members).toHaveLength(2);
    both.members.forEach((result, m) => {
      const single = evaluate(members[m]!, batchesOf(test, 64));
      expect(result.accuracy).toBe(single.accuracy);
      expect(result.loss).toBeCloseTo(single.loss, 5);
      expect(result.misclassified).toEqual(single.misclassified);
    });
    const wrong = both.members.map((result) => new Set(result.misclassified.map((m) => m.index)));
    const shared = [...Array(200).keys()].filter((i) => wrong[0]!.has(i) && wrong[1]!.has(i));
    expect(shared.length).toBeGreaterThan(0); // two small MLPs share some mistakes on 200 test digits
    expect(both.wrongInEveryMember).toEqual(shared);
    expect(() => evaluateEnsemble([], batchesOf(test, 64))).toThrow(/evaluateEnsemble needs at least one model/);
    members.forEach((m) => m.dispose());
  });
}, { skip: tooSlowOnCpu('training two MLPs for 16 steps each', '"evaluate" (one MLP, 8 steps)') });
