/** Reading an IDX file (raw or gzipped) from disk. Node-only. */
import { readFile } from 'node:fs/promises';
import { describeFileError } from '@digitlab/errors';
import { IdxFormatError } from '../errors.js';
import { type IdxArray, type ReadIdxOptions, readIdx } from '../idx.js';

/** Reads and parses an IDX file (raw or gzipped); errors name the path. */
export async function readIdxFile(path: string, options: Omit<ReadIdxOptions, 'name'> = {}): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new IdxFormatError(describeFileError(error, path), path, { cause: error });
  }
  return readIdx(bytes, { ...options, name: path });
}
