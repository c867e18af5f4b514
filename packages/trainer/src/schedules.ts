/**
 * Learning-rate schedules as pure functions of the step: `learningRateAt(config, step)` is the rate
 * used for update number `step` (0-based). Nothing is stateful, so a resumed run continues the
 * same curve just by knowing its step, and the whole schedule is one JSON object in a checkpoint.
 */
import { TrainerOptionError } from './errors.js';

/** The schedules we offer. */
export const scheduleKinds = ['constant', 'step', 'cosine', 'one-cycle'] as const;
/** One of {@link scheduleKinds}. */
export type ScheduleKind = (typeof scheduleKinds)[number];

interface ScheduleBase {
  /** Peak learning rate (the constant rate, the start of step/cosine decay, one-cycle's maximum). */
  learningRate: number;
  /**
   * Linear warm-up: for `step < warmupSteps` the rate climbs from `learningRate / warmupSteps`
   * to `learningRate`; the schedule proper then starts at step `warmupSteps`. Default 0.
   */
  warmupSteps?: number;
}

/** `lr` at every step. */
export interface ConstantSchedule extends ScheduleBase {
  kind: 'constant';
}
/** `lr · gamma^floor(s / stepSize)`. */
export interface StepSchedule extends ScheduleBase {
  kind: 'step';
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
}
/** Half a cosine from `lr` down to `minLearningRate` over `totalSteps` (then flat). */
export interface CosineSchedule extends ScheduleBase {
  kind: 'cosine';
  totalSteps: number;
  /** Default 0. */
  minLearningRate?: number;
}
/**
 * One-cycle (Smith 2018) exactly as PyTorch's `OneCycleLR` (cosine annealing, two phases):
 * from `lr / divFactor` up to `lr` over the first `pctStart` of the steps, then down to
 * `lr / divFactor / finalDivFactor`. With `cycleMomentum`, momentum (SGD's μ, Adam's β1) moves
 * the other way, from `maxMomentum` to `baseMomentum` and back.
 */
export interface OneCycleSchedule extends ScheduleBase {
  kind: 'one-cycle';
  totalSteps: number;
  /** Default 0.3. */
  pctStart?: number;
  /** Default 25. */
  divFactor?: number;
  /** Default 1e4. */
  finalDivFactor?: number;
  /** Default true, as in PyTorch. */
  cycleMomentum?: boolean;
  /** Default 0.85. */
  baseMomentum?: number;
  /** Default 0.95. */
  maxMomentum?: number;
}

/** A learning-rate schedule, serialisable as JSON. */
export type ScheduleConfig = ConstantSchedule | StepSchedule | CosineSchedule | OneCycleSchedule;

/** The learning rate for update number `step` (0-based). */
export function learningRateAt(config: ScheduleConfig, step: number): number {
  validateSchedule(config);
  const warmup = config.warmupSteps ?? 0;
  if (step < warmup) return (config.learningRate * (step + 1)) / warmup;
  const s = step - warmup;
  const peak = config.learningRate;
  switch (config.kind) {
    case 'constant':
      return peak;
    case 'step':
      return peak * (config.gamma ?? 0.1) ** Math.floor(s / config.stepSize);
    case 'cosine': {
      const total = Math.max(1, config.totalSteps - warmup);
      const low = config.minLearningRate ?? 0;
      return cosineAnneal(peak, low, Math.min(s, total) / total);
    }
    case 'one-cycle': {
      const { initial, final, phaseEnd, lastStep } = oneCyclePoints(config, warmup);
      if (s <= phaseEnd) return cosineAnneal(initial, peak, phaseEnd === 0 ? 1 : s / phaseEnd);
      return cosineAnneal(peak, final, Math.min(1, (s - phaseEnd) / Math.max(1, lastStep - phaseEnd)));
    }
  }
}

/**
 * The momentum the schedule asks for at `step` (one-cycle with `cycleMomentum`), or `undefined`
 * when the optimizer's own momentum applies.
 */
export function momentumAt(config: ScheduleConfig, step: number): number | undefined {
  if (config.kind !== 'one-cycle' || config.cycleMomentum === false) return undefined;
  const warmup = config.warmupSteps ?? 0;
  const high = config.maxMomentum ?? 0.95;
  const low = config.baseMomentum ?? 0.85;
  if (step < warmup) return high;
  const s = step - warmup;
  const { phaseEnd, lastStep } = oneCyclePoints(config, warmup);
  if (s <= phaseEnd) return cosineAnneal(high, low, phaseEnd === 0 ? 1 : s / phaseEnd);
  return cosineAnneal(low, high, Math.min(1, (s - phaseEnd) / Math.max(1, lastStep - phaseEnd)));
}

function oneCyclePoints(config: OneCycleSchedule, warmup: number) {
  const total = Math.max(1, config.totalSteps - warmup);
  const initial = config.learningRate / (config.divFactor ?? 25);
  // PyTorch: phase 1 ends at step pct_start·total − 1, phase 2 at total − 1.
  const phaseEnd = Math.max(0, (config.pctStart ?? 0.3) * total - 1);
  return { initial, final: initial / (config.finalDivFactor ?? 1e4), phaseEnd, lastStep: total - 1 };
}

/** `end + (start − end)·(1 + cos(π·fraction))/2`: start at fraction 0, end at fraction 1. */
function cosineAnneal(start: number, end: number, fraction: number): number {
  return end + ((start - end) * (1 + Math.cos(Math.PI * fraction))) / 2;
}

/** Throws a {@link TrainerOptionError} naming the bad field. */
export function validateSchedule(config: ScheduleConfig): void {
  const kind = (config as { kind: unknown }).kind;
  if (!scheduleKinds.includes(kind as ScheduleKind)) {
    throw new TrainerOptionError(`unknown schedule "${String(kind)}". Should be one of: ${scheduleKinds.join(', ')}`);
  }
  const positive = (name: string, value: number | undefined, optional = false) => {
    if (optional && value === undefined) return;
    if (value === undefined || !Number.isFinite(value) || value <= 0) {
      throw new TrainerOptionError(`schedule "${config.kind}": ${name} must be a positive number, got ${String(value)}`);
    }
  };
  positive('learningRate', config.learningRate);
  const warmup = config.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new TrainerOptionError(`schedule "${config.kind}": warmupSteps must be an integer >= 0, got ${String(config.warmupSteps)}`);
  }
  if (config.kind === 'step') positive('stepSize', config.stepSize);
  if (config.kind === 'cosine' || config.kind === 'one-cycle') positive('totalSteps', config.totalSteps);
}
