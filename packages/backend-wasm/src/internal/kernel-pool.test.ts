import { describe, expect, it } from 'vitest';
import { LATE_STREAK, parallelKernels, poolBalance, poolThresholds, SPIN_BACKOFF_CALLS, startKernelPool, threadsFor, type KernelPool, type PoolKernel, type ThreadPanels } from './kernel-pool.js';
import { conv2dBackpropInputPanelFloats, conv2dForwardPanelFloats, winograd4InputGradientPanelFloats } from './panels.js';
import type { SimdKernels } from './simd-kernels.js';

const unusedDetach = () => {
  throw new Error('parallelKernels detached a call');
};

/** parallelKernels over a pool that records the pieces it is handed instead of running them. */
function recordingKernels(threads: number): { kernels: SimdKernels; calls: Array<{ kernel: PoolKernel; pieces: number[][]; panels?: ThreadPanels }> } {
  const calls: Array<{ kernel: PoolKernel; pieces: number[][]; panels?: ThreadPanels }> = [];
  const pool: KernelPool = { threads, spinMicroseconds: 0, sleeping: false, lateCalls: 0, runs: {}, timings: {}, pieces: [], run: (kernel, pieces, panels) => void calls.push({ kernel, pieces, panels }), detach: unusedDetach, detachedPending: 0, join: () => {}, detachedRuns: {}, close: async () => {} };
  const unused = () => {
    throw new Error('a split call ran whole');
  };
  const scratch = { malloc: unused, free: unused, floats: unused, doubles: unused };
  return { kernels: parallelKernels({} as SimdKernels, pool, scratch), calls };
}

describe('parallelKernels', () => {
  // Two threads packing into one panel would race: the results depend on timing, so a test of the
  // results can pass by luck. The call's panel argument is checked instead.
  it.each([
    // argument 1 per image: the padded input (forward), dy (input gradient)
    ['conv2d_forward', conv2dForwardPanelFloats(3, 3, 8, 16), 8 * 8 * 8],
    ['conv2d_backprop_input', conv2dBackpropInputPanelFloats(6, 6, 16, 3 * 3 * 8), 6 * 6 * 16],
  ] as const)('cuts %s into up to poolBalance.piecesPerThread pieces of images a thread, each run with its thread\'s scratch panel', (kernel, floats, image) => {
    const { kernels, calls } = recordingKernels(3);
    const saved = { ...poolThresholds };
    Object.assign(poolThresholds, { work: 0 });
    try {
      const [out, input, filter, panel] = [1 << 20, 2 << 20, 3 << 20, 4 << 20];
      // batch 7, padded 8 × 8 × 8 input, 3 × 3 filter, 6 × 6 × 16 output, stride 1
      const args = [out, input, filter, panel, 7, 8, 8, 8, 3, 3, 6, 6, 16, 1, 1] as const;
      // The forward's two more arguments: no bias, no relu.
      if (kernel === 'conv2d_forward') kernels.conv2d_forward(...args, 0, 0);
      else kernels.conv2d_backprop_input(...args);
    } finally {
      Object.assign(poolThresholds, saved);
    }
    const [call] = calls;
    expect(call?.kernel).toBe(kernel);
    expect(call!.panels).toEqual({ argument: 3, base: 4 << 20, bytes: floats * 4 });
    // 3 threads × 4 pieces, at most one a image: 7 pieces of one image, in order.
    expect(poolBalance.piecesPerThread).toBe(4);
    expect(call!.pieces.map((piece) => piece[4])).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(call!.pieces.map((piece) => piece[1])).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => (2 << 20) + n * image * 4));
  });

  it('splits winograd4_input_gradient by whole images (neighbouring tiles add into shared rows only within an image), a group of tiles a piece at least, each thread with its own panel', () => {
    const { kernels, calls } = recordingKernels(3);
    const saved = { ...poolThresholds };
    Object.assign(poolThresholds, { work: 0 });
    try {
      // dx 7 × 9 × 9 × 8 ← dy 7 × 9 × 9 × 16 ('same'), 4 quads a group
      kernels.winograd4_input_gradient(1 << 20, 2 << 20, 3 << 20, 4 << 20, 7, 9, 9, 8, 9, 9, 16, 1, 1, 4);
    } finally {
      Object.assign(poolThresholds, saved);
    }
    const [call] = calls;
    expect(call?.kernel).toBe('winograd4_input_gradient');
    expect(call!.panels).toEqual({ argument: 3, base: 4 << 20, bytes: winograd4InputGradientPanelFloats(16, 4) * 4 });
    // A group is 16 tiles, 9 an image: 2 images a piece at least, so 3 pieces of 7 images, not 7.
    expect(call!.pieces).toEqual([
      [1 << 20, 2 << 20, 3 << 20, 4 << 20, 2, 9, 9, 8, 9, 9, 16, 1, 1, 4],
      [(1 << 20) + 2 * 9 * 9 * 8 * 4, (2 << 20) + 2 * 9 * 9 * 16 * 4, 3 << 20, 4 << 20, 3, 9, 9, 8, 9, 9, 16, 1, 1, 4],
      [(1 << 20) + 5 * 9 * 9 * 8 * 4, (2 << 20) + 5 * 9 * 9 * 16 * 4, 3 << 20, 4 << 20, 2, 9, 9, 8, 9, 9, 16, 1, 1, 4],
    ]);
  });

  it('splits matmul by quads of rows, each piece packing into the part of the panel for its rows', () => {
    const { kernels, calls } = recordingKernels(2);
    const saved = { ...poolThresholds };
    Object.assign(poolThresholds, { work: 0 });
    try {
      // out[22, 16] = A[22, 5] · b[5, 16], A row-major
      kernels.matmul(1000, 2000, 3000, 4000, 22, 5, 16, 5, 1);
    } finally {
      Object.assign(poolThresholds, saved);
    }
    const pieces = calls[0]!.pieces;
    // rows 0-11 and 12-21: out, a and the panel advance by the first piece's 12 rows
    expect(pieces.map((piece) => piece.slice(0, 5))).toEqual([
      [1000, 2000, 3000, 4000, 12],
      [1000 + 12 * 16 * 4, 2000 + 12 * 5 * 4, 3000, 4000 + 12 * 5 * 4, 10],
    ]);
  });

  it('splits two same-shape tensors (one row) by columns in multiples of 4', () => {
    const { kernels, calls } = recordingKernels(2);
    const saved = { ...poolThresholds };
    Object.assign(poolThresholds, { floats: 0, wakeFloats: 0 });
    try {
      kernels.binary_channels(1000, 2000, 3000, 1, 22, 1);
    } finally {
      Object.assign(poolThresholds, saved);
    }
    expect(calls[0]!.pieces).toEqual([
      [1000, 2000, 3000, 1, 12, 1],
      [1000 + 12 * 4, 2000 + 12 * 4, 3000 + 12 * 4, 1, 10, 1],
    ]);
  });
});

