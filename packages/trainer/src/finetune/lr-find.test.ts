import { createModel } from '@digitlab/models';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeaks, tooSlowOnCpu } from '../__fixtures__/backend.js';
import { mnistSlice } from '../__fixtures__/mnist.js';
import { datasetBatches } from '../dataset-source.js';
import { formatLrFindPlot, lrFind, suggest } from './lr-find.js';

const train = await mnistSlice('train', 256);

describeEachBackend(
  'lrFind, the full sweep',
  () => {
    it('sweeps the learning rate exponentially on real digits, stops when the loss diverges, and restores every weight', async () => {
      const model = createModel('mlp', { seed: 1 });
      const before = model.weights.map((weight) => weight.read().dataSync().slice());
      const batches = datasetBatches(train, { batchSize: 32, seed: 0, normalization: 'mnist' });
      const result = await expectNoLeaks(() => lrFind(model, batches, { startLearningRate: 1e-5, endLearningRate: 100, steps: 60 }));
      // 8 batches per epoch: the sweep crossed epochs, and diverged before lr = 100.
      expect(result.points.length).toBeGreaterThan(8);
      expect(result.points.length).toBeLessThan(60);
      expect(result.stopReason).toMatch(/exceeded 4x its minimum|the loss became/);
      const ratios = result.points.slice(1).map((point, index) => point.learningRate / result.points[index]!.learningRate);
      for (const ratio of ratios) expect(ratio).toBeCloseTo((100 / 1e-5) ** (1 / 59), 6);
      expect(result.points[0]!.learningRate).toBeCloseTo(1e-5, 12);
      // The loss fell somewhere along the way, and the suggestion lies inside the swept range, below the divergence.
      const lowest = Math.min(...result.points.map((point) => point.smoothedLoss));
      expect(lowest).toBeLessThan(result.points[0]!.smoothedLoss);
      expect(result.suggestion).toBeGreaterThan(1e-5);
      expect(result.suggestion).toBeLessThan(result.points[result.points.length - 1]!.learningRate);
      model.weights.forEach((weight, index) => expect(weight.read().dataSync()).toEqual(before[index]));
      const plot = formatLrFindPlot(result);
      expect(plot).toContain('*');
      expect(plot).toMatch(/suggested lr \d\.\d\de[-+]\d/);
      model.dispose();
    });
  },
  { skip: tooSlowOnCpu('up to 60 MLP steps', '"lrFind" (a 6-step sweep)') },
);

describeEachBackend('lrFind', () => {
  it('a short sweep on real digits: exponential rates across an epoch boundary, every weight restored, nothing leaked', async () => {
    const model = createModel('mlp', { seed: 1 });
    const before = model.weights.map((weight) => weight.read().dataSync().slice());
    // 64 images in batches of 32: two batches per epoch, so 6 steps cross two epoch boundaries.
    const batches = datasetBatches(await mnistSlice('train', 64), { batchSize: 32, seed: 0, normalization: 'mnist' });
    const result = await expectNoLeaks(() => lrFind(model, batches, { startLearningRate: 1e-4, endLearningRate: 1e-2, steps: 6 }));
    expect(result.points.map((point) => point.step)).toEqual([0, 1, 2, 3, 4, 5]);
    result.points.forEach((point, index) => expect(point.learningRate).toBeCloseTo(1e-4 * 10 ** ((2 * index) / 5), 12));
    expect(result.points.every((point) => Number.isFinite(point.loss))).toBe(true);
    model.weights.forEach((weight, index) => expect(weight.read().dataSync()).toEqual(before[index]));
    model.dispose();
  });

  it('suggests the steepest descent of the smoothed loss, or min/10 without a slope', () => {
    // loss = 2 − tanh-like drop centred at lr 1e-2, rising after 1e-1.
    const points = Array.from({ length: 41 }, (_, step) => {
      const learningRate = 10 ** (-5 + step * 0.125);
      const x = Math.log10(learningRate);
      const smoothedLoss = 2 - Math.tanh((x + 2) * 2) + (x > -1 ? (x + 1) ** 2 * 5 : 0);
      return { step, learningRate, loss: smoothedLoss, smoothedLoss };
    });
    const result = suggest(points);
    expect(Math.log10(result.steepest!)).toBeCloseTo(-2, 0);
    const lowest = points.reduce((a, b) => (b.smoothedLoss < a.smoothedLoss ? b : a));
    expect(result.minimumOverTen).toBeCloseTo(lowest.learningRate / 10, 12);
    expect(suggest(points.slice(0, 1)).suggestion).toBeCloseTo(points[0]!.learningRate / 10, 12);
    expect(() => suggest([])).toThrow(/Lower the start learning rate/);
  });

  it('rejects bad ranges and empty data, leaking nothing', async () => {
    const model = createModel('mlp', { seed: 1 });
    const none = () => [];
    expect(() => lrFind(model, none, { startLearningRate: 1, endLearningRate: 0.1 })).toThrow(/0 < start < end/);
    expect(() => lrFind(model, none, { steps: 1 })).toThrow(/steps must be an integer >= 2/);
    await expectNoLeaks(() => expect(() => lrFind(model, none)).toThrow(/yielded no batches/));
    model.dispose();
  });
});
