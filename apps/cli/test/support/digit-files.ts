/**
 * Real MNIST test digits written as a user would have them: PNG files in class folders (dark ink
 * on white paper, twice the size) and Kaggle-layout CSV files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DigitDataset } from '@digitlab/datasets/node';
import { encodePng, renderDigit } from '../../../../packages/datasets/src/__fixtures__/render-digit.js';

/** The 28x28 pixels of image `index`. */
export function digitPixels(mnist: DigitDataset, index: number): Uint8Array {
  return mnist.images.subarray(index * 784, (index + 1) * 784);
}

/** Writes `pixels` as a 64x64 dark-on-light PNG at `file`. */
export async function writeDigitPng(file: string, pixels: Uint8Array): Promise<void> {
  await writeFile(file, encodePng(renderDigit(pixels, { width: 64, height: 64, scale: 2, left: 4, top: 4, style: 'dark-on-light' })));
}

/**
 * Writes test images `from..to-1` as `root/<folder>/<index>.png`, the folder named by `folderOf`
 * (default: the digit). Returns how many images each folder received.
 */
export async function writeDigitFolder(root: string, mnist: DigitDataset, from: number, to: number, folderOf = (label: number) => String(label)): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let index = from; index < to; index++) {
    const folder = folderOf(mnist.labels[index]!);
    await mkdir(join(root, folder), { recursive: true });
    await writeDigitPng(join(root, folder, `${index}.png`), digitPixels(mnist, index));
    counts[folder] = (counts[folder] ?? 0) + 1;
  }
  return counts;
}

/** Writes test images `from..to-1` as a Kaggle train.csv (label,pixel0,...,pixel783). */
export async function writeDigitCsv(file: string, mnist: DigitDataset, from: number, to: number): Promise<void> {
  const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
  const rows = [];
  for (let index = from; index < to; index++) rows.push(`${mnist.labels[index]},${Array.from(digitPixels(mnist, index)).join(',')}`);
  await writeFile(file, `${header}\n${rows.join('\n')}\n`);
}

/** The digit turned a quarter (transposed): a "1" becomes a horizontal bar, a class of its own. */
export function transposed(pixels: Uint8Array): Uint8Array {
  const out = new Uint8Array(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) out[x * 28 + y] = pixels[y * 28 + x]!;
  return out;
}