describe('threadsFor', () => {
  it('gives a call one thread per whole share, at most the pool and the items, at least 1', () => {
    expect(threadsFor(2, 999, 1000, 64)).toBe(1);
    expect(threadsFor(2, 1999, 1000, 64)).toBe(1);
    expect(threadsFor(2, 2000, 1000, 64)).toBe(2);
    expect(threadsFor(8, 3500, 1000, 64)).toBe(3);
    expect(threadsFor(8, 1e9, 1000, 64)).toBe(8);
    expect(threadsFor(8, 1e9, 1000, 5)).toBe(5);
    expect(threadsFor(2, 1e9, 1000, 1)).toBe(1);
    expect(threadsFor(4, 10, 0, 3)).toBe(3); // tests: thresholds 0 split everything
  });
});

/**
 * A module in place of our kernels whose `relu_gradient(_, _, _, ms)` blocks for `ms` milliseconds
 * (memory.atomic.wait32 on a word nobody notifies), over an imported shared memory: a worker's piece
 * of a known length, without burning a core.
 */
const sleeperModule = new WebAssembly.Module(
  new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...[0x01, 0x08, 0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x00], // type: (i32 i32 i32 i32) → ()
    ...[0x02, 0x10, 0x01, 0x03, ...new TextEncoder().encode('env'), 0x06, ...new TextEncoder().encode('memory'), 0x02, 0x03, 0x01, 0x01], // import env.memory, shared, 1 page
    ...[0x03, 0x02, 0x01, 0x00], // one function of type 0
    ...[0x07, 0x11, 0x01, 0x0d, ...new TextEncoder().encode('relu_gradient'), 0x00, 0x00], // export it as relu_gradient
    // if (ms) drop(memory.atomic.wait32(0, 0, ms · 1,000,000 ns))
    ...[0x0a, 0x1a, 0x01, 0x18, 0x00, 0x20, 0x03, 0x04, 0x40, 0x41, 0x00, 0x41, 0x00, 0x20, 0x03, 0xad, 0x42, 0xc0, 0x84, 0x3d, 0x7e, 0xfe, 0x01, 0x02, 0x00, 0x1a, 0x0b, 0x0b],
  ]),
);

describe('startKernelPool claiming', () => {
  it('gives thread t the t-th range of pieces, its first reserved, and lets a thread done with its own take what the others have not started: a slow worker does fewer', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const caller = { relu_gradient: () => {} } as unknown as SimdKernels; // the caller's pieces: nothing to do
    const pool = await startKernelPool(sleeperModule, memory, caller, 2);
    try {
      // Ranges 0-2 (the caller's) and 3-5 (the worker's); the worker's reserved first piece blocks 50 ms, so the caller,
      // through its own range at once, takes 4 and 5 meanwhile.
      pool.run('relu_gradient', [[0, 0, 0, 0], [0, 0, 0, 50], [0, 0, 0, 50], [0, 0, 0, 50], [0, 0, 0, 50], [0, 0, 0, 50]]);
      expect(pool.pieces).toEqual([5, 1]);
      // Fewer pieces than threads: each runs its own, none is claimed twice.
      pool.run('relu_gradient', [[0, 0, 0, 0], [0, 0, 0, 1]]);
      expect(pool.pieces).toEqual([6, 2]);
    } finally {
      await pool.close();
    }
  });
});

