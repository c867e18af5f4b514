import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxFormatError } from './errors.js';
import { readIdx } from './idx.js';
import { readIdxFile } from './node/idx-file.js';
import { datasetFromIdx } from './mnist-files.js';
import { mnistDataPackageDirectory } from './node/load-mnist.js';
import { tempDirectory } from './__fixtures__/real-mnist.js';

const directory = mnistDataPackageDirectory() as string;
let labels: Uint8Array;
let images: Uint8Array;
let temp: Awaited<ReturnType<typeof tempDirectory>>;

beforeAll(async () => {
  // Plain Uint8Arrays: Buffer.slice() would alias the original and let one test corrupt the next.
  labels = new Uint8Array(await readFile(join(directory, 't10k-labels-idx1-ubyte')));
  images = new Uint8Array(await readFile(join(directory, 't10k-images-idx3-ubyte')));
  temp = await tempDirectory();
});
afterAll(() => temp.remove());

async function expectIdxError(run: () => unknown, ...fragments: (string | RegExp)[]): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IdxFormatError);
  for (const fragment of fragments) expect((caught as Error).message).toMatch(fragment);
}

describe('readIdx on the real MNIST test files', () => {
  it('parses images and labels, raw and gzipped, to the same data', async () => {
    const parsed = await readIdx(images, { name: 't10k-images', dtype: 'ubyte', shape: [null, 28, 28] });
    expect(parsed.shape).toEqual([10000, 28, 28]);
    expect(parsed.data.length).toBe(7840000);
    const gz = await readIdx(gzipSync(images, { level: 1 }), { name: 't10k-images.gz' });
    expect(gz.shape).toEqual([10000, 28, 28]);
    expect(Buffer.from(gz.data as Uint8Array).equals(Buffer.from(parsed.data as Uint8Array))).toBe(true);
    const labelArray = await readIdx(labels, { shape: [null] });
    expect(labelArray.shape).toEqual([10000]);
    // The first test labels of MNIST are 7 2 1 0 4.
    expect(Array.from(labelArray.data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  it('reads files from disk, gzipped or not, and names the path in errors', async () => {
    const path = join(temp.path, 'labels.gz');
    await writeFile(path, gzipSync(labels));
    expect((await readIdxFile(path)).shape).toEqual([10000]);
    await expect(readIdxFile(join(temp.path, 'missing'))).rejects.toThrow(/missing: no such file or folder \(ENOENT\). Check the path/);
  });

  it('decodes wider big-endian types', async () => {
    const bytes = new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
    expect(Array.from((await readIdx(bytes)).data)).toEqual([-2, 256]);
  });

  it('rejects a truncated file, saying how many bytes are missing', async () => {
    await expectIdxError(() => readIdx(labels.subarray(0, 9000), { name: 'labels-file' }), 'labels-file', /truncated/, /1008 missing/, /download it again/);
    await expectIdxError(() => readIdx(labels.subarray(0, 6), { name: 'labels-file' }), /truncated/, /header/);
    await expectIdxError(() => readIdx(new Uint8Array(0), { name: 'empty-file' }), 'empty-file', /empty/);
  });

  it('rejects an oversized file', async () => {
    const longer = new Uint8Array(labels.length + 3);
    longer.set(labels);
    await expectIdxError(() => readIdx(longer, { name: 'labels-file' }), /oversized/, /3 extra/);
  });

  it('rejects a wrong magic number', async () => {
    const bad = labels.slice();
    bad[0] = 0x50;
    bad[1] = 0x4b;
    await expectIdxError(() => readIdx(bad, { name: 'zip-file' }), 'zip-file', /not an IDX file/, /50 4b/);
  });

  it('rejects an unknown element type and lists the valid ones', async () => {
    const bad = labels.slice();
    bad[2] = 0x07;
    await expectIdxError(() => readIdx(bad, { name: 'labels-file' }), /unknown IDX element type 0x07/, /0x08 \(ubyte\)/);
  });

  it('rejects a type that differs from the expected one', async () => {
    const ints = new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 0, 7]);
    await expectIdxError(() => readIdx(ints, { name: 'ints', dtype: 'ubyte' }), /element type is int, expected ubyte/);
  });

  it('rejects an images file given as labels, and labels given as images', async () => {
    await expectIdxError(() => readIdx(images, { name: 't10k-images', shape: [null] }), 't10k-images', /3 dimensions/, /images file given where a labels file/);
    await expectIdxError(() => readIdx(labels, { name: 't10k-labels', shape: [null, 28, 28] }), /labels file given where an images file/);
  });

  it('rejects corrupt gzip data', async () => {
    const gz = gzipSync(labels);
    const cut = gz.subarray(0, gz.length - 20);
    await expectIdxError(() => readIdx(cut, { name: 'labels.gz' }), 'labels.gz', /corrupt gzip/);
    const flipped = Buffer.from(gz);
    flipped[flipped.length - 6] = (flipped[flipped.length - 6] as number) ^ 0xff; // inside the CRC32/size trailer
    await expectIdxError(() => readIdx(flipped, { name: 'labels.gz' }), /corrupt gzip/);
  });

  it('refuses to inflate past maxBytes (gzip bomb guard)', async () => {
    // A valid header declaring 10 labels, then a MiB of zeros: stopped at the header's length.
    const declaresTen = new Uint8Array(1 << 20);
    declaresTen.set([0, 0, 0x08, 1, 0, 0, 0, 10]);
    await expectIdxError(() => readIdx(gzipSync(declaresTen), { name: 'bomb.gz' }), 'bomb.gz', /more than 18 bytes, the 18 bytes its header declares: a gzip bomb/);
    // A header declaring more than maxBytes is refused before inflating further.
    const declaresMany = Uint8Array.from(declaresTen);
    declaresMany.set([0, 0, 0x10, 0], 4);
    await expectIdxError(() => readIdx(gzipSync(declaresMany), { name: 'bomb.gz', maxBytes: 1000 }), 'bomb.gz', /more than 1000 bytes, the most this reader accepts, and its header declares 4104/);
    // No IDX header at all (zeros): refused at the first inflated chunk.
    await expectIdxError(() => readIdx(gzipSync(new Uint8Array(1 << 20)), { name: 'bomb.gz', maxBytes: 1000 }), 'bomb.gz', /unknown IDX element type 0x00/);
  });

  it('pairs images with labels only when the counts agree', async () => {
    const imageArray = await readIdx(images);
    const labelArray = await readIdx(labels);
    expect(datasetFromIdx(imageArray, labelArray).size).toBe(10000);
    const fewer = labels.slice(0, 8 + 9000);
    new DataView(fewer.buffer).setUint32(4, 9000, false);
    let caught: unknown;
    try {
      datasetFromIdx(imageArray, await readIdx(fewer), { images: 'imgs', labels: 'lbls' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IdxFormatError);
    expect((caught as Error).message).toMatch(/imgs has 10000 images but lbls has 9000 labels/);
    expect(() => datasetFromIdx(labelArray, imageArray)).toThrow(IdxFormatError);
  });
});
