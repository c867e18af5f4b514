import { describe, expect, it } from 'vitest';
import { TrainerOptionError } from './errors.js';
import { learningRateAt, momentumAt } from './schedules.js';

describe('learning-rate schedules', () => {
  it('constant holds the rate; warm-up climbs linearly to it', () => {
    const schedule = { kind: 'constant', learningRate: 0.1, warmupSteps: 4 } as const;
    expect([0, 1, 2, 3, 4, 100].map((s) => learningRateAt(schedule, s))).toEqual([0.025, 0.05, 0.075, 0.1, 0.1, 0.1].map((v) => expect.closeTo(v, 12)));
  });

  it('step multiplies by gamma every stepSize steps', () => {
    const schedule = { kind: 'step', learningRate: 1, stepSize: 10, gamma: 0.5 } as const;
    expect([0, 9, 10, 19, 20, 35].map((s) => learningRateAt(schedule, s))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
  });

  it('cosine goes from the peak through the midpoint to the floor, after warm-up', () => {
    const schedule = { kind: 'cosine', learningRate: 1, totalSteps: 110, warmupSteps: 10, minLearningRate: 0.1 } as const;
    expect(learningRateAt(schedule, 9)).toBeCloseTo(1, 12); // last warm-up step reaches the peak
    expect(learningRateAt(schedule, 10)).toBeCloseTo(1, 12);
    expect(learningRateAt(schedule, 60)).toBeCloseTo(0.55, 12); // halfway: (1 + 0.1) / 2
    expect(learningRateAt(schedule, 110)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(schedule, 500)).toBeCloseTo(0.1, 12);
  });

  it("one-cycle matches PyTorch OneCycleLR's defaults (pct 0.3, div 25, final div 1e4)", () => {
    const schedule = { kind: 'one-cycle', learningRate: 0.01, totalSteps: 101 } as const;
    // Phase 1 ends at step 0.3·101 − 1 = 29.3; phase 2 at step 100.
    expect(learningRateAt(schedule, 0)).toBeCloseTo(0.01 / 25, 12);
    const mid1 = 29.3 / 2;
    expect(learningRateAt(schedule, mid1)).toBeCloseTo((0.01 + 0.0004) / 2, 12);
    expect(learningRateAt(schedule, 100)).toBeCloseTo(0.0004 / 1e4, 12);
    const peak = Math.max(...Array.from({ length: 101 }, (_, s) => learningRateAt(schedule, s)));
    expect(peak).toBeLessThanOrEqual(0.01);
    expect(peak).toBeGreaterThan(0.0099);
    // Momentum runs the other way: 0.95 → 0.85 at the peak → 0.95.
    expect(momentumAt(schedule, 0)).toBeCloseTo(0.95, 12);
    expect(momentumAt(schedule, 100)).toBeCloseTo(0.95, 12);
    expect(momentumAt(schedule, 29)).toBeLessThan(0.851);
    expect(momentumAt({ ...schedule, cycleMomentum: false }, 10)).toBeUndefined();
    expect(momentumAt({ kind: 'constant', learningRate: 1 }, 10)).toBeUndefined();
  });

  it('rejects bad configs with a message naming the field', () => {
    expect(() => learningRateAt({ kind: 'cosine', learningRate: 0.1, totalSteps: 0 }, 0)).toThrow(/totalSteps must be a positive number, got 0/);
    expect(() => learningRateAt({ kind: 'linear' } as never, 0)).toThrow(TrainerOptionError);
    expect(() => learningRateAt({ kind: 'linear' } as never, 0)).toThrow(/Should be one of: constant, step, cosine, one-cycle/);
  });
});
