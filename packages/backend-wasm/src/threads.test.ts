// Its own test file, so its own process: the wasm thread count is fixed when the backend starts.
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import workerThreads from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { random, randomValues, runOn } from './__fixtures__/backends.js';
import { adamCases, adamKernel, sgdMomentumCases, sgdMomentumKernel } from './__fixtures__/kernel-cases.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createWasmPlugin } from './index.js';
import { poolThresholds } from './internal/kernel-pool.js';
import { detachedKernels } from './internal/detached-calls.js';
import { BATCH_NORM_GRADIENT, BATCH_NORM_MOMENTS } from './kernels/batch-norm-training.js';
import { backpropInputChoice } from './kernels/conv2d-backprop-input.js';
import { simdKernelPool } from './internal/simd-kernels.js';
import { relativeError, tolerances } from './tolerances.js';

describe('threaded wasm in Node', () => {
  const cpus = os.cpus;
  const Worker = workerThreads.Worker;
  const detachedDefaults = { ...detachedKernels };
  afterEach(() => Object.assign(detachedKernels, detachedDefaults));

  it('starts the 2 threads asked for, with our kernels on both (a failure says why they did not start)', async () => {
    expect(os.availableParallelism(), 'this suite checks 2 threads against each other: run it on a machine with at least 2 cores').toBeGreaterThanOrEqual(2);
    const messages: string[] = [];
    const loaded = await createWasmPlugin({ log: (message) => messages.push(message) }).load({ threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    const { threads, kernelThreads, threadsFallback, kernelThreadsFallback } = loaded.capabilities;
    expect(threads, `the threaded wasm build did not start: ${String(threadsFallback)}`).toBe(2);
    expect(kernelThreads, `our kernel pool did not start: ${String(kernelThreadsFallback)}`).toBe(2);
    expect(threadsFallback).toBeUndefined();
    expect(kernelThreadsFallback).toBeUndefined();
    expect(messages).toEqual(['using wasm (simd + relaxed-simd FMA, 2 threads)']);
    // What was patched for the start-up is back.
    expect(os.cpus).toBe(cpus);
    expect(workerThreads.Worker).toBe(Worker);
  });

  it('computes conv gradients like the cpu backend on the threaded build', async () => {
    const inputs = [
      { values: randomValues(2 * 12 * 12 * 8, 11), shape: [2, 12, 12, 8] },
      { values: randomValues(3 * 3 * 8 * 16, 12), shape: [3, 3, 8, 16] },
    ];
    const compute = (x: tf.Tensor, filter: tf.Tensor) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, filter]);
    const cpu = await runOn('cpu', inputs, compute as (...t: tf.Tensor[]) => tf.Tensor[]);
    const wasm = await runOn('wasm', inputs, compute as (...t: tf.Tensor[]) => tf.Tensor[]);
    expect(wasm.leaked).toBe(0);
    cpu.values.forEach((expected, index) => expect(relativeError(wasm.values[index] as Float32Array, expected)).toBeLessThan(tolerances.kernel));
  });

  it('splits our kernels over both threads, with the gradients of the cpu backend, at batch sizes that split unevenly', async () => {
    // One small net whose gradient passes every kernel the pool splits: conv 'same' C = 1 (pad +
    // dW, direct dX + crop), a per-channel scale and shift and batch norm (binary_channels,
    // batch_norm_channels), conv 'valid' C = 8 (Winograd forward, dW and dX on 4 × 4 tiles of dy), its relu (relu_gradient), max-pool
    // (max_pool_disjoint, max_pool_grad_disjoint), conv stride 2 (dX by phases: forward convolutions of dy; GEMM + col2im forced once), dense (matmul: 72 rows → 36 + 36).
    // Batch 3 → images 0-1 and 2. The size thresholds are lifted so that small shapes split.
    // Filter gradients split here too, rather than run detached (the test after the next).
    const saved = { ...poolThresholds };
    Object.assign(poolThresholds, { work: 0, floats: 0, wakeFloats: 0 });
    detachedKernels.filterGradient = false;
    const batch = 3;
    const inputs = [
      { values: randomValues(batch * 12 * 12 * 1, 21), shape: [batch, 12, 12, 1] },
      { values: randomValues(3 * 3 * 1 * 8, 22), shape: [3, 3, 1, 8] },
      { values: randomValues(8, 23), shape: [8] },
      { values: randomValues(3 * 3 * 8 * 8, 24), shape: [3, 3, 8, 8] },
      { values: randomValues(3 * 3 * 8 * 8, 25), shape: [3, 3, 8, 8] },
      { values: randomValues(3 * 3 * 8 * 10, 26), shape: [3 * 3 * 8, 10] },
    ];
    const compute = (...tensors: tf.Tensor[]) =>
      tf.grads((x: tf.Tensor, w1: tf.Tensor, scale: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor, dense: tf.Tensor) => {
        let h: tf.Tensor = tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same');
        h = tf.add(tf.mul(h, scale), scale);
        h = tf.batchNorm(h, tf.fill([8], 0.1), tf.fill([8], 2), scale, scale, 1e-3);
        h = tf.relu(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid'));
        h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
        h = tf.conv2d(h as tf.Tensor4D, w3 as tf.Tensor4D, 2, 'same');
        return tf.sum(tf.square(tf.matMul(tf.reshape(h, [batch, -1]), dense)));
      })(tensors);
    try {
      const cpu = await runOn('cpu', inputs, compute);
      await tf.setBackend('wasm');
      const pool = simdKernelPool(tf.backend() as BackendWasm);
      const before = { ...pool?.runs };
      const wasm = await runOn('wasm', inputs, compute);
      expect(wasm.leaked).toBe(0);
      cpu.values.forEach((expected, index) => expect(relativeError(wasm.values[index] as Float32Array, expected)).toBeLessThan(tolerances.kernel));
      // Inference: the fused convolution's bias + relu epilogue (in the split convolution kernel) and
      // the fused matmul's (bias_activation: 48 rows → 24 + 24).
      const fused = (x: tf.Tensor, w1: tf.Tensor, scale: tf.Tensor) => [
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: tf.tile(w1, [1, 1, 1, 4]) as tf.Tensor4D, strides: 1, pad: 'same', bias: tf.tile(scale, [4]), activation: 'relu' }),
        tf.fused.matMul({ a: tf.reshape(x, [48, 9]) as tf.Tensor2D, b: tf.reshape(w1, [9, 8]) as tf.Tensor2D, bias: scale, activation: 'relu' }),
      ];
      // The GEMM + col2im input gradient (no longer chosen with the SIMD module; forced): col2im split.
      const strided = (x: tf.Tensor, w1: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, tf.tile(w1, [1, 1, 1, 2]) as tf.Tensor4D, 2, 'same'))))(x);
      const cpuStrided = await runOn('cpu', inputs.slice(0, 2), strided);
      backpropInputChoice.force = 'gemm-col2im';
      const wasmStrided = await runOn('wasm', inputs.slice(0, 2), strided).finally(() => delete backpropInputChoice.force);
      expect(relativeError(wasmStrided.values[0] as Float32Array, cpuStrided.values[0] as Float32Array)).toBeLessThan(tolerances.kernel);
      const cpuFused = await runOn('cpu', inputs.slice(0, 3), fused);
      const wasmFused = await runOn('wasm', inputs.slice(0, 3), fused);
      cpuFused.values.forEach((expected, index) => expect(relativeError(wasmFused.values[index] as Float32Array, expected)).toBeLessThan(tolerances.kernel));
      // Relu's special values, split (8 floats by SIMD, 3 by the scalar tail): NaN through, −0 and −∞ to +0, as on cpu.
      const specials = [{ values: Float32Array.from([Number.NaN, -0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -2, 3, 0.5, -1e-30, -0, Number.NaN, 7]), shape: [11] }];
      const cpuRelu = await runOn('cpu', specials, (x) => tf.relu(x));
      const wasmRelu = await runOn('wasm', specials, (x) => tf.relu(x));
      expect(Array.from(wasmRelu.values[0]!)).toEqual(Array.from(cpuRelu.values[0]!));
      // The SGD-with-momentum update, split by elements: the op-by-op update's values bit for bit.
      const [sgdInputs, sgd] = sgdMomentumKernel(sgdMomentumCases[2]!);
      const cpuSgd = await runOn('cpu', sgdInputs, sgd);
      const wasmSgd = await runOn('wasm', sgdInputs, sgd);
      expect(wasmSgd.values.map((values) => Array.from(values))).toEqual(cpuSgd.values.map((values) => Array.from(values)));
      const [adamInputs, adamUpdate] = adamKernel(adamCases[2]!);
      const cpuAdam = await runOn('cpu', adamInputs, adamUpdate);
      const wasmAdam = await runOn('wasm', adamInputs, adamUpdate);
      expect(wasmAdam.values.map((values) => Array.from(values))).toEqual(cpuAdam.values.map((values) => Array.from(values)));
      expect(pool?.threads, 'the kernel pool runs (see the first test)').toBe(2);
      const ran = Object.fromEntries(Object.entries(pool!.runs).map(([kernel, count]) => [kernel, count - (before[kernel as keyof typeof before] ?? 0)]));
      for (const kernel of ['conv2d_forward', 'conv2d_backprop_filter', 'conv2d_backprop_input', 'matmul', 'pad_images', 'crop_images', 'col2im', 'max_pool_grad_disjoint', 'binary_channels', 'batch_norm_channels', 'bias_activation', 'winograd_conv3x3', 'winograd_filter_gradient', 'winograd4_input_gradient', 'relu', 'relu_gradient', 'max_pool_disjoint', 'sgd_momentum', 'adam_update', 'winograd_filter', 'winograd4_filter', 'scatter_phase']) {
        expect(ran[kernel] ?? 0, `${kernel} ran on the pool ${JSON.stringify(ran)}`).toBeGreaterThan(0);
      }
    } finally {
      Object.assign(poolThresholds, saved);
      detachedKernels.filterGradient = true;
    }
  });

  it('keeps a call below one thread\'s share on the caller, splits one above over every thread, with the 1-thread results', async () => {
    await tf.setBackend('wasm');
    const pool = simdKernelPool(tf.backend() as BackendWasm)!;
    expect(pool?.threads, 'the kernel pool runs (see the first test)').toBe(2);
    // The shares this test sizes its shapes by (the defaults are tuned to machines; the rule is the same).
    // wakeFloats as floats: a pass splits by its size alone, whether or not the worker sleeps when it comes.
    const shares = { work: 1 << 20, floats: 1 << 16, wakeFloats: 1 << 16 };
    // A ResNet block's kernels: convolution (Winograd forward, F(4×4) on 16 × 16, filter and input gradients), batch-norm
    // statistics and gradient, relu and its gradient, the residual add (same shapes), max-pool, dense.
    const step = (x: tf.Tensor, w: tf.Tensor, dense: tf.Tensor) =>
      tf.grads((input: tf.Tensor, filter: tf.Tensor, weights: tf.Tensor) => {
        const h = tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');
        const normed = tf.relu(tf.batchNorm(h, tf.fill([32], 0.1), tf.fill([32], 2), tf.fill([32], 0.5), tf.fill([32], 1.5), 1e-3));
        const pooled = tf.maxPool(tf.add(normed, h) as tf.Tensor4D, 2, 2, 'valid');
        return tf.sum(tf.square(tf.matMul(tf.reshape(pooled, [pooled.shape[0]!, -1]), weights)));
      })([x, w, dense]);
    const gradient = (dy: tf.Tensor, x: tf.Tensor) => {
      const [mean, variance] = tf.engine().runKernel(BATCH_NORM_MOMENTS, { x }) as tf.Tensor[];
      return tf.engine().runKernel(BATCH_NORM_GRADIENT, { dy, x, mean: mean!, variance: variance!, gamma: tf.fill([32], 1.5) }, { epsilon: 1e-3 }) as tf.Tensor[];
    };
    const run = async (shape: number[], thresholds: typeof poolThresholds) => {
      const saved = { ...poolThresholds };
      Object.assign(poolThresholds, thresholds);
      detachedKernels.filterGradient = false;
      const [runs, pieces] = [{ ...pool.runs }, [...pool.pieces]];
      try {
        const [batch, size] = [shape[0]!, shape[1]!];
        const x = random([batch, size, size, 32], 41);
        const stepResult = await runOn('wasm', [x, random([3, 3, 32, 32], 42), random([(size / 2) * (size / 2) * 32, 10], 43)], step);
        const gradientResult = await runOn('wasm', [random([batch, size, size, 32], 44), x], gradient);
        expect(stepResult.leaked + gradientResult.leaked).toBe(0);
        const ran = Object.fromEntries(Object.entries(pool.runs).map(([kernel, count]) => [kernel, count - (runs[kernel as keyof typeof runs] ?? 0)]).filter(([, count]) => (count as number) > 0));
        return { values: [...stepResult.values, ...gradientResult.values], ran, pieces: pool.pieces.map((count, i) => count - pieces[i]!) };
      } finally {
        Object.assign(poolThresholds, saved);
        detachedKernels.filterGradient = true;
      }
    };
    const callerOnly = { work: Infinity, floats: Infinity, wakeFloats: Infinity };

    // Batch 2 of 8 × 8 × 32: each kernel's work is below two threads' shares.
    const small = await run([2, 8], shares);
    expect(small.ran, 'no call this small is split').toEqual({});
    expect(small.pieces).toEqual([0, 0]);

    // Batch 16 of 16 × 16 × 32: the convolutions (16 · 8 · 8 tiles · 16 · 32 · 32 = 16.8 M multiply-adds; the filter
    // gradient by F(4×4): 16 · 4 · 4 tiles · 36 · 32 · 32 = 9.4 M), the batch-norm passes and the residual add (131,072
    // floats) are above two shares each; each runs on both threads.
    const large = await run([16, 16], shares);
    for (const kernel of ['winograd4_conv3x3', 'winograd4_filter_gradient', 'winograd4_input_gradient', 'column_sums', 'centred_square_sums', 'batch_norm_channels', 'batch_norm_gradient_sums', 'batch_norm_input_gradient', 'relu', 'relu_gradient', 'binary_channels', 'max_pool_disjoint', 'max_pool_grad_disjoint']) {
      expect(large.ran[kernel] ?? 0, `${kernel} split over the pool ${JSON.stringify(large.ran)}`).toBeGreaterThan(0);
    }
    // The caller's side of each split kernel is timed (KernelPool.timings: its own pieces, then the barrier).
    for (const kernel of Object.keys(large.ran)) expect(pool.timings[kernel as keyof typeof pool.timings]?.ownMs ?? 0, `${kernel} timed`).toBeGreaterThan(0);
    const splitCalls = Object.values(large.ran).reduce((sum: number, count) => sum + (count as number), 0);
    // Each split call gives thread t the first piece of its range, then each thread claims the rest (convolutions: up to 4
    // pieces a thread) of its own range and the others'.
    for (const [thread, count] of large.pieces.entries()) expect(count, `pieces on thread ${thread}`).toBeGreaterThanOrEqual(splitCalls);

    // Without polling (what a busy machine gets: each thread sleeps between calls): the same pieces, the same values.
    const polling = pool.spinMicroseconds;
    expect(polling, 'the pool polls by default').toBeGreaterThan(0);
    pool.spinMicroseconds = 0;
    const wokeBefore = Object.values(pool.timings).reduce((sum, timing) => sum + (timing?.woke ?? 0), 0);
    const sleeping = await run([16, 16], shares).finally(() => (pool.spinMicroseconds = polling));
    expect(Object.values(pool.timings).reduce((sum, timing) => sum + (timing?.woke ?? 0), 0), 'calls that woke a sleeping worker').toBeGreaterThan(wokeBefore);
    expect(sleeping.pieces.reduce((sum, count) => sum + count, 0)).toBe(large.pieces.reduce((sum, count) => sum + count, 0));
    sleeping.values.forEach((values, index) => expect(values, `output ${index}`).toEqual(large.values[index]));

    // With the default wakeFloats and the worker asleep at every call, the memory-bound passes (all below 1 M floats a
    // thread here) run whole on the caller instead of waking it; the convolutions still split. The same values.
    pool.spinMicroseconds = 0;
    const passesWhole = await run([16, 16], { ...shares, wakeFloats: 1 << 20 }).finally(() => (pool.spinMicroseconds = polling));
    const memoryBound = ['column_sums', 'centred_square_sums', 'batch_norm_channels', 'batch_norm_gradient_sums', 'batch_norm_input_gradient', 'relu', 'relu_gradient', 'binary_channels', 'max_pool_disjoint', 'max_pool_grad_disjoint'];
    expect(Object.keys(passesWhole.ran).filter((kernel) => memoryBound.includes(kernel)), 'passes that woke a sleeping worker').toEqual([]);
    for (const kernel of ['winograd4_conv3x3', 'winograd4_filter_gradient', 'winograd4_input_gradient']) expect(passesWhole.ran[kernel] ?? 0, `${kernel} split`).toBeGreaterThan(0);
    passesWhole.values.forEach((expected, index) => expect(relativeError(large.values[index]!, expected), `output ${index}`).toBeLessThan(tolerances.kernel));

    // The same inputs on the calling thread alone: the same results within the kernel tolerance.
    const single = await run([16, 16], callerOnly);
    expect(single.ran).toEqual({});
    single.values.forEach((expected, index) => expect(relativeError(large.values[index]!, expected), `output ${index}`).toBeLessThan(tolerances.kernel));
  });

  it('runs filter gradients detached on the worker while the caller goes on (inter-op), with the gradients of the cpu backend', async () => {
    // Each filter-gradient kernel: F(4×4) Winograd (28 × 28, stride 1), direct (3×3 stride 2, and 1×1 stride 2), F(2×2)
    // Winograd (14 × 14, where 4 × 4 tiles cover loosely); the input gradients run on the caller meanwhile.
    const inputs = [
      { values: randomValues(4 * 28 * 28 * 8, 51), shape: [4, 28, 28, 8] },
      { values: randomValues(3 * 3 * 8 * 16, 52), shape: [3, 3, 8, 16] },
      { values: randomValues(3 * 3 * 16 * 16, 53), shape: [3, 3, 16, 16] },
      { values: randomValues(3 * 3 * 16 * 16, 54), shape: [3, 3, 16, 16] },
      { values: randomValues(16 * 32, 55), shape: [1, 1, 16, 32] },
    ];
    const compute = (...tensors: tf.Tensor[]) =>
      tf.grads((x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor, w4: tf.Tensor) => {
        let h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
        h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same'));
        h = tf.relu(tf.conv2d(h, w3 as tf.Tensor4D, 1, 'same'));
        return tf.sum(tf.square(tf.conv2d(h, w4 as tf.Tensor4D, 2, 'same')));
      })(tensors);
    const cpu = await runOn('cpu', inputs, compute);
    await tf.setBackend('wasm');
    const pool = simdKernelPool(tf.backend() as BackendWasm)!;
    expect(pool?.threads, 'the kernel pool runs (see the first test)').toBe(2);
    const before = { ...pool.detachedRuns };
    // At the default threshold none of these small calls is worth a worker's wake-up: all run in place.
    const inPlace = await runOn('wasm', inputs, compute);
    expect(pool.detachedRuns).toEqual(before);
    detachedKernels.minWork = 0; // back after each test
    const wasm = await runOn('wasm', inputs, compute);
    expect(wasm.leaked + inPlace.leaked).toBe(0);
    inPlace.values.forEach((values, index) => expect(relativeError(values, cpu.values[index]!), `in place, gradient ${index}`).toBeLessThan(tolerances.kernel));
    cpu.values.forEach((expected, index) => expect(relativeError(wasm.values[index] as Float32Array, expected), `gradient ${index}`).toBeLessThan(tolerances.kernel));
    const ran = Object.fromEntries(Object.entries(pool.detachedRuns).map(([kernel, count]) => [kernel, count - (before[kernel as keyof typeof before] ?? 0)]));
    // F(2×2) and the direct 3×3 stride-2 kernel each with the padded copy of x it reads made in the same job;
    // F(4×4) reads x's padding in place and the 1×1 stride-2 layer needs none.
    expect(ran).toEqual({ winograd4_filter_gradient: 1, conv2d_backprop_filter: 2, winograd_filter_gradient: 1, pad_images: 2 });
    expect(pool.detachedPending, 'every detached call joined once its output was read').toBe(0);
  });

  it("keeps a detached call's tensors safe: reading its output, or disposing its inputs, first waits for it", async () => {
    const filterGradient = (x: tf.Tensor, dy: tf.Tensor) =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, x.shape[3]!, dy.shape[3]!] }) as tf.Tensor;
    const small = [
      { values: randomValues(2 * 8 * 8 * 8, 61), shape: [2, 8, 8, 8] },
      { values: randomValues(2 * 8 * 8 * 8, 62), shape: [2, 8, 8, 8] },
    ];
    const expected = (await runOn('cpu', small, filterGradient)).values[0]!;
    await tf.setBackend('wasm');
    const pool = simdKernelPool(tf.backend() as BackendWasm)!;
    // The small call detaches too (the default threshold keeps calls this small in place; back after each test).
    detachedKernels.minWork = 0;
    // A large filter gradient first (32 · 28 · 28 · 9 · 32 · 32 = 231 M multiply-adds, milliseconds of the worker), so
    // that the small one waits behind it in the worker's queue while the test touches its tensors.
    const large = [random([32, 28, 28, 32], 63), random([32, 28, 28, 32], 64)].map(({ values, shape }) => tf.tensor(values, shape));
    const round = (early: 'read' | 'dispose') => {
      const [x, dy] = small.map(({ values, shape }) => tf.tensor(values, shape));
      const queued = filterGradient(large[0]!, large[1]!);
      const dw = filterGradient(x!, dy!);
      expect(pool.detachedPending, 'both calls still queued on the worker').toBeGreaterThan(0);
      if (early === 'dispose') {
        tf.dispose([x!, dy!]);
        // Tensors of the same sizes, likely in the freed memory: what the worker would read if disposing did not wait.
        tf.dispose([tf.fill([2, 8, 8, 8], 1e6), tf.fill([2, 8, 8, 8], -1e6)]);
      }
      const values = dw.dataSync() as Float32Array;
      tf.dispose([queued, dw, x!, dy!]);
      return values;
    };
    expect(relativeError(round('read'), expected)).toBeLessThan(tolerances.kernel);
    expect(relativeError(round('dispose'), expected)).toBeLessThan(tolerances.kernel);
    expect(pool.detachedPending).toBe(0);
    tf.dispose(large);
    // Under tf.profile, which times each kernel call as it returns, the call runs in place: nothing detached.
    const runs = { ...pool.detachedRuns };
    const [x, dy] = small.map(({ values, shape }) => tf.tensor(values, shape));
    let profiled: Float32Array | undefined;
    await tf.profile(() => {
      const dw = filterGradient(x!, dy!);
      expect(pool.detachedPending).toBe(0);
      profiled = dw.dataSync() as Float32Array;
      dw.dispose();
    });
    expect(pool.detachedRuns).toEqual(runs);
    expect(relativeError(profiled!, expected)).toBeLessThan(tolerances.kernel);
    tf.dispose([x!, dy!]);
  });

  it('with kernel threads (XNNPACK on one thread), convolutions run ours split over the pool, training and inference alike', async () => {
    await tf.setBackend('wasm');
    const pool = simdKernelPool(tf.backend() as BackendWasm)!;
    expect(pool?.threads, 'the kernel pool runs (see the first test)').toBe(2);
    const x = tf.tensor4d(randomValues(8 * 16 * 16 * 8, 31), [8, 16, 16, 8]);
    const w = tf.tensor4d(randomValues(3 * 3 * 8 * 64, 32), [3, 3, 8, 64]);
    // 3×3 stride 1, C = 8, CO = 64: the Winograd kernels (conv2d.ts `winogradApplies`), forward and input gradient,
    // 8 · 4 · 4 tiles · 36 · 8 · 64 = 2.4 M multiply-adds each (forward and input gradient, both on 4 × 4 tiles):
    // at least two threads' shares at the default threshold.
    const forwardRuns = () =>
      (pool.runs.conv2d_forward ?? 0) + (pool.runs.winograd_conv3x3 ?? 0) + (pool.runs.winograd4_conv3x3 ?? 0) + (pool.runs.winograd4_input_gradient ?? 0);
    const before = forwardRuns();
    tf.tidy(() => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'relu' }).dataSync());
    expect(forwardRuns()).toBe(before + 1);
    tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.fused.conv2d({ x: input as tf.Tensor4D, filter: w, strides: 1, pad: 'same' })))(x).dataSync());
    // The forward pass, and the input gradient (stride 1, 'same').
    expect(forwardRuns()).toBe(before + 3);
    tf.dispose([x, w]);
  });

  it('reports the running count when asked for another one later in the process', async () => {
    const first = await createWasmPlugin().load({ threads: 2 });
    const again = await createWasmPlugin().load({ threads: 4 });
    expect(first.capabilities.threads).toBe(2);
    expect(again.capabilities.threads).toBe(2);
    expect(again.capabilities.threadsFallback).toBe('4 threads requested but the wasm backend runs 2 (it was started earlier in this process with that count, and tfjs fixes the count when it first starts)');
  });
});
