import { describe, expect, it } from 'vitest';
import { run, type BenchResult } from './bench.js';
import { runCaptured as runCapturedWith } from '../../test/support/run-captured.js';

const runCaptured = (argv: string[]) => runCapturedWith(run, argv);

describe('digitlab bench', () => {
  it('measures seed-cnn on wasm and leaks nothing', async () => {
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'seed-cnn', '--batch', '8', '--steps', '2', '--warmup', '1', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result).toMatchObject({ backend: 'wasm', model: 'seed-cnn', batch: 8, steps: 2, warmup: 1, optimizer: 'sgdm', leakedTensorsPerStep: 0 });
    // The thread count is what the engine reports, not what was asked for.
    expect(result.threads).toBe(result.capabilities.threads);
    expect(result.trainImagesPerSecond).toBeGreaterThan(0);
    expect(result.inferImagesPerSecond).toBeGreaterThan(0);
    expect(result.capabilities.simd).toBe(true);
  });

  it('trains a batch-norm model with Adam', async () => {
    const { code, stdout } = await runCaptured(['--backend', 'wasm', '--model', 'bn-cnn', '--optimizer', 'adam', '--batch', '4', '--steps', '1', '--warmup', '1', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ model: 'bn-cnn', optimizer: 'adam', leakedTensorsPerStep: 0 });
  });

  it('rejects an unknown model or optimizer with the valid choices (exit 2)', async () => {
    const badModel = await runCaptured(['--model', 'lenet', '--json']);
    expect(badModel.code).toBe(2);
    expect(JSON.parse(badModel.stdout).error.message).toBe('Unsupported --model: "lenet". Should be one of: seed-cnn, resnet-mini, fast-cnn, fast-bn-cnn, bn-cnn');
    expect((await runCaptured(['--optimizer', 'rmsprop'])).code).toBe(2);
    expect((await runCaptured(['--batch', '0'])).code).toBe(2);
  });
});
