/**
 * The built demo in real Chromium, driven like a person: digits from the MNIST test set are traced
 * into strokes and drawn with the mouse; the page must name them, say nothing on the console and
 * fetch nothing off its origin. Each view is screenshotted into docs/images/demo-*.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, openPage, type Browser, type ObservedPage } from '../../../test-support/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { buildDemo, countInkPixels, drawStrokes, shippedTestSet } from './demo-page.js';
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
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('names 9 or more of 10 MNIST test digits drawn with the mouse, one of each class', async () => {
    const { page } = observed;
    const status = page.getByRole('status');
    const clear = page.getByRole('button', { name: 'Clear' });
    const results: { index: number; label: number; said: string }[] = [];
    for (let digit = 0; digit < 10; digit++) {
      const index = testSet.labels.indexOf(digit);
      await clear.click();
      await expect.poll(() => status.textContent()).toBe('Draw a digit');
      await drawStrokes(page, PAD, traceStrokes(testSet.images.subarray(index * 784, (index + 1) * 784)));
      await expect.poll(() => status.textContent()).toMatch(/^\d \(/);
      results.push({ index, label: digit, said: (await status.textContent()) ?? '' });
    }
    const right = results.filter(({ label, said }) => said.startsWith(String(label)));
    expect(right.length, JSON.stringify(results)).toBeGreaterThanOrEqual(9);
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number);
}