describe('startKernelPool detached jobs', () => {
  it('runs detached jobs on the worker while the caller goes on, keeps split calls on the caller meanwhile, and at the join runs the jobs the worker has not started', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const caller = { relu_gradient: () => {} } as unknown as SimdKernels; // the caller's pieces and stolen jobs: nothing to do
    const pool = await startKernelPool(sleeperModule, memory, caller, 2);
    try {
      // A split call first, so that the worker polls (awake) when the jobs come.
      pool.run('relu_gradient', [[0, 0, 0, 0], [0, 0, 0, 0]]);
      expect(pool.pieces).toEqual([1, 1]);
      // Three jobs of 100 ms on the worker's instance (the second one a pair of calls run in order): posting returns at once.
      const start = performance.now();
      pool.detach([['relu_gradient', [0, 0, 0, 100]]]);
      pool.detach([['relu_gradient', [0, 0, 0, 50]], ['relu_gradient', [0, 0, 0, 50]]]);
      pool.detach([['relu_gradient', [0, 0, 0, 100]]]);
      expect(performance.now() - start).toBeLessThan(50);
      expect(pool.detachedPending).toBe(3);
      expect(pool.detachedRuns).toEqual({ relu_gradient: 4 });
      // Give the worker time to claim the first job (it blocks 100 ms in it).
      for (const until = performance.now() + 30; performance.now() < until; );
      // A split call now stays on the caller: both pieces.
      pool.run('relu_gradient', [[0, 0, 0, 0], [0, 0, 0, 0]]);
      expect(pool.pieces).toEqual([3, 1]);
      // The join runs the two jobs nobody started on the caller (instantly here), then waits for the worker's.
      pool.join();
      const joined = performance.now() - start;
      expect(pool.detachedPending).toBe(0);
      expect(pool.pieces).toEqual([5, 2]);
      // The worker's one job (100 ms), not all three one after the other (300 ms).
      expect(joined).toBeGreaterThanOrEqual(95);
      expect(joined).toBeLessThan(250);
      // With the ring empty, split calls reach the worker again.
      pool.run('relu_gradient', [[0, 0, 0, 0], [0, 0, 0, 1]]);
      expect(pool.pieces).toEqual([6, 3]);
    } finally {
      await pool.close();
    }
  });
});

describe('startKernelPool polling', () => {
  it('stops polling for SPIN_BACKOFF_CALLS calls after LATE_STREAK late calls in a row, then judges again from the second call on', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    // The caller's piece: `ms` milliseconds of work on the calling thread.
    const busy = (_dx: number, _dy: number, _x: number, ms: number) => {
      for (const end = performance.now() + ms; performance.now() < end; );
    };
    const pool = await startKernelPool(sleeperModule, memory, { relu_gradient: busy } as unknown as SimdKernels, 2);
    try {
      const call = (workerMs: number, callerMs = 0) => pool.run('relu_gradient', [[0, 0, 0, callerMs], [0, 0, 0, workerMs]]);
      // A worker this far behind a caller that polls `POOL_SPIN_MICROSECONDS` (10 ms) is late.
      const late = 30;
      expect(LATE_STREAK).toBe(3);
      // The first call is not judged (the worker may still be asleep from before): not late however long.
      call(late);
      expect(pool.lateCalls).toBe(0);
      // Late twice (both judged: one late call alone does not stop polling), then on time (the caller's 100 ms leave
      // the polling worker time to start and end its piece even on a loaded machine): the streak starts over.
      call(late);
      call(late);
      expect(pool.lateCalls).toBe(2);
      call(0, 100);
      expect(pool.lateCalls).toBe(2);
      // Three late calls in a row: polling stops.
      call(late);
      call(late);
      call(late);
      expect(pool.lateCalls).toBe(5);
      // While polling is off nothing is judged, a slow worker included.
      call(late);
      for (let i = 1; i < SPIN_BACKOFF_CALLS; i++) call(0);
      expect(pool.lateCalls).toBe(5);
      // Polling is back: the first call is not judged, the next one is.
      call(late);
      expect(pool.lateCalls).toBe(5);
      call(late);
      expect(pool.lateCalls).toBe(6);
      // (Whether a worker that keeps up is never judged late depends on the machine's load: a worker
      // without a core for 0.1 ms is late by design. Not asserted here.)
      expect(pool.pieces).toEqual([SPIN_BACKOFF_CALLS + 9, SPIN_BACKOFF_CALLS + 9]);
    } finally {
      await pool.close();
    }
  });
});
