/**
 * The learning-rate range test (Smith 2017, fastai's `lr_find`): train for a few hundred steps
 * while the learning rate grows exponentially from `start` to `end`, record the smoothed loss,
 * stop once it diverges, and suggest a rate. The model's weights are restored afterwards.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { NonFiniteLossError } from '../errors.js';
import type { BatchSource } from '../fit.js';
import { sgd } from '../optimizers/sgd.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { trainStep, type Batch } from '../train-step.js';
import { FinetuneError } from './finetune-error.js';

/** Options of {@link lrFind}. */
export interface LrFindOptions {
  /** Default 1e-7. */
  startLearningRate?: number;
  /** Default 10. */
  endLearningRate?: number;
  /** Steps of the sweep (the rate reaches `end` at the last); default 100. */
  steps?: number;
  /** β of the loss's exponential moving average (debiased); default 0.98, as fastai. */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this many times its minimum; default 4, as fastai. */
  divergeFactor?: number;
  /** The optimizer to probe with; default SGD with momentum 0.9. It is disposed at the end. */
  optimizer?: Optimizer;
  /** Per-variable learning-rate multipliers (discriminative fine-tuning). */
  learningRateScales?: readonly number[];
  /** Dropout masks; default 0. */
  seed?: number;
}

/** One step of the sweep. */
export interface LrFindPoint {
  step: number;
  learningRate: number;
  loss: number;
  smoothedLoss: number;
}

/** What {@link lrFind} returns. */
export interface LrFindResult {
  points: LrFindPoint[];
  /** The suggested learning rate: the steepest descent of the smoothed loss (per log-lr), or `minimumOverTen` when the curve is too short to have a slope. */
  suggestion: number;
  /** Where the smoothed loss falls fastest against log(lr). */
  steepest: number | undefined;
  /** The learning rate of the lowest smoothed loss, divided by 10 (fastai's other rule). */
  minimumOverTen: number;
  /** Why the sweep ended before `steps`, if it did. */
  stopReason?: string;
}

/**
 * Runs the range test on `model` with batches from `train` (epochs 0, 1, ... as needed) and
 * restores every weight (batch-norm statistics too) to its value before the call.
 * @throws FinetuneError for bad options
 */
export function lrFind(model: tfl.LayersModel, train: BatchSource, options: LrFindOptions = {}): LrFindResult {
  const { startLearningRate = 1e-7, endLearningRate = 10, steps = 100, smoothing = 0.98, divergeFactor = 4, seed = 0 } = options;
  if (!(startLearningRate > 0 && endLearningRate > startLearningRate && Number.isFinite(endLearningRate))) {
    throw new FinetuneError(`lrFind needs 0 < start < end, got start ${startLearningRate}, end ${endLearningRate}`);
  }
  if (!Number.isInteger(steps) || steps < 2) throw new FinetuneError(`lrFind steps must be an integer >= 2 (typical: 100-300), got ${JSON.stringify(steps)}`);
  if (!(smoothing >= 0 && smoothing < 1)) throw new FinetuneError(`lrFind smoothing must be in [0, 1), got ${JSON.stringify(smoothing)}`);
  if (!(divergeFactor > 1)) throw new FinetuneError(`lrFind divergeFactor must be above 1, got ${JSON.stringify(divergeFactor)}`);
  const optimizer = options.optimizer ?? sgd({ momentum: 0.9 });
  const saved = model.weights.map((weight) => tf.clone(weight.read()));
  const points: LrFindPoint[] = [];
  let stopReason: string | undefined;
  try {
    let average = 0;
    let minimum = Infinity;
    let epoch = 0;
    sweep: while (points.length < steps) {
      let yielded = false;
      for (const batch of train(epoch)) {
        yielded = true;
        if (points.length >= steps || stopReason !== undefined) {
          dispose(batch);
          continue;
        }
        const step = points.length;
        const learningRate = startLearningRate * (endLearningRate / startLearningRate) ** (step / (steps - 1));
        let loss: number;
        try {
          loss = trainStep(model, batch, optimizer, {
            learningRate,
            step,
            seed,
            ...(options.learningRateScales ? { learningRateScales: options.learningRateScales } : {}),
          }).loss;
        } catch (error) {
          if (!(error instanceof NonFiniteLossError)) throw error;
          stopReason = `the loss became ${error.value} at lr ${learningRate.toExponential(2)}`;
          continue;
        } finally {
          dispose(batch);
        }
        average = smoothing * average + (1 - smoothing) * loss;
        const smoothedLoss = average / (1 - smoothing ** (step + 1));
        points.push({ step, learningRate, loss, smoothedLoss });
        minimum = Math.min(minimum, smoothedLoss);
        if (step > 0 && smoothedLoss > divergeFactor * minimum) stopReason = `the smoothed loss ${smoothedLoss.toFixed(3)} exceeded ${divergeFactor}x its minimum ${minimum.toFixed(3)} at lr ${learningRate.toExponential(2)}`;
      }
      if (!yielded) throw new FinetuneError('lrFind: the batch source yielded no batches; give it at least one image');
      if (stopReason !== undefined) break sweep;
      epoch += 1;
    }
  } finally {
    model.weights.forEach((weight, index) => weight.write(saved[index]!));
    tf.dispose(saved);
    optimizer.dispose();
  }
  return { points, ...suggest(points), ...(stopReason ? { stopReason } : {}) };
}

