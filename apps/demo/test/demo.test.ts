/**
 * The built demo in real Chromium, driven like a person: digits from the MNIST test set are traced
 * into strokes and drawn with the mouse; the page must name them, say nothing on the console and
 * fetch nothing off its origin. Each view is screenshotted into docs/images/demo-*.png.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, loadPretrained } from '@digitlab/models/node';
import { encodePng, enlarge, grayImage } from '@digitlab/viz';
import { chooseBackend } from '../../cli/src/backends.js';
import { createLogger } from '../../cli/src/cli-support.js';
import { run as predict } from '../../cli/src/commands/predict.js';
import { openBrowser, openPage, type Browser, type ObservedPage, type Page } from '../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { buildDemo, countInkPixels, demoDist, drawStrokes, shippedTestSet } from './demo-page.js';
import { traceStrokes } from './trace-strokes.js';

const screenshots = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const PAD = 'canvas[aria-label="Draw a digit"]';

describe('demo in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let observed: ObservedPage;
  let testSet: { images: Uint8Array; labels: Uint8Array };

  beforeAll(async () => {
    const dist = await buildDemo();
    testSet = await shippedTestSet();
    server = await startStaticServer({ mounts: { '/': dist } });
    browser = await openBrowser();
    observed = await openPage(browser, server.origin);
    await observed.page.setViewportSize({ width: 1100, height: 760 });
    await observed.page.goto(`${server.origin}/`);
    await observed.page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await mkdir(screenshots, { recursive: true });
  }, 300_000); // the build takes 40 s of CPU, minutes on a loaded machine
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('names 9 or more of 10 MNIST test digits drawn with the mouse, one of each class', async () => {
    const { page } = observed;
    const status = page.getByRole('status');
    const clear = page.getByRole('button', { name: 'Clear' });
    const results: { index: number; label: number; said: string }[] = [];
    const seen: number[][] = [];
    for (let digit = 0; digit < 10; digit++) {
      const index = testSet.labels.indexOf(digit);
      await clear.click();
      await expect.poll(() => status.textContent()).toBe('Draw a digit');
      await drawStrokes(page, PAD, traceStrokes(testSet.images.subarray(index * 784, (index + 1) * 784)));
      await expect.poll(() => status.textContent()).toMatch(/^\d \(/);
      results.push({ index, label: digit, said: (await status.textContent()) ?? '' });
      seen.push(await seenInput(page));
    }
    const right = results.filter(({ label, said }) => said.startsWith(String(label)));
    expect(right.length, JSON.stringify(results)).toBeGreaterThanOrEqual(9);
    // The page predicts with bn-cnn's batch normalisations folded; the saved bn-cnn, unfolded, on the
    // cpu backend in Node, gives the same digit and the same confidence (to the 0.1% the page shows).
    await chooseBackend('cpu', { logger: createLogger('error') });
    const { model, metadata } = await loadPretrained('bn-cnn');
    const { mean = 0, std = 1 } = metadata.input;
    const unfolded = tf.tidy(() => {
      const unit = tf.div(tf.tensor4d(seen.flat(), [seen.length, 28, 28, 1]), 255);
      return tf.softmax(model.predict(tf.div(tf.sub(unit, mean), std)) as tf.Tensor).arraySync() as number[][];
    });
    model.dispose();
    results.forEach(({ said }, k) => {
      const probabilities = unfolded[k]!;
      const best = probabilities.indexOf(Math.max(...probabilities));
      const [, digit, percent] = /^(\d) \(([\d.]+)% sure\)$/.exec(said) ?? [];
      expect(Number(digit), said).toBe(best);
      expect(Math.abs(Number(percent) - 100 * probabilities[best]!), said).toBeLessThanOrEqual(0.051);
    });
    const latencies = await page.evaluate(() => performance.getEntriesByName('digitlab:predict').map((entry) => entry.duration));
    const ready = await page.evaluate(() => performance.getEntriesByName('digitlab:ready')[0]?.startTime);
    console.log(`demo: ready ${ready?.toFixed(0)} ms after navigation; prediction after a stroke: median ${median(latencies).toFixed(1)} ms over ${latencies.length}`);
    await screenshot(observed, 'draw');
  });

  it('Undo takes back the last stroke and Clear empties the pad', async () => {
    const { page } = observed;
    const status = page.getByRole('status');
    await page.getByRole('button', { name: 'Clear' }).click();
    await drawStrokes(page, PAD, [[{ x: 14, y: 4 }, { x: 14, y: 24 }]]);
    await expect.poll(() => status.textContent()).toMatch(/^1 /);
    await drawStrokes(page, PAD, [[{ x: 8, y: 8 }, { x: 20, y: 8 }]]);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => status.textContent()).toMatch(/^1 /);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => status.textContent()).toBe('Draw a digit');
  });

  it('reads an uploaded image: a test digit as a dark-on-white PNG', async () => {
    const { page } = observed;
    const index = nthIndexOf(testSet.labels, 7, 3);
    const paper = Array.from(testSet.images.subarray(index * 784, (index + 1) * 784), (value) => 255 - value);
    await page.getByLabel('Upload image').setInputFiles({ name: 'seven.png', mimeType: 'image/png', buffer: Buffer.from(encodePng(enlarge(grayImage(paper, 28, 28, { min: 0, max: 255 }), 8))) });
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^7 \(/);
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('Test set: the confusion matrix of the 10,000 test digits opens a cell\'s digits, and a digit opens in Inside', async () => {
    const { page } = observed;
    await page.getByRole('combobox', { name: 'Model' }).selectOption('fast-cnn');
    await expect.poll(() => page.locator('.model-card').textContent()).toContain('fast-cnn');
    await page.getByRole('tab', { name: 'Test set' }).click();
    await page.getByRole('button', { name: 'Compute' }).click();
    await page.getByText(/fast-cnn: \d+\.\d+% right, \d+ mistakes/).waitFor({ timeout: 90_000 });
    const summary = (await page.getByText(/% right/).textContent())!;
    const mistakes = Number(/(\d+) mistakes/.exec(summary)![1]);
    expect(mistakes).toBeGreaterThan(0);
    expect(mistakes).toBeLessThan(200); // fast-cnn is 98.9% right
    // The off-diagonal cell with the most digits, as a person would pick it.
    const cells = await page.getByRole('button', { name: /^true \d, predicted \d: \d+ digits$/ }).evaluateAll((buttons) =>
      buttons.map((button) => button.getAttribute('aria-label')!),
    );
    expect(cells).toHaveLength(100);
    const offDiagonal = cells
      .map((label) => /^true (\d), predicted (\d): (\d+) digits$/.exec(label)!)
      .filter((match) => match[1] !== match[2])
      .sort((a, b) => Number(b[3]) - Number(a[3]));
    expect(offDiagonal.reduce((sum, match) => sum + Number(match[3]), 0)).toBe(mistakes);
    const [label, truth, predicted, count] = offDiagonal[0]!;
    await page.getByRole('button', { name: label, exact: true }).click();
    const digits = page.getByRole('button', { name: new RegExp(`^test digit #\\d+, true ${truth}, predicted ${predicted}$`) });
    await expect.poll(() => digits.count()).toBe(Number(count));
    await screenshot(observed, 'test-set');
    await digits.first().click();
    await expect.poll(() => page.getByRole('tab', { name: 'Inside the model' }).getAttribute('aria-selected')).toBe('true');
  });

  it('Inside the model: one grid per layer of the current model, the softmax, filters and three attributions', async () => {
    const { page } = observed;
    // The test digit opened from the Test set, under fast-cnn.
    const modelJson = JSON.parse(await readFile(`${demoDist}/models/fast-cnn/model.json`, 'utf8')) as { modelTopology: { config: { layers: { class_name: string }[] } } };
    const layers = modelJson.modelTopology.config.layers.filter((layer) => layer.class_name !== 'InputLayer').length;
    const inside = page.getByRole('tabpanel', { name: 'Inside the model' });
    await expect.poll(() => inside.getByRole('group', { name: /^layer / }).count()).toBe(layers + 1);
    expect(await inside.getByRole('group', { name: 'layer softmax' }).textContent()).toMatch(/%/);
    await expect.poll(() => inside.getByRole('figure', { name: /^(Grad-CAM|Saliency|Integrated gradients)/ }).count(), { timeout: 60_000 }).toBe(3);
    expect(await inside.locator('[data-filters] canvas').count()).toBe(1);
    await screenshot(observed, 'inside');
  });

  it('loads your own model from picked files or by URL, and looks inside it', async () => {
    const { page } = observed;
    await page.getByLabel('Load model files…').setInputFiles(['model.json', 'weights.bin', 'digitlab.json'].map((file) => `${demoDist}/models/fast-cnn/${file}`));
    await expect.poll(() => page.getByRole('combobox', { name: 'Model' }).inputValue()).toBe('your model');
    const url = `${server.origin}/models/bn-cnn/model.json`;
    await page.getByRole('textbox', { name: 'or a model.json URL' }).fill(url);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Model' }).inputValue()).toBe(url);
    expect(await page.locator('.model-card').textContent()).toContain('99.74%');
    await page.getByRole('tab', { name: 'Inside the model' }).click();
    const modelJson = JSON.parse(await readFile(`${demoDist}/models/bn-cnn/model.json`, 'utf8')) as { modelTopology: { config: { layers: { class_name: string }[] } } };
    const layers = modelJson.modelTopology.config.layers.filter((layer) => layer.class_name !== 'InputLayer').length;
    await expect.poll(() => page.getByRole('tabpanel', { name: 'Inside the model' }).getByRole('group', { name: /^layer / }).count()).toBe(layers + 1);
  });

  it('Train: 50 steps of fast-cnn in a worker move the loss curve down, and the result becomes the current model', async () => {
    const { page } = observed;
    await page.getByRole('tab', { name: 'Train' }).click();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const lossCurve = page.getByRole('img', { name: 'Training loss per step' });
    const losses = async () => ((await lossCurve.getAttribute('data-loss')) ?? '').split(',').filter(Boolean).map(Number);
    await expect.poll(async () => (await losses()).length, { timeout: 90_000, interval: 500 }).toBeGreaterThanOrEqual(50);
    await page.getByRole('button', { name: 'Pause' }).click();
    const curve = (await losses()).slice(0, 50);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(curve.every(Number.isFinite)).toBe(true);
    expect(mean(curve.slice(-10))).toBeLessThan(0.5 * mean(curve.slice(0, 10)));
    const engine = (await page.getByText(/^Worker engine: /).textContent())!;
    expect(engine).toMatch(/^Worker engine: (wasm|cpu), \d+ threads?$/);
    console.log(`demo train: ${engine}; ${(await page.locator('[data-train-status]').textContent())}`);
    await screenshot(observed, 'train');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Model' }).inputValue(), { timeout: 60_000 }).toMatch(/^fast-cnn trained here/);
  });

  it('Your handwriting: LoRA fine-tuning on drawn examples runs, and digitlab predict reads the exported folder and agrees with the page', async () => {
    const { page } = observed;
    await page.getByRole('combobox', { name: 'Model' }).selectOption('bn-cnn');
    await expect.poll(() => page.locator('.model-card').textContent()).toContain('bn-cnn');
    await page.getByRole('tab', { name: 'Your handwriting' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Your handwriting' });
    // One example of every digit, then a second of 0-4 (the page asks for 0, 1, 2, ... in turn): the second ones are held back.
    for (const [round, digits] of [[0, 10], [1, 5]] as const) {
      for (let digit = 0; digit < digits; digit++) {
        await expect.poll(() => panel.getByRole('heading', { level: 2 }).first().textContent()).toBe(`Draw a ${digit}`);
        const index = nthIndexOf(testSet.labels, digit, round + 20);
        await drawStrokes(page, 'canvas[aria-label="Draw an example digit"]', traceStrokes(testSet.images.subarray(index * 784, (index + 1) * 784)));
        await panel.getByRole('button', { name: 'Add example' }).click();
      }
    }
    await panel.getByRole('combobox', { name: 'Strategy' }).selectOption('lora');
    await panel.getByRole('button', { name: 'Fine-tune' }).click();
    const status = panel.locator('[data-finetune-status]');
    await expect.poll(() => status.textContent(), { timeout: 90_000 }).toMatch(/after: \d+%/);
    expect(await status.textContent()).toMatch(/^Before: \d+%, after: \d+% of your 5 held-back drawings/);
    await screenshot(observed, 'handwriting');

    const folder = await mkdtemp(join(tmpdir(), 'digitlab-demo-export-'));
    const saved: string[] = [];
    const downloaded = new Promise<void>((resolve) => {
      page.on('download', (download) => {
        void download.saveAs(join(folder, download.suggestedFilename())).then(() => {
          saved.push(download.suggestedFilename());
          if (saved.length === 3) resolve();
        });
      });
    });
    await panel.getByRole('button', { name: 'Export model' }).click();
    await downloaded;
    expect(saved.sort()).toEqual(['digitlab.json', 'model.json', 'model.weights.bin']);

    // The page's prediction for a drawing, and the exported model's in Node on the same 28x28 input.
    await page.getByRole('tab', { name: 'Draw' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
    const index = nthIndexOf(testSet.labels, 3, 5);
    await drawStrokes(page, PAD, traceStrokes(testSet.images.subarray(index * 784, (index + 1) * 784)));
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^\d \(/);
    const pageDigit = Number((await page.getByRole('status').textContent())![0]);
    const seen = await seenInput(page);
    // `digitlab predict --model FOLDER input.png` on that 28x28 input, as a person would run it.
    const png = join(folder, 'input.png');
    await writeFile(png, encodePng(grayImage(seen, 28, 28, { min: 0, max: 255 })));
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0) as typeof process.stdout.write;
    let exitCode: number;
    try {
      exitCode = await predict(['--model', folder, '--backend', 'cpu', '--json', png]);
    } finally {
      process.stdout.write = write;
    }
    expect(exitCode).toBe(0);
    const answer = JSON.parse(printed.join('')) as { predictions: { digit: string }[] };
    expect(answer.predictions[0]?.digit).toBe(String(pageDigit));
    const { model, metadata } = await loadModel(folder);
    model.dispose();
    await rm(folder, { recursive: true, force: true });
    expect(metadata.base).toMatchObject({ name: 'bn-cnn' });
  });

  it('said nothing on the console and fetched nothing off its origin', () => {
    expect(observed.errors).toEqual([]);
    expect(observed.offOrigin).toEqual([]);
    expect(server.requests).toEqual(expect.arrayContaining(['/models/index.json', '/models/bn-cnn/model.json', '/models/bn-cnn/weights.bin']));
  });
});

/** Saves a screenshot of the page as docs/images/demo-NAME.png and checks it is not blank. */
async function screenshot({ page }: ObservedPage, name: string): Promise<void> {
  const png = new Uint8Array(await page.screenshot({ type: 'png' }));
  const { ink, total } = countInkPixels(png, [246, 247, 249]);
  expect(ink / total, `${name} screenshot looks blank`).toBeGreaterThan(0.03);
  await writeFile(`${screenshots}demo-${name}.png`, png);
}

/** Position of the `n`-th (0-based) example of `label`. */
function nthIndexOf(labels: Uint8Array, label: number, n: number): number {
  let seen = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === label && seen++ === n) return i;
  throw new Error(`the test set has fewer than ${n + 1} examples of ${label}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number);
}

/** The 28×28 input the Draw view shows the model, as grey bytes. */
async function seenInput(page: Page): Promise<number[]> {
  return page.locator('canvas[aria-label="The 28 by 28 input the model sees"]').evaluate((canvas: HTMLCanvasElement) =>
    Array.from(canvas.getContext('2d')!.getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)),
  );
}
