/**
 * Starts tfjs-backend-wasm's threaded-SIMD build in a page (or Web Worker) with the thread count
 * asked for. Internal.
 *
 * tfjs 4.22's C side caps XNNPACK's pool at `emscripten_num_logical_cores() / 2`, which in a
 * browser is `navigator.hardwareConcurrency / 2` (a guess at hyper-threading): on a 2-core machine
 * a cross-origin isolated page asking for 2 threads got 1. While the backend initialises,
 * `navigator.hardwareConcurrency` reports `2 × threads` (an own property shadowing the prototype's
 * getter); it is removed again as soon as initialisation ends, also on failure. The Node
 * counterpart patches `os.cpus()` the same way (node-threads.ts).
 * @internal
 */
export async function withPageThreadedWasm<T>(threads: number, initialise: () => Promise<T>): Promise<T> {
  const target = typeof navigator === 'object' ? (navigator as object) : undefined;
  if (target === undefined || Object.prototype.hasOwnProperty.call(target, 'hardwareConcurrency')) return initialise();
  Object.defineProperty(target, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await initialise();
  } finally {
    delete (target as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}
