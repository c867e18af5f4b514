/**
 * Starts tfjs-backend-wasm's threaded-SIMD build under Node, which tfjs 4.22 cannot do by itself:
 *
 * 1. Its pthread workers are created from a `blob:` URL (`new Worker(URL.createObjectURL(blob))`)
 *    and then told to `importScripts()` the main script from another Blob; Node's `worker_threads`
 *    loads neither. While the backend initialises, `worker_threads.Worker` is swapped for a
 *    subclass that starts the same worker source with `{ eval: true }` and rewrites the "load"
 *    message to name the package's own main script file (`wasm-out/…-threaded-simd.js`).
 *    No temp files. The workers are `unref()`ed and ignore `ref()`: emscripten refs a worker while
 *    its pthread runs, and XNNPACK's pool threads run for the life of the backend, so the process
 *    would never exit (the main thread only ever waits on them synchronously, inside a kernel).
 * 2. The C side caps the thread pool at `emscripten_num_logical_cores() / 2`, i.e.
 *    `os.cpus().length / 2` in Node (a guess at hyper-threading). While the wasm module
 *    initialises, `os.cpus()` reports `2 × threads` entries, so the pool gets the count asked for.
 *
 * Both patches are undone as soon as the backend is initialised (also on failure). Emscripten
 * itself assigns `globalThis.Worker` (to our subclass, which it keeps using if it ever needs more
 * workers than the 8 it preallocates); we leave that assignment alone.
 *
 * Also starts the `worker_threads` of our own kernel pool (`startEvalWorker`, see kernel-pool.ts).
 *
 * Node only: the rest of the package reaches this file as `#node-threads`, which package.json's
 * `imports` maps to it under the `node` condition and to `node-threads-unavailable.ts` elsewhere,
 * so a browser bundle never sees `node:*`.
 * @internal
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

interface LoadMessage {
  cmd?: string;
  urlOrBlob?: unknown;
}

/**
 * Runs `initialise` (which must initialise the wasm backend) with the Node fixes in place, and
 * removes them afterwards.
 */
export async function withNodeThreadedWasm<T>(threads: number, initialise: () => Promise<T>): Promise<T> {
  const require = createRequire(import.meta.url);
  const workerThreads = require('node:worker_threads') as { Worker: typeof import('node:worker_threads').Worker };
  const os = require('node:os') as { cpus: typeof import('node:os').cpus };
  const wasmPackage = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, '');
  const mainScript = `${wasmPackage}wasm-out/tfjs-backend-wasm-threaded-simd.js`;
  // The worker source ships as a CommonJS string export; tfjs escapes its newlines the same way
  // before putting it into a Blob (a literal "\n" inside one of its string literals).
  const { wasmWorkerContents } = require(`${wasmPackage}wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`) as { wasmWorkerContents: string };
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');

  const OriginalWorker = workerThreads.Worker;
  type TransferList = ConstructorParameters<typeof OriginalWorker>[1] extends infer _ ? Parameters<InstanceType<typeof OriginalWorker>['postMessage']>[1] : never;
  class PthreadWorker extends OriginalWorker {
    constructor() {
      super(workerSource, { eval: true });
      this.unref();
    }

    override ref(): void {
      // Pool threads are daemons; see the header comment.
    }

    override postMessage(message: unknown, transferList?: TransferList): void {
      const load = message as LoadMessage | null;
      if (load !== null && typeof load === 'object' && load.cmd === 'load' && typeof load.urlOrBlob !== 'string') {
        super.postMessage({ ...load, urlOrBlob: mainScript }, transferList);
        return;
      }
      super.postMessage(message, transferList);
    }
  }

  const originalCpus = os.cpus;
  const logicalCores = 2 * threads;
  workerThreads.Worker = PthreadWorker;
  os.cpus = () => {
    const cpus = originalCpus.call(os);
    const first = cpus[0];
    while (first !== undefined && cpus.length < logicalCores) cpus.push(first);
    return cpus.slice(0, logicalCores);
  };
  try {
    return await initialise();
  } finally {
    workerThreads.Worker = OriginalWorker;
    os.cpus = originalCpus;
  }
}

/** Logical cores of this Node process (what `auto` thread selection uses). */
export function nodeCoreCount(): number {
  const require = createRequire(import.meta.url);
  const os = require('node:os') as typeof import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** A started `worker_threads` worker, as the kernel pool uses it. */
export interface EvalWorker {
  once(event: 'message' | 'error', listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** Starts a worker running `source` (CommonJS, `{ eval: true }`) with `workerData`. */
export function startEvalWorker(source: string, workerData: unknown): EvalWorker {
  return new Worker(source, { eval: true, workerData });
}
