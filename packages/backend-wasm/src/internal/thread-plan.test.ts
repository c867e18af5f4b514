import { describe, expect, it } from 'vitest';
import { planXnnpackThreads } from './thread-plan.js';

describe('planXnnpackThreads (Node)', () => {
  it('leaves the cores to our kernel pool by default, and to XNNPACK where our kernels stay on one thread', () => {
    expect(planXnnpackThreads(2, {})).toBe(1);
    expect(planXnnpackThreads(8, { threadedKernels: true })).toBe(1);
    expect(planXnnpackThreads(4, { threadedKernels: false })).toBe(4);
    expect(planXnnpackThreads(1, {})).toBe(1);
  });

  it('takes an explicit count, within 1 and the thread count', () => {
    expect(planXnnpackThreads(4, { requested: 2 })).toBe(2);
    expect(planXnnpackThreads(4, { requested: 9 })).toBe(4);
    expect(planXnnpackThreads(4, { requested: 0 })).toBe(1);
    expect(planXnnpackThreads(4, { requested: 2.7 })).toBe(2);
  });
});
