/**
 * Downloading one file over HTTP(S) with a stall timeout, a size cap and progress, for the MNIST
 * mirrors. The caller verifies what comes back; nothing here touches the disk.
 */
import { DatasetError } from './errors.js';

/** The subset of the WHATWG `fetch` signature we use, so tests and proxies can pass their own. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

/** Options of {@link downloadBytes}. */
export interface DownloadOptions {
  fetch?: FetchLike;
  /** Abort when no byte arrives for this long (also bounds the wait for the response headers). */
  timeoutMs: number;
  /** Abort once more than this many bytes have arrived. */
  maxBytes: number;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

/** Fetches `url` fully into memory; throws a DatasetError that names the URL on HTTP errors, timeouts or oversize. */
export async function downloadBytes(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
  };
  arm();
  try {
    const response = await fetchImpl(url, { signal: controller.signal });
    if (!response.ok) throw new DatasetError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = lengthHeader === null ? undefined : Number(lengthHeader);
    if (totalBytes !== undefined && totalBytes > options.maxBytes) {
      throw new DatasetError(`${url}: the server announces ${totalBytes} bytes, more than the ${options.maxBytes} this file can be; refusing it.`);
    }
    if (!response.body) throw new DatasetError(`${url}: the response has no body.`);
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      received += value.byteLength;
      if (received > options.maxBytes) {
        await reader.cancel();
        throw new DatasetError(`${url}: more than ${options.maxBytes} bytes received, more than this file can be; refusing it.`);
      }
      chunks.push(value);
      options.onProgress?.(received, totalBytes);
    }
    const bytes = new Uint8Array(received);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  } catch (error) {
    if (timedOut) throw new DatasetError(`${url}: no data for ${options.timeoutMs} ms; timed out. Check the network or raise timeoutMs.`, { cause: error });
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`${url}: ${(error as Error).message}${(error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : ''}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
