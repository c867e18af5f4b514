import * as tf from '@tensorflow/tfjs-core';
import { expectNoTensorLeaks } from '@digitlab/backend';
import { confusionMatrix, evaluate } from '@digitlab/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistSlice, pretrained, useTestBackend } from '../__fixtures__/test-models.js';
import { confusionCells } from './confusion-cells.js';
import { predictAll } from './predictions.js';

beforeAll(useTestBackend);

describe('confusionCells', () => {
  it("holds exactly the mistakes evaluate lists, and trainer's counts, on 2,000 real test digits", async () => {
    const { model } = await pretrained('fast-cnn');
    const { images, labels } = mnistSlice(2000, 0);
    const predictions = await expectNoTensorLeaks(() => predictAll(model, images, 300), 'predictAll');
    const cells = confusionCells(labels, predictions.predicted);
    expect(cells.counts).toEqual(confusionMatrix(labels, predictions.predicted));

    const batches = Array.from({ length: 4 }, (_, b) => ({ xs: tf.slice(images, b * 500, 500), ys: tf.tensor1d(labels.slice(b * 500, (b + 1) * 500), 'int32'), size: 500 }));
    const evaluation = evaluate(model, batches);
    const fromCells = cells.indices.flatMap((row, truth) => row.flatMap((cell, guess) => (truth === guess ? [] : cell.map((index) => ({ index, truth, guess })))));
    const fromEvaluate = evaluation.misclassified.map(({ index, label, predicted }) => ({ index, truth: label, guess: predicted }));
    const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
    expect(fromCells.sort(byIndex)).toEqual(fromEvaluate.sort(byIndex));
    expect(fromCells.length).toBeGreaterThan(5); // fast-cnn makes about 1% mistakes
    for (const { index, guess } of fromCells) {
      const row = predictions.probabilities.subarray(index * 10, index * 10 + 10);
      expect(row.indexOf(Math.max(...row))).toBe(guess);
    }
    images.dispose();
  });

  it('names an out-of-range class and its index', () => {
    expect(() => confusionCells([1, 12], [1, 1])).toThrow(/class 12 → 1 at index 1 is outside 0..9/);
    expect(() => confusionCells([1], [1, 2])).toThrow(/1 labels but 2 predictions/);
  });
});
