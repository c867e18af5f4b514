/**
 * Gzip detection and inflation with the Web Streams `DecompressionStream`, which browsers and
 * Node 20+ both have, so one implementation serves pages and Node.
 */
import { IdxFormatError } from './errors.js';

const gzipMagic = [0x1f, 0x8b] as const;

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === gzipMagic[0] && bytes[1] === gzipMagic[1];
}

/** Options of {@link gunzip}. */
export interface GunzipOptions {
  /** Names the data in errors (a file name or URL). */
  name?: string;
  /** Refuse to inflate to more than this many bytes (a guard against gzip bombs). Default 1 GiB. */
  maxBytes?: number;
  /**
   * Given the bytes inflated so far, returns the exact length the data declares (e.g. from a file
   * header) or `undefined` until it can tell; inflation stops as soon as the output passes it.
   * It may throw to reject the data early.
   */
  declaredLength?: (prefix: Uint8Array) => number | undefined;
}

/**
 * Inflates gzipped bytes, or returns them unchanged when they are not gzipped. Stops as soon as
 * the output passes `maxBytes`. Throws {@link IdxFormatError} for corrupt or oversized data.
 */
export async function gunzip(bytes: Uint8Array, options: GunzipOptions = {}): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const name = options.name ?? 'gzip data';
  const maxBytes = options.maxBytes ?? 1 << 30;
  const corrupt = (reason: string, cause?: unknown) =>
    new IdxFormatError(
      `${name}: corrupt gzip data (${reason}). The download was probably cut short or damaged: delete the file and download it again.`,
      name,
      cause === undefined ? undefined : { cause },
    );
  const oversized = (limit: number, what: string) =>
    new IdxFormatError(
      `${name}: the gzip data inflates to more than ${limit} bytes, ${what}: a gzip bomb, or not the file expected. Pass the right file (MNIST's largest file inflates to 47 MB).`,
      name,
    );
  const chunks: Uint8Array[] = [];
  let total = 0;
  let declared: number | undefined;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      chunks.push(value);
      if (declared === undefined && options.declaredLength) {
        try {
          declared = options.declaredLength(chunks.length === 1 ? value : joinChunks(chunks, total));
        } catch (error) {
          await reader.cancel();
          throw error;
        }
      }
      if (declared !== undefined && declared > maxBytes) {
        await reader.cancel();
        throw oversized(maxBytes, `the most this reader accepts, and its header declares ${declared}`);
      }
      if (declared !== undefined && total > declared) {
        await reader.cancel();
        throw oversized(declared, `the ${declared} bytes its header declares`);
      }
      if (total > maxBytes) {
        await reader.cancel();
        throw oversized(maxBytes, 'the most this reader accepts');
      }
    }
  } catch (error) {
    if (error instanceof IdxFormatError) throw error;
    throw corrupt((error as Error).message, error);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  return joinChunks(chunks, total);
}

function joinChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}
