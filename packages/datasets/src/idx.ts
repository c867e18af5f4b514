/**
 * IDX reader (the format of the original MNIST files, http://yann.lecun.com/exdb/mnist/):
 * bytes 0-1 are zero, byte 2 is the element type, byte 3 the number of dimensions, then one
 * big-endian uint32 per dimension, then the elements, big-endian, row-major. Gzipped files
 * (magic 1f 8b) are inflated first.
 */
import { IdxFormatError } from './errors.js';
import { gunzip } from './gunzip.js';

/** IDX element types, by their type byte. */
const dtypes = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
} as const;

/** Name of an IDX element type. */
export type IdxDtype = (typeof dtypes)[keyof typeof dtypes]['name'];

/** A parsed IDX array. `ubyte` data is a view on the input bytes (no copy). */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** What a caller expects, so a mislabelled file (images given as labels) is caught early. */
export interface ReadIdxOptions {
  /** Name used in error messages (a file path or name). */
  name?: string;
  /** Required element type. */
  dtype?: IdxDtype;
  /** Required shape; `null` entries accept any size. Its length fixes the number of dimensions. */
  shape?: readonly (number | null)[];
  /** Refuse to inflate a gzipped file to more than this many bytes (a guard against gzip bombs). */
  maxBytes?: number;
}

function describeShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((size) => (size === null ? '*' : String(size))).join(', ')}]`;
}

/**
 * Parses IDX bytes (raw or gzipped) and checks magic, type, dimensions and exact length.
 * Rejects with {@link IdxFormatError} naming the file, what is wrong and what to do.
 */
export async function readIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): Promise<IdxArray> {
  const name = options.name ?? 'IDX data';
  // The header, once inflated, bounds the rest: a gzip bomb stops at its first chunk.
  const declaredLength = (prefix: Uint8Array) => parseIdxHeader(prefix, options, true)?.expectedLength;
  return parseIdx(await gunzip(bytes, { name, declaredLength, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) }), options);
}

/** What an IDX header declares. */
interface IdxHeader {
  typeByte: number;
  dtype: (typeof dtypes)[keyof typeof dtypes];
  shape: number[];
  headerBytes: number;
  count: number;
  /** Exact byte length of the whole file the header describes. */
  expectedLength: number;
}

/**
 * Reads and checks the header at the start of `raw`. With `partial`, returns `undefined` while
 * `raw` is too short to hold the header (the caller is still inflating); otherwise that is an error.
 */
function parseIdxHeader(raw: Uint8Array, options: ReadIdxOptions, partial: boolean): IdxHeader | undefined {
  const name = options.name ?? 'IDX data';
  const fix = 'Download it again, or pass the right file.';
  if (partial && raw.length < 4) return undefined;
  if (raw.length === 0) throw new IdxFormatError(`${name}: the file is empty. ${fix}`, name);
  if (raw.length < 4) throw new IdxFormatError(`${name}: truncated: ${raw.length} bytes, shorter than the 4-byte IDX header. ${fix}`, name);
  if (raw[0] !== 0 || raw[1] !== 0) {
    const first = Array.from(raw.subarray(0, 4), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new IdxFormatError(`${name}: not an IDX file: it starts with bytes ${first}, an IDX file starts with 00 00 <type> <dimensions>. ${fix}`, name);
  }
  const typeByte = raw[2] as number;
  const dtype = dtypes[typeByte as keyof typeof dtypes] as (typeof dtypes)[keyof typeof dtypes] | undefined;
  if (!dtype) {
    const valid = Object.entries(dtypes).map(([code, type]) => `0x${Number(code).toString(16).padStart(2, '0')} (${type.name})`);
    throw new IdxFormatError(`${name}: unknown IDX element type 0x${typeByte.toString(16).padStart(2, '0')}. Should be one of: ${valid.join(', ')}. ${fix}`, name);
  }
  const ndims = raw[3] as number;
  if (ndims === 0) throw new IdxFormatError(`${name}: IDX header declares 0 dimensions. ${fix}`, name);
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    if (partial) return undefined;
    throw new IdxFormatError(`${name}: truncated: ${raw.length} bytes, shorter than the ${headerBytes}-byte header of a ${ndims}-dimensional IDX file. ${fix}`, name);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));

  if (options.dtype !== undefined && dtype.name !== options.dtype) {
    throw new IdxFormatError(`${name}: element type is ${dtype.name}, expected ${options.dtype}. ${fix}`, name);
  }
  if (options.shape) {
    const expected = options.shape;
    const matches = expected.length === ndims && expected.every((size, d) => size === null || size === shape[d]);
    if (!matches) {
      const hint = expected.length === 1 && ndims === 3 ? ' It looks like an images file given where a labels file was expected.'
        : expected.length === 3 && ndims === 1 ? ' It looks like a labels file given where an images file was expected.' : '';
      throw new IdxFormatError(
        `${name}: shape [${shape.join(', ')}] (${ndims} dimensions), expected ${describeShape(expected)} (${expected.length} dimensions).${hint} Check which file is passed where.`,
        name,
      );
    }
  }
  const count = shape.reduce((product, size) => product * size, 1);
  return { typeByte, dtype, shape, headerBytes, count, expectedLength: headerBytes + count * dtype.bytes };
}

/** {@link readIdx} for bytes already inflated, synchronously. @internal */
export function parseIdx(raw: Uint8Array, options: ReadIdxOptions = {}): IdxArray {
  const name = options.name ?? 'IDX data';
  const { typeByte, dtype, shape, headerBytes, count, expectedLength } = parseIdxHeader(raw, options, false) as IdxHeader;
  if (raw.length < expectedLength) {
    throw new IdxFormatError(
      `${name}: truncated: ${raw.length} bytes, the header [${shape.join(', ')}] of ${dtype.name} needs ${expectedLength} (${expectedLength - raw.length} missing). The download was probably cut short: delete the file and download it again.`,
      name,
    );
  }
  if (raw.length > expectedLength) {
    throw new IdxFormatError(
      `${name}: oversized: ${raw.length} bytes, the header [${shape.join(', ')}] of ${dtype.name} needs exactly ${expectedLength} (${raw.length - expectedLength} extra). The file is damaged or not what its header says: download it again.`,
      name,
    );
  }

  return { dtype: dtype.name, shape, data: decodeElements(raw, headerBytes, count, typeByte) };
}

function decodeElements(raw: Uint8Array, offset: number, count: number, typeByte: number): IdxArray['data'] {
  if (typeByte === 0x08) return raw.subarray(offset, offset + count);
  if (typeByte === 0x09) return new Int8Array(raw.buffer, raw.byteOffset + offset, count).slice();
  // Wider types are big-endian in IDX; DataView converts whatever the host order is.
  const view = new DataView(raw.buffer, raw.byteOffset + offset);
  if (typeByte === 0x0b) return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, false));
  if (typeByte === 0x0c) return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, false));
  if (typeByte === 0x0d) return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, false));
  return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, false));
}
