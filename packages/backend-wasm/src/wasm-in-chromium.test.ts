// The wasm plugin in real Chromium: .wasm files found where `wasmPaths` says, real threads when the
// page is cross-origin isolated, one thread and the reason when it is not.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers them all.
import '@tensorflow/tfjs-layers';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser } from '../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { WASM_BINARY_NAMES } from './index.js';
import { relativeError, tolerances } from './tolerances.js';

const wasmFolder = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

interface PageResult {
  error?: string;
  hardwareConcurrency: number;
  hardwareConcurrencyAfter?: number;
  isolated: boolean;
  backend?: string;
  capabilities?: Record<string, string | number | boolean>;
  messages?: string[];
  gradients?: number[][];
  leaked?: number;
  threads?: number;
}

/** The page's conv2d gradients on `cpu`, in this process. */
async function cpuGradients(): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    const x = tf.tensor4d(Array.from({ length: 2 * 10 * 10 * 8 }, (_, i) => Math.sin(i)), [2, 10, 10, 8]);
    const filter = tf.tensor4d(Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i)), [3, 3, 8, 16]);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, filter]);
  }).map((gradient) => {
    const values = gradient.dataSync() as Float32Array;
    gradient.dispose();
    return values;
  });
}

describe('the wasm plugin in Chromium', () => {
  let folder: string;
  let isolated: StaticServer;
  let notIsolated: StaticServer;
  let browser: Browser;
  let expected: Float32Array[];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-wasm-page-'));
    const fixtures = new URL('./__fixtures__/', import.meta.url).pathname;
    await bundleForBrowser({ entry: join(fixtures, 'wasm-page.ts'), outfile: join(folder, 'page.js') });
    await bundleForBrowser({ entry: join(fixtures, 'stock-wasm-threads-page.ts'), outfile: join(folder, 'stock.js') });
    const html = (script: string) => `<!doctype html><title>wasm</title><link rel="icon" href="data:,"><script type="module" src="${script}"></script>`;
    await writeFile(join(folder, 'index.html'), html('page.js'));
    await writeFile(join(folder, 'stock.html'), html('stock.js'));
    const mounts = { '/': folder, '/wasm-files/': wasmFolder };
    isolated = await startStaticServer({ mounts });
    notIsolated = await startStaticServer({ mounts, crossOriginIsolated: false });
    browser = await openBrowser();
    expected = await cpuGradients();
  });
  afterAll(async () => {
    await browser?.close();
    await isolated?.close();
    await notIsolated?.close();
    await rm(folder, { recursive: true, force: true });
  });

  async function run(server: StaticServer, path: string): Promise<{ result: PageResult; errors: string[]; offOrigin: string[]; requests: string[] }> {
    const { page, errors, offOrigin } = await openPage(browser, server.origin);
    const first = server.requests.length;
    try {
      await page.goto(`${server.origin}${path}`);
      const result = (await page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult, undefined, { timeout: 60_000 }).then((handle) => handle.jsonValue())) as PageResult;
      return { result, errors, offOrigin, requests: server.requests.slice(first) };
    } finally {
      await page.context().close();
    }
  }

  const config = (value: object) => `/?config=${encodeURIComponent(JSON.stringify(value))}`;

  function expectCpuGradients(result: PageResult): void {
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.leaked).toBe(0);
    expected.forEach((values, index) => expect(relativeError(result.gradients![index]!, values)).toBeLessThan(tolerances.kernel));
  }

  it('stock tfjs-backend-wasm caps its threads at hardwareConcurrency / 2 in a cross-origin isolated page', async () => {
    const { result, errors } = await run(isolated, '/stock.html?threads=2');
    expect(errors).toEqual([]);
    expect(result.backend).toBe('wasm');
    expect(result.threads).toBe(Math.max(1, Math.floor(result.hardwareConcurrency / 2)));
  });

  it('runs every core on the threaded SIMD build when the page is cross-origin isolated, .wasm from wasmPaths', async () => {
    const { result, errors, offOrigin, requests } = await run(isolated, config({ wasmPaths: '/wasm-files/' }));
    expectCpuGradients(result);
    expect(result.isolated).toBe(true);
    const cores = Math.min(result.hardwareConcurrency, 8);
    expect(cores, 'this test needs a machine with at least 2 cores').toBeGreaterThanOrEqual(2);
    expect(result.capabilities).toMatchObject({ simd: true, relaxedSimd: true, threads: cores, kernelThreads: 1 });
    expect(result.capabilities!.threadsFallback).toBeUndefined();
    expect(String(result.capabilities!.kernelThreadsFallback)).toMatch(/main thread cannot block on Atomics\.wait/);
    // The start-up's hardwareConcurrency patch is gone again.
    expect(result.hardwareConcurrencyAfter).toBe(result.hardwareConcurrency);
    expect(requests).toContain('/wasm-files/tfjs-backend-wasm-threaded-simd.wasm');
    expect(requests.filter((path) => path.endsWith('.wasm') && !path.startsWith('/wasm-files/'))).toEqual([]);
    expect(errors).toEqual([]);
    expect(offOrigin).toEqual([]);
  });

  it('honours the threads knob', async () => {
    const { result } = await run(isolated, config({ threads: 1, wasmPaths: '/wasm-files/' }));
    expectCpuGradients(result);
    expect(result.capabilities).toMatchObject({ threads: 1, kernelThreads: 1 });
  });

  it('runs one thread and says why when the page is not cross-origin isolated; a per-file wasmPaths map', async () => {
    const map = Object.fromEntries(WASM_BINARY_NAMES.map((name) => [name, `/wasm-files/${name}?from-map`]));
    const { result, errors, requests } = await run(notIsolated, config({ wasmPaths: map }));
    expectCpuGradients(result);
    expect(result.isolated).toBe(false);
    expect(result.capabilities).toMatchObject({ simd: true, threads: 1 });
    expect(String(result.capabilities!.threadsFallback)).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin/);
    expect(requests).toContain('/wasm-files/tfjs-backend-wasm-simd.wasm');
    expect(errors).toEqual([]);
  });
});
