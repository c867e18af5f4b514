import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { absentPlugin, aliasCpuPlugin, brokenDetectPlugin, failingLoadPlugin } from './__fixtures__/test-plugins.js';
import { createCpuPlugin } from './cpu-plugin.js';
import { detectAll } from './detect-all.js';
import { describeSelection } from './describe-selection.js';
import { BackendError, NoBackendAvailableError, UnknownBackendError } from './errors.js';
import { selectBackend } from './select-backend.js';

describe('selectBackend', () => {
  beforeEach(async () => {
    await selectBackend('cpu', { plugins: [createCpuPlugin()] });
  });

  it('auto takes the highest priority plugin that detects and loads, recording why others were passed over', async () => {
    const native = absentPlugin('native', 40);
    const lines: string[] = [];
    const selection = await selectBackend('auto', {
      plugins: [createCpuPlugin(), native, failingLoadPlugin('flaky', 30), brokenDetectPlugin('probe', 20), aliasCpuPlugin('fast', 10)],
      logger: (line) => lines.push(line),
    });
    expect(selection.chosen).toEqual({ name: 'fast', tfjsBackendName: 'fast', capabilities: { simd: false, threads: 1 } });
    expect(tf.getBackend()).toBe('fast');
    expect(selection.skipped).toEqual([
      { name: 'native', reason: 'native-engine not installed', fix: 'npm install native-engine' },
      { name: 'flaky', reason: expect.stringMatching(/^load\(\) failed: tfjs backend "flaky" failed to initialise/) },
      { name: 'probe', reason: 'detect() failed: probe exploded' },
    ]);
    expect(native.calls).toEqual({ detect: 1, load: 0 });
    expect(lines).toHaveLength(4);
    // A real computation runs on the chosen engine.
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    expect(Array.from(await sum.data())).toEqual([4, 6]);
    sum.dispose();
  });

  it('an ordered list is tried in the caller order, not by priority; auto in a list adds the rest', async () => {
    const plugins = [createCpuPlugin(), aliasCpuPlugin('fast', 10), absentPlugin('native', 40)];
    expect((await selectBackend(['cpu', 'fast'], { plugins })).chosen.name).toBe('cpu');
    const selection = await selectBackend(['native', 'auto'], { plugins });
    expect(selection.chosen.name).toBe('fast');
    expect(selection.skipped.map((entry) => entry.name)).toEqual(['native']);
  });

  it('an explicit name loads that plugin only', async () => {
    const selection = await selectBackend('cpu', { plugins: [aliasCpuPlugin('fast', 10), createCpuPlugin()] });
    expect(selection).toEqual({ chosen: { name: 'cpu', tfjsBackendName: 'cpu', capabilities: { threads: 1 } }, skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('auto passes over plugins for another platform silently; naming one explains why', async () => {
    const plugins = [aliasCpuPlugin('browser-only', 50, ['browser']), createCpuPlugin()];
    expect(await selectBackend('auto', { plugins, platform: 'node' })).toMatchObject({ chosen: { name: 'cpu' }, skipped: [] });
    await expect(selectBackend('browser-only', { plugins, platform: 'node' })).rejects.toThrow(
      'no available backend found. ERR: [browser-only] runs on browser only, not node',
    );
  });

  it('when nothing loads, one error lists every plugin tried with its reason and fix, and the previous backend stays', async () => {
    const plugins = [absentPlugin('cuda-like', 40), failingLoadPlugin('flaky', 30), absentPlugin('native', 20)];
    const failure = selectBackend('auto', { plugins });
    await expect(failure).rejects.toBeInstanceOf(NoBackendAvailableError);
    const error = (await failure.catch((caught: unknown) => caught)) as NoBackendAvailableError;
    expect(error.message).toMatch(
      /^no available backend found\. ERR: \[cuda-like\] cuda-like-engine not installed \(fix: npm install cuda-like-engine\), \[flaky\] load\(\) failed: .*flaky.*, \[native\] native-engine not installed \(fix: npm install native-engine\)$/,
    );
    expect(error.attempts.map((attempt) => attempt.name)).toEqual(['cuda-like', 'flaky', 'native']);
    expect((error.cause as AggregateError).errors.map((cause: Error) => cause.message)).toEqual([expect.stringMatching(/flaky/)]);
    expect(BackendError.isInstance(error)).toBe(true);
    expect(NoBackendAvailableError.isInstance(error)).toBe(true);
    expect(UnknownBackendError.isInstance(error)).toBe(false);
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('digitlab.error')]).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('an unknown name fails before anything is detected or loaded', async () => {
    const native = absentPlugin('native', 40);
    await expect(selectBackend(['native', 'webgpu'], { plugins: [native, createCpuPlugin()] })).rejects.toThrow(
      'Unknown backend: "webgpu". Should be one of: auto, native, cpu',
    );
    expect(native.calls).toEqual({ detect: 0, load: 0 });
  });
});

describe('detectAll', () => {
  it('reports every plugin without loading any, and leaves the backend alone', async () => {
    const native = absentPlugin('native', 40);
    const reports = await detectAll([createCpuPlugin(), native, brokenDetectPlugin('probe', 20), aliasCpuPlugin('web', 5, ['browser'])], { platform: 'node' });
    expect(reports.map((report) => [report.name, report.detection.available, report.detection.reason])).toEqual([
      ['native', false, 'native-engine not installed'],
      ['probe', false, 'detect() failed: probe exploded'],
      ['web', false, 'runs on browser only, not node'],
      ['cpu', true, 'pure JavaScript reference engine (slow, always correct)'],
    ]);
    expect(native.calls.load).toBe(0);
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('describeSelection', () => {
  it('renders the decision as one log line', () => {
    expect(
      describeSelection({
        chosen: { name: 'wasm', tfjsBackendName: 'wasm', capabilities: { simd: true, threads: 2, gpu: false, device: 'x86' } },
        skipped: [{ name: 'cuda', reason: '@tensorflow/tfjs-node-gpu not installed', fix: 'npm install @tensorflow/tfjs-node-gpu@4.22.0' }],
      }),
    ).toBe('using wasm (simd, 2 threads, no gpu, device x86); cuda skipped: @tensorflow/tfjs-node-gpu not installed');
    expect(describeSelection({ chosen: { name: 'cpu', tfjsBackendName: 'cpu', capabilities: { threads: 1 } }, skipped: [] })).toBe('using cpu (1 thread)');
  });
});
