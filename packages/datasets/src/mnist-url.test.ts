import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../../test-support/browser/static-server.js';
import { countLabels } from './digit-dataset.js';
import { ChecksumError, DatasetError } from './errors.js';
import { loadMnistFromFiles } from './mnist-blobs.js';
import { MNIST_FILES } from './mnist-files.js';
import { type MnistUrlProgressEvent, loadMnistFromUrl, loadMnistTestFromUrl } from './mnist-url.js';
import { mnistDataPackageDirectory } from './node/load-mnist.js';
import { realTestSet, tempDirectory } from './__fixtures__/real-mnist.js';

const packageDirectory = mnistDataPackageDirectory() as string;
const testCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
let temp: Awaited<ReturnType<typeof tempDirectory>>;
let server: StaticServer;

beforeAll(async () => {
  temp = await tempDirectory();
  for (const folder of ['gz', 'tampered']) await mkdir(join(temp.path, folder));
  for (const info of MNIST_FILES.filter((file) => file.name.startsWith('t10k'))) {
    const bytes = await readFile(join(packageDirectory, info.name));
    await writeFile(join(temp.path, 'gz', `${info.name}.gz`), gzipSync(bytes, { level: 1 }));
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 1] = ((tampered[tampered.length - 1] as number) + 1) % 10;
    await writeFile(join(temp.path, 'tampered', info.name), tampered);
  }
  server = await startStaticServer({ mounts: { '/mnist/': packageDirectory, '/other/': temp.path } });
});
afterAll(async () => {
  await server?.close();
  await temp?.remove();
});

describe('MNIST by URL (fetch + Web Crypto, as in a page)', () => {
  it('loads the four real files, verified and split like loadMnist', async () => {
    const events: MnistUrlProgressEvent[] = [];
    const splits = await loadMnistFromUrl({ baseUrl: `${server.origin}/mnist`, onProgress: (event) => events.push(event) });
    expect([splits.train.size, splits.validation.size, splits.test.size]).toEqual([55000, 5000, 10000]);
    expect(countLabels(splits.test)).toEqual(testCounts);
    expect(Buffer.from(splits.test.images).equals(Buffer.from((await realTestSet()).images))).toBe(true);
    expect(events.filter((event) => event.type === 'found').map((event) => event.file)).toEqual(MNIST_FILES.map((file) => file.name));
    const last = events.filter((event) => event.type === 'download' && event.file === 'train-images-idx3-ubyte').at(-1);
    expect(last).toMatchObject({ receivedBytes: 47040016, totalBytes: 47040016 });
  });

  it('loads only the first N test digits, from gzipped files', async () => {
    const subset = await loadMnistTestFromUrl({ baseUrl: `${server.origin}/other/gz/`, gzipped: true, size: 1000 });
    const full = await realTestSet();
    expect(subset.size).toBe(1000);
    expect(Buffer.from(subset.images).equals(Buffer.from(full.images.subarray(0, 1000 * 784)))).toBe(true);
    expect(Array.from(subset.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(server.requests).toContain('/other/gz/t10k-images-idx3-ubyte.gz');
    expect(server.requests.some((path) => path.startsWith('/other/gz/train'))).toBe(false);
  });

  it('refuses a file whose SHA-256 differs, naming the URL, and a missing file with its HTTP status', async () => {
    const error = await loadMnistTestFromUrl({ baseUrl: `${server.origin}/other/tampered/` }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChecksumError);
    expect((error as Error).message).toContain(`${server.origin}/other/tampered/t10k-images-idx3-ubyte`);
    await expect(loadMnistTestFromUrl({ baseUrl: `${server.origin}/nowhere/` })).rejects.toThrow(/nowhere\/t10k-images-idx3-ubyte: HTTP 404/);
    await expect(loadMnistTestFromUrl({ baseUrl: 'mnist/' })).rejects.toThrow(/must be absolute/);
    await expect(loadMnistTestFromUrl({ baseUrl: `${server.origin}/mnist/`, size: 0 })).rejects.toThrow(DatasetError);
  });
});

describe('MNIST from picked files', () => {
  it('matches the four files by name, raw or gzipped, and names the missing ones', async () => {
    const files: File[] = [];
    for (const info of MNIST_FILES) {
      const bytes = await readFile(join(packageDirectory, info.name));
      files.push(info.name.startsWith('t10k') ? new File([gzipSync(bytes, { level: 1 })], `${info.name.replace(/-(idx\d)/, '.$1')}.gz`) : new File([bytes], info.name));
    }
    const splits = await loadMnistFromFiles([...files, new File(['x'], 'notes.txt')], { validationSize: 1000 });
    expect([splits.train.size, splits.validation.size, splits.test.size]).toEqual([59000, 1000, 10000]);
    expect(countLabels(splits.test)).toEqual(testCounts);
    await expect(loadMnistFromFiles(files.slice(1))).rejects.toThrow(/train-images-idx3-ubyte is missing among the picked files/);
  });
});
