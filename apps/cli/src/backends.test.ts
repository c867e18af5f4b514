import * as tf from '@tensorflow/tfjs-core';
import { detectAll, NoBackendAvailableError } from '@digitlab/backend';
import { describe, expect, it } from 'vitest';
import { chooseBackend, createCliBackendRegistry } from './backends.js';
import { UsageError } from './cli-support.js';

function collectingLogger() {
  const lines: { level: string; message: string }[] = [];
  return { lines, info: (message: string) => lines.push({ level: 'info', message }), debug: (message: string) => lines.push({ level: 'debug', message }) };
}

// Real detection on this machine: where tfjs-node(-gpu) is installed, the tests that need it absent skip.
const reports = await detectAll(await createCliBackendRegistry());
const nativeAbsent = reports.filter((report) => report.name === 'cuda' || report.name === 'tensorflow').every((report) => !report.detection.available);

describe('chooseBackend', () => {
  it('lists the CLI plugins highest priority first', async () => {
    expect((await createCliBackendRegistry()).list().map((plugin) => plugin.name)).toEqual(['cuda', 'tensorflow', 'wasm', 'cpu']);
  });

  it('auto picks the highest priority available engine: one short info line, each skipped plugin\'s reason at debug', async () => {
    const firstAvailable = reports.findIndex((report) => report.detection.available);
    const logger = collectingLogger();
    const selection = await chooseBackend('auto', { logger });
    expect(selection.chosen.name).toBe(reports[firstAvailable]?.name);
    expect(tf.getBackend()).toBe(selection.chosen.tfjsBackendName);
    expect(selection.skipped.map((entry) => entry.name)).toEqual(reports.slice(0, firstAvailable).map((report) => report.name));
    const decision = logger.lines.find((line) => line.level === 'info')?.message ?? '';
    expect(decision.startsWith(`using ${selection.chosen.name}`)).toBe(true);
    const detail = logger.lines.filter((line) => line.level === 'debug').map((line) => line.message).join('\n');
    for (const report of reports.slice(0, firstAvailable)) {
      expect(decision).not.toContain(report.detection.reason!);
      expect(detail).toContain(`${report.name} skipped: ${report.detection.reason}`);
    }
    if (firstAvailable > 0) expect(decision).toMatch(/ not available \(--verbose or "digitlab backends" says why\)$/);
  });

  it.skipIf(!nativeAbsent)('here, without tfjs-node, auto uses wasm with SIMD and says what is missing', async () => {
    const logger = collectingLogger();
    await chooseBackend('auto', { logger });
    const decision = logger.lines.find((line) => line.level === 'info')?.message ?? '';
    // relaxedSimd (FMA) depends on whether this worker's V8 validates relaxed SIMD; both spellings are right.
    expect(decision).toMatch(/^using wasm \(simd, (no )?relaxedSimd, \d+ threads?[,)].*; cuda, tensorflow not available \(--verbose or "digitlab backends" says why\)$/);
    const detail = logger.lines.filter((line) => line.level === 'debug').map((line) => line.message).join('\n');
    expect(detail).toMatch(/; cuda skipped: @tensorflow\/tfjs-node-gpu not installed[^;]*; tensorflow skipped: @tensorflow\/tfjs-node not installed/);
  });

  it.skipIf(!nativeAbsent)('an explicit name and a comma list are honoured in order', async () => {
    expect((await chooseBackend('cpu', { logger: collectingLogger() })).chosen.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const selection = await chooseBackend('tensorflow,wasm', { logger: collectingLogger() });
    expect(selection.chosen.name).toBe('wasm');
    expect(selection.skipped).toEqual([{ name: 'tensorflow', reason: '@tensorflow/tfjs-node not installed', fix: 'npm install @tensorflow/tfjs-node@4.22.0' }]);
  });

  it('an unknown name is a usage error listing the valid names', async () => {
    const failure = chooseBackend('webgpu', { logger: collectingLogger() });
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow('Unknown backend: "webgpu". Should be one of: auto, cuda, tensorflow, wasm, cpu');
  });

  it.skipIf(!nativeAbsent)('asking only for absent engines fails with every reason and fix', async () => {
    const before = tf.getBackend();
    const failure = chooseBackend('cuda,tensorflow', { logger: collectingLogger() });
    await expect(failure).rejects.toBeInstanceOf(NoBackendAvailableError);
    const cuda = reports.find((report) => report.name === 'cuda')!.detection;
    await expect(failure).rejects.toThrow(
      `no available backend found. ERR: [cuda] ${cuda.reason} (fix: ${cuda.fix}), ` +
        '[tensorflow] @tensorflow/tfjs-node not installed (fix: npm install @tensorflow/tfjs-node@4.22.0)',
    );
    expect(cuda.reason).toMatch(/^@tensorflow\/tfjs-node-gpu not installed/);
    expect(tf.getBackend()).toBe(before);
  });
});
