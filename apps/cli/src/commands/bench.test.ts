import { describe, expect, it } from 'vitest';
import { run, type BenchResult } from './bench.js';
import { runCaptured as runCapturedWith } from '../../test/support/run-captured.js';

const runCaptured = (argv: string[]) => runCapturedWith(run, argv);

describe('digitlab bench', () => {
  it('measures seed-cnn on wasm and leaks nothing', async () => {
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'seed-cnn', '--batch', '8', '--steps', '2', '--warmup', '1', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result).toMatchObject({ backend: 'wasm', model: 'seed-cnn', batch: 8, steps: 2, warmup: 1, optimizer: 'sgdm', inferModel: 'folded', leakedTensorsPerStep: 0 });
    // The thread count is what the engine reports, not what was asked for.
    expect(result.threads).toBe(result.capabilities.threads);
    expect(result.trainImagesPerSecond).toBeGreaterThan(0);
    expect(result.inferImagesPerSecond).toBeGreaterThan(0);
    expect(result.inferLatencyMs).toBeGreaterThan(0);
    // One inference call takes at least its share of the measured throughput's time.
    expect(result.inferLatencyMs).toBeGreaterThan(((1000 * 8) / result.inferImagesPerSecond) * 0.5);
    // Node itself needs tens of MiB; the wasm heap adds more.
    expect(result.maxRssBytes).toBeGreaterThan(50 * 2 ** 20);
    expect(result.capabilities.simd).toBe(true);
  });

  it('--profile tabulates every kernel of a training step and an inference against this CPU\'s peak', async () => {
    // Above 32, predict()'s default batch size, so a split of the inference batch would show.
    const batch = 40;
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'seed-cnn', '--batch', String(batch), '--steps', '1', '--warmup', '1', '--threads', '1', '--profile', '--json']);
    expect(code).toBe(0);
    const { profile, leakedTensorsPerStep, threads } = JSON.parse(stdout) as BenchResult;
    expect(leakedTensorsPerStep).toBe(0);
    if (!profile) throw new Error('--profile printed no profile');
    // The ceilings are for the threads the engine runs (the wasm engine loaded once per process keeps its count).
    expect(profile.peak.threads).toBe(threads);
    expect(profile.peak.clock?.megahertz).toBeGreaterThan(100);
    expect(profile.peak.avx2GflopsPerSecond).toBeCloseTo(2 * (profile.peak.wasmSimdGflopsPerSecond ?? Number.NaN), 6);
    const train = new Map(profile.train.rows.map((row) => [row.kernel, row]));
    // seed-cnn's second convolution: 2·N·11·11·64·3·3·32 FLOPs in each direction, the first 2·N·26·26·32·3·3·1;
    // the first has no input gradient (its input is the data).
    const conv1 = 2 * batch * 26 * 26 * 32 * 3 * 3 * 1;
    const conv2 = 2 * batch * 11 * 11 * 64 * 3 * 3 * 32;
    expect(train.get('Conv2DBackpropInput')).toMatchObject({ calls: 1, flops: conv2 });
    expect(train.get('Conv2DBackpropFilter')).toMatchObject({ calls: 2, flops: conv1 + conv2 });
    for (const kernel of ['Conv2DBackpropFilter', 'Conv2DBackpropInput']) {
      const row = train.get(kernel);
      expect(Number.isFinite(row?.gflopsPerSecond)).toBe(true);
      expect(row?.gflopsPerSecond).toBeGreaterThan(0);
      expect(row?.avx2PeakPercent).toBeCloseTo(row?.wasmSimdPeakPercent === null || row?.wasmSimdPeakPercent === undefined ? Number.NaN : row.wasmSimdPeakPercent / 2, 6);
    }
    // Memory-bound kernels have no FLOP rate.
    expect(train.get('MaxPoolGrad')).toMatchObject({ flops: null, gflopsPerSecond: null });
    expect(profile.train.kernelMilliseconds).toBeLessThanOrEqual(profile.train.stepMilliseconds);
    const infer = profile.infer.rows.map((row) => row.kernel);
    expect(infer).not.toContain('Conv2DBackpropFilter');
    // One predict call at the full batch: no split into predict()'s default batches of 32 and no Concat.
    expect(profile.infer.rows.find((row) => row.kernel === 'FusedConv2D')).toMatchObject({ calls: 2, flops: conv1 + conv2 });
    expect(infer).not.toContain('Concat');
    expect(profile.infer.rows.some((row) => row.kernel.includes('Conv2D') && (row.gflopsPerSecond ?? 0) > 0)).toBe(true);
  });

  it('--profile prints the table with both ceilings', async () => {
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'seed-cnn', '--batch', '4', '--steps', '1', '--warmup', '0', '--threads', '1', '--profile']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/MHz \(\/proc\/cpuinfo cpu MHz\), \d+ thread\(s\): peak [\d.]+ GFLOP\/s native AVX2 .* [\d.]+ GFLOP\/s wasm SIMD-128/);
    expect(stdout).toMatch(/^train step, batch 4: /m);
    expect(stdout).toMatch(/^infer step, batch 4: /m);
    expect(stdout).toMatch(/^Conv2DBackpropFilter\s+2\s+[\d.]+\s+[\d.]+%\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
    expect(stdout).toMatch(/^MaxPoolGrad\s+2\s+[\d.]+\s+[\d.]+%\s+-\s+-\s+-\s+-$/m);
  });

  it('reports the batch-1 latency: the median of the timed inference calls', async () => {
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'seed-cnn', '--batch', '1', '--steps', '9', '--warmup', '2', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.batch).toBe(1);
    // The median of 9 calls lies between the fastest and slowest call, so within 9x the mean either way.
    const meanMs = 1000 / result.inferImagesPerSecond;
    expect(result.inferLatencyMs).toBeGreaterThan(0);
    expect(result.inferLatencyMs).toBeLessThanOrEqual(9 * meanMs);
    expect(result.inferLatencyMs).toBeGreaterThanOrEqual(meanMs / 9);
  });

  it('trains a batch-norm model with Adam, and times its inference with the batch normalisations folded', async () => {
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'bn-cnn', '--optimizer', 'adam', '--batch', '4', '--steps', '1', '--warmup', '1', '--profile', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result).toMatchObject({ model: 'bn-cnn', optimizer: 'adam', inferModel: 'folded', leakedTensorsPerStep: 0 });
    if (!result.profile) throw new Error('--profile printed no profile');
    const kernels = (step: 'train' | 'infer') => result.profile![step].rows.map((row) => row.kernel);
    expect(kernels('train').some((kernel) => kernel.includes('BatchNorm'))).toBe(true);
    expect(kernels('infer').filter((kernel) => kernel.includes('BatchNorm'))).toEqual([]);
  });

  it('rejects an unknown model or optimizer with the valid choices (exit 2)', async () => {
    const badModel = await runCaptured(['--model', 'lenet', '--json']);
    expect(badModel.code).toBe(2);
    expect(JSON.parse(badModel.stdout).error.message).toBe('Unsupported --model: "lenet". Should be one of: seed-cnn, resnet-mini, resnet18, fast-cnn, fast-bn-cnn, bn-cnn');
    expect((await runCaptured(['--optimizer', 'rmsprop'])).code).toBe(2);
    expect((await runCaptured(['--batch', '0'])).code).toBe(2);
  });
});
