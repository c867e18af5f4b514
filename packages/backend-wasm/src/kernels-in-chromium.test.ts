// Our wasm training kernels checked against the cpu backend inside real Chromium (the same cases and
// tolerances as kernels.test.ts in Node): the browser's wasm engine, relaxed SIMD and threaded build.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser } from '../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { adamCases, batchNormTrainingCases, conv2dResidualCases, convCases, matMulCases, maxPoolCases, sgdMomentumCases } from './__fixtures__/kernel-cases.js';
import { tolerances } from './tolerances.js';

interface PageResult {
  error?: string;
  capabilities: Record<string, unknown>;
  cases: { name: string; errors: number[]; outputs: number; leaked: number }[];
}

describe('wasm training kernels in Chromium', () => {
  let folder: string;
  let server: StaticServer;
  let browser: Browser;
  let result: PageResult;
  let errors: string[];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-kernels-page-'));
    await bundleForBrowser({ entry: new URL('./__fixtures__/kernels-page.ts', import.meta.url).pathname, outfile: join(folder, 'page.js') });
    await writeFile(join(folder, 'index.html'), '<!doctype html><title>kernels</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
    const wasmFolder = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    server = await startStaticServer({ mounts: { '/': folder, '/wasm-files/': wasmFolder } });
    browser = await openBrowser();
    const observed = await openPage(browser, server.origin);
    errors = observed.errors;
    await observed.page.goto(`${server.origin}/`);
    result = (await observed.page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult, undefined, { timeout: 300_000 }).then((handle) => handle.jsonValue())) as PageResult;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('runs on the threaded SIMD build with the FMA kernels, every case', () => {
    expect(result.error).toBeUndefined();
    expect(result.capabilities).toMatchObject({ simd: true, relaxedSimd: true, threads: expect.any(Number) });
    expect(result.cases).toHaveLength(convCases.length + maxPoolCases.length + matMulCases.length + batchNormTrainingCases.length + sgdMomentumCases.length + adamCases.length + conv2dResidualCases.length);
    expect(errors).toEqual([]);
  });

  it('matches the cpu backend within tolerances.kernel, leaking nothing', () => {
    for (const { name, errors: caseErrors, outputs, leaked } of result.cases) {
      expect(outputs, name).toBeGreaterThan(0);
      expect(caseErrors, name).toHaveLength(outputs);
      caseErrors.forEach((error, index) => expect(error, `${name}, output ${index}`).toBeLessThan(tolerances.kernel));
      expect(leaked, name).toBe(0);
    }
  });
});