/** fastai's two rules on the smoothed curve. @internal */
export function suggest(points: readonly LrFindPoint[]): Pick<LrFindResult, 'suggestion' | 'steepest' | 'minimumOverTen'> {
  if (points.length === 0) throw new FinetuneError('lrFind recorded no step: the very first step diverged. Lower the start learning rate.');
  let lowest = points[0]!;
  for (const point of points) if (point.smoothedLoss < lowest.smoothedLoss) lowest = point;
  const minimumOverTen = lowest.learningRate / 10;
  // The slope d(loss)/d(log lr) by central differences, up to the minimum (beyond it the curve rises).
  let steepest: number | undefined;
  let steepestSlope = 0;
  const end = points.indexOf(lowest);
  // The first tenth of the sweep is mostly the moving average warming up: skip it, as fastai does.
  for (let i = Math.max(1, Math.floor(points.length / 10)); i < end; i++) {
    const before = points[i - 1]!;
    const after = points[i + 1]!;
    const slope = (after.smoothedLoss - before.smoothedLoss) / (Math.log(after.learningRate) - Math.log(before.learningRate));
    if (slope < steepestSlope) {
      steepestSlope = slope;
      steepest = points[i]!.learningRate;
    }
  }
  return { suggestion: steepest ?? minimumOverTen, steepest, minimumOverTen };
}

function dispose(batch: Batch): void {
  batch.xs.dispose();
  batch.ys.dispose();
}

/**
 * The curve as a small text plot: smoothed loss (rows) against log10(lr) (columns), with the
 * suggestion marked `|`. For terminals and logs.
 */
export function formatLrFindPlot(result: LrFindResult, { width = 60, height = 12 } = {}): string {
  const { points } = result;
  if (points.length === 0) return '(no points)';
  const xs = points.map((point) => Math.log10(point.learningRate));
  const ys = points.map((point) => point.smoothedLoss);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  // The divergent tail would squash the interesting part: cap the axis at twice the starting loss.
  const yMin = Math.min(...ys);
  const yMax = Math.min(Math.max(...ys), Math.max(2 * ys[0]!, yMin + 1e-6));
  const column = (x: number) => Math.round(((x - xMin) / (xMax - xMin || 1)) * (width - 1));
  const row = (y: number) => height - 1 - Math.round(((Math.min(y, yMax) - yMin) / (yMax - yMin || 1)) * (height - 1));
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const mark = column(Math.log10(result.suggestion));
  for (const line of grid) if (mark >= 0 && mark < width) line[mark] = '|';
  xs.forEach((x, index) => {
    grid[row(ys[index]!)]![column(x)] = '*';
  });
  const label = (value: number) => value.toFixed(3).padStart(8);
  const lines = grid.map((line, index) => `${index === 0 ? label(yMax) : index === height - 1 ? label(yMin) : ' '.repeat(8)} ┤${line.join('')}`);
  lines.push(`${' '.repeat(9)}└${'─'.repeat(width)}`);
  const left = `lr ${points[0]!.learningRate.toExponential(0)}`;
  const right = points[points.length - 1]!.learningRate.toExponential(0);
  lines.push(`${' '.repeat(10)}${left}${' '.repeat(Math.max(1, width - left.length - right.length))}${right}`);
  lines.push(`${' '.repeat(10)}| suggested lr ${result.suggestion.toExponential(2)} (steepest ${result.steepest?.toExponential(2) ?? 'n/a'}, min/10 ${result.minimumOverTen.toExponential(2)})`);
  return lines.join('\n');
}
