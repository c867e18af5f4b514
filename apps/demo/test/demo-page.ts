/**
 * Test support for the demo: builds it with its own Vite config, reads the MNIST test digits it
 * ships, draws strokes with the real mouse, and checks a screenshot has content.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { decodeImage, readIdx } from '@digitlab/datasets/node';
import type { Page } from '../../../test-support/browser/chromium.js';
import type { Stroke } from './trace-strokes.js';

const demoRoot = fileURLToPath(new URL('..', import.meta.url));
export const demoDist = fileURLToPath(new URL('../dist', import.meta.url));

/** `vite build` of the demo into apps/demo/dist, exactly as `pnpm --filter @digitlab/demo build` does. */
export async function buildDemo(): Promise<string> {
  await build({ root: demoRoot, configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), logLevel: 'error' });
  return demoDist;
}

/** The MNIST test set as the built demo ships it. */
export async function shippedTestSet(): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const images = await readIdx(new Uint8Array(await readFile(`${demoDist}/mnist/t10k-images-idx3-ubyte`)), { name: 't10k images' });
  const labels = await readIdx(new Uint8Array(await readFile(`${demoDist}/mnist/t10k-labels-idx1-ubyte`)), { name: 't10k labels' });
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array };
}

/**
 * Draws `strokes` (28×28 image coordinates) on the element matching `selector` with the mouse:
 * press, move along the stroke, release. 28×28 image coordinates map onto the whole pad, so the
 * digit fills the pad as much as it fills its MNIST image.
 */
export async function drawStrokes(page: Page, selector: string, strokes: readonly Stroke[]): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not visible, so it cannot be drawn on.`);
  const toPage = ({ x, y }: { x: number; y: number }) => ({ x: box.x + ((x + 0.5) * box.width) / 28, y: box.y + ((y + 0.5) * box.height) / 28 });
  for (const stroke of strokes) {
    // Every other skeleton pixel (and the last): a hand's pointer events come about that often.
    const points = stroke.filter((_, index) => index % 2 === 0 || index === stroke.length - 1).map(toPage);
    const [first, ...rest] = points;
    if (!first) continue;
    await page.mouse.move(first.x, first.y);
    await page.mouse.down();
    for (const point of rest) await page.mouse.move(point.x, point.y);
    await page.mouse.up();
  }
}

/** Pixels of a PNG screenshot that differ clearly from `background` (RGB). */
export function countInkPixels(png: Uint8Array, background: [number, number, number]): { ink: number; total: number } {
  const { width, height, data } = decodeImage(png, 'screenshot');
  let ink = 0;
  for (let i = 0; i < width * height; i++) {
    const distance = Math.abs((data[4 * i] as number) - background[0]) + Math.abs((data[4 * i + 1] as number) - background[1]) + Math.abs((data[4 * i + 2] as number) - background[2]);
    if (distance > 48) ink++;
  }
  return { ink, total: width * height };
}
