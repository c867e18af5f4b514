/** MNIST from files a user picked (`<input type="file" multiple>`, drag and drop): any `File` or named `Blob`. */
import { DatasetError } from './errors.js';
import { gunzip } from './gunzip.js';
import type { IdxArray } from './idx.js';
import { MNIST_FILES, type MnistFileName, verifyMnistFile } from './mnist-files.js';
import { type MnistDatasets, type MnistSplitOptions, splitMnist } from './mnist-splits.js';

/** A picked file: a `File`, or any `Blob` with the name it should be known by. */
export type NamedBlob = Blob & { readonly name: string };

/** The names a file may carry for `name`: the original, the dotted variant (`train-images.idx3-ubyte`), each raw or `.gz`. */
function acceptedNames(name: MnistFileName): string[] {
  const dotted = name.replace(/-(idx\d)/, '.$1');
  return [name, `${name}.gz`, dotted, `${dotted}.gz`];
}

/**
 * Reads, verifies (IDX structure + SHA-256) and splits the four MNIST files among `files`,
 * matched by name, raw or gzipped. Other files are ignored; a missing one is an error naming it.
 */
export async function loadMnistFromFiles(files: Iterable<NamedBlob>, options: MnistSplitOptions = {}): Promise<MnistDatasets> {
  const picked = [...files];
  const arrays = {} as Record<MnistFileName, IdxArray>;
  const missing: string[] = [];
  for (const info of MNIST_FILES) {
    const names = acceptedNames(info.name);
    const file = picked.find((candidate) => names.includes(candidate.name));
    if (!file) {
      missing.push(info.name);
      continue;
    }
    const raw = await gunzip(new Uint8Array(await file.arrayBuffer()), { name: file.name, maxBytes: info.bytes + 1 });
    arrays[info.name] = await verifyMnistFile(info, raw, file.name, 'Pick the original MNIST file.');
  }
  if (missing.length > 0) {
    throw new DatasetError(
      `loadMnistFromFiles: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing among the picked files (${picked.map((file) => file.name).join(', ') || 'none'}). ` +
        'Pick all four MNIST files (raw or .gz).',
    );
  }
  return splitMnist(arrays, options);
}
