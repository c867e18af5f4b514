/**
 * The `wasm` backend plugin: tfjs-backend-wasm (SIMD, optionally threaded) plus our training
 * kernels.
 */
import { backend as currentBackend, env, getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BackendPlugin, Detection, LoadedBackend, LoadOptions } from '@digitlab/backend';
import { WasmBackendError } from './errors.js';
import { registerWasmTrainingKernels } from './register-kernels.js';
import { precompileSimdKernels, relaxedSimdSupported, startSimdKernelPool } from './internal/simd-kernels.js';
import { withNodeThreadedWasm } from '#node-threads';
import { withPageThreadedWasm } from './internal/page-threads.js';
import { isNode } from './internal/is-node.js';
import { planThreads, planXnnpackThreads } from './internal/thread-plan.js';

/**
 * Priority under `auto`: above `cpu` (which should stay below 100) and below the native engines
 * (`tensorflow`, `cuda`, which should be above 100).
 */
export const WASM_PLUGIN_PRIORITY = 100;

/** Options of `createWasmPlugin`. */
export interface WasmPluginOptions {
  /** Receives the backend decisions (threads, fallbacks) as one line each. */
  log?: (message: string) => void;
  /**
   * Use the FMA build of our convolution kernels (`f32x4.relaxed_madd`, relaxed SIMD) when the
   * engine supports it; default true. Chrome ≥ 114 and Node ≥ 22 do; Node 20 does once the app
   * has run `v8.setFlagsFromString('--experimental-wasm-relaxed-simd')` (this library never flips
   * engine flags itself). false: always the plain mul + add build (bit-for-bit the same results
   * on every engine; FMA rounds once per multiply-add, so sums differ in the last bits).
   */
  relaxedSimd?: boolean;
  /**
   * Run our training kernels (convolution gradients, dense GEMMs, pooling and per-channel
   * gradients) on every wasm thread, as XNNPACK's operators are; default true. Node only: a
   * browser's main thread cannot block on the workers. false keeps them on the calling thread.
   */
  threadedKernels?: boolean;
  /**
   * Threads XNNPACK's own operators (elementwise ops, pooling, inference convolutions) run on.
   * Default: 1 where our kernel threads run (Node, `threadedKernels` not false), else all of
   * `threads`. Two thread pools over the same cores oversubscribe them: each wakes its own threads
   * for every operator, and a split call lasts as long as its slowest piece, so a piece whose thread
   * waits for a core the other pool holds stalls the call (docs/results.md, "Kernel threads"). With 1, our pool owns
   * the cores and runs every heavy kernel split (inference convolutions included); the threaded
   * build still starts. Pass `threads` to give XNNPACK every thread again.
   */
  xnnpackThreads?: number;
  /**
   * Where tfjs-backend-wasm's `.wasm` files are served from, passed to its `setWasmPaths` before the
   * backend starts: a URL prefix ending in `/` (e.g. `'/static/wasm/'` or a CDN folder) holding
   * all three files, or a map from each file name in `WASM_BINARY_NAMES` to its URL (what bundlers
   * that fingerprint assets produce). Default: tfjs's own lookup, next to the script that
   * contains tfjs-backend-wasm (in a bundled page: the bundle's folder); in Node, the package folder.
   */
  wasmPaths?: WasmPaths;
}

/** The `.wasm` files of tfjs-backend-wasm 4.22; a page serves the one its browser needs (see `wasmPaths`). */
export const WASM_BINARY_NAMES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/** A URL prefix ending in `/`, or one URL per file of `WASM_BINARY_NAMES`. */
export type WasmPaths = string | Readonly<Record<(typeof WASM_BINARY_NAMES)[number], string>>;

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

/**
 * Threads the wasm backend of this process or page started with, XNNPACK's and our kernels'
 * together (tfjs fixes the count then; with `xnnpackThreads` below it, tfjs's own count says less).
 */
let startedThreads: number | undefined;

/**
 * Creates the `wasm` plugin. Importing this package or calling this function changes nothing;
 * `load()` imports `@tensorflow/tfjs-backend-wasm`, makes `wasm` the current tfjs backend and
 * registers our training kernels.
 */
export function createWasmPlugin(options: WasmPluginOptions = {}): BackendPlugin {
  const log = options.log ?? (() => {});
  return {
    specificationVersion: 'v1',
    name: 'wasm',
    tfjsBackendName: 'wasm',
    platforms: ['node', 'browser'],
    priority: WASM_PLUGIN_PRIORITY,
    detect,
    async load(loadOptions: LoadOptions = {}): Promise<LoadedBackend> {
      const detection = await detect();
      if (!detection.available) throw new WasmBackendError(`wasm cannot run here: ${detection.reason}.${detection.fix ? ` ${detection.fix}` : ''}`);
      let wasm: WasmModule;
      try {
        wasm = await importWasmModule();
      } catch (error) {
        throw new WasmBackendError(
          `cannot import "@tensorflow/tfjs-backend-wasm": ${(error as Error).message}. Install it: npm install @tensorflow/tfjs-backend-wasm@4.22.0`,
          { cause: error },
        );
      }
      if (options.wasmPaths !== undefined) setWasmPaths(wasm, options.wasmPaths);
      const requested = loadOptions.threads;
      if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
        throw new WasmBackendError(`threads must be a positive integer, got ${String(requested)}. Pass 1 for single-threaded wasm, or leave it unset to use every core.`);
      }
      const plan = planThreads(requested);
      // tfjs fixes the thread count when its wasm backend first starts (getThreadsCount throws until then).
      const startedBefore = wasmStartedBefore(wasm);
      const xnnpackThreads = planXnnpackThreads(plan.threads, { requested: options.xnnpackThreads, threadedKernels: options.threadedKernels });
      const initialised = await initialiseBackend(wasm, plan.threads, xnnpackThreads);
      let threadsFallback = plan.fallback;
      if (!initialised.ok) {
        // The threaded build failed to start: say why, and run single-threaded instead.
        threadsFallback = `threaded wasm failed to start (${initialised.reason}); using 1 thread`;
        const retry = await initialiseBackend(wasm, 1, 1);
        if (!retry.ok) throw new WasmBackendError(`the wasm backend failed to initialise: ${retry.reason}`, { cause: retry.cause });
      }
      // With fewer XNNPACK threads than asked for, the threaded build still runs all of them for our kernels;
      // a backend started earlier keeps the count it started with.
      const threads = startedBefore
        ? (startedThreads ?? Math.max(1, wasm.getThreadsCount()))
        : initialised.ok && xnnpackThreads < plan.threads ? plan.threads : Math.max(1, wasm.getThreadsCount());
      if (!startedBefore) startedThreads = threads;
      if (threadsFallback === undefined && threads < plan.threads) {
        threadsFallback = startedBefore
          ? `${plan.threads} threads requested but the wasm backend runs ${threads} (it was started earlier in this ${isNode() ? 'process' : 'page'} with that count, and tfjs fixes the count when it first starts)`
          : `${plan.threads} threads requested but tfjs-backend-wasm started ${threads}`;
      }
      const kernels = registerWasmTrainingKernels();
      const simd = (await env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      const relaxedSimd = simd && (await precompileSimdKernels({ relaxedSimd: options.relaxedSimd !== false })) === 'relaxed';
      // Our kernels on every thread too (Node); XNNPACK's operators already are.
      const pool = simd && threads > 1 && options.threadedKernels !== false ? await startSimdKernelPool(currentBackend() as BackendWasm, threads, Math.max(1, wasm.getThreadsCount())) : { threads: 1 };
      const capabilities: Record<string, string | number | boolean> = {
        simd,
        relaxedSimd,
        threads,
        kernelThreads: pool.threads,
        ...(xnnpackThreads < threads ? { xnnpackThreads: Math.max(1, wasm.getThreadsCount()) } : {}),
        kernels: [...kernels.added, ...kernels.replaced, ...kernels.unchanged].length,
      };
      if (threadsFallback) capabilities.threadsFallback = threadsFallback;
      if (pool.reason) capabilities.kernelThreadsFallback = pool.reason;
      const relaxedFallback = relaxedSimdFallback(simd, relaxedSimd, options.relaxedSimd);
      if (relaxedFallback) capabilities.relaxedSimdFallback = relaxedFallback;
      log(
        `using wasm (${simd ? (relaxedSimd ? 'simd + relaxed-simd FMA' : 'simd') : 'no simd'}, ${threads} thread${threads === 1 ? '' : 's'}` +
          `${threadsFallback ? `; ${threadsFallback}` : ''}${pool.reason ? `; ${pool.reason}` : ''}${relaxedFallback ? `; ${relaxedFallback}` : ''})`,
      );
      return { name: 'wasm', tfjsBackendName: 'wasm', capabilities };
    },
  };
}

/** Why the FMA build of our kernels does not run, when it was not turned off on purpose. */
function relaxedSimdFallback(simd: boolean, relaxedSimd: boolean, requested: boolean | undefined): string | undefined {
  if (relaxedSimd || requested === false || !simd) return undefined;
  if (relaxedSimdSupported()) return 'the relaxed-SIMD (FMA) kernel build failed to compile; using plain SIMD kernels';
  return isNode()
    ? `Node ${process.versions.node} has no relaxed SIMD (FMA) by default; using plain SIMD kernels. Node ≥ 22 has it; on Node 20 run node with --experimental-wasm-relaxed-simd (or have the app call v8.setFlagsFromString("--experimental-wasm-relaxed-simd") before loading)`
    : 'this browser has no relaxed SIMD (FMA, Chrome ≥ 114); using plain SIMD kernels';
}

type InitResult = { ok: true } | { ok: false; reason: string; cause: unknown };

/** Makes `wasm` the current backend with `threads` threads (fixed once the backend exists). */
async function initialiseBackend(wasm: WasmModule, threads: number, xnnpackThreads: number): Promise<InitResult> {
  const flags = env();
  flags.set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  wasm.setThreadsCount(xnnpackThreads);
  const switchBackend = async () => {
    const switched = await setBackend('wasm');
    await ready();
    return switched && getBackend() === 'wasm';
  };
  try {
    let switched: boolean;
    if (threads > 1) {
      switched = await (isNode() ? withNodeThreadedWasm : withPageThreadedWasm)(threads, switchBackend);
    } else {
      switched = await switchBackend();
    }
    if (!switched) return { ok: false, reason: `tf.setBackend("wasm") returned false; current backend: "${getBackend()}"`, cause: undefined };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error), cause: error };
  }
}

function wasmStartedBefore(wasm: WasmModule): boolean {
  try {
    wasm.getThreadsCount();
    return true;
  } catch {
    return false;
  }
}

/** Checks `paths` (see `WasmPluginOptions.wasmPaths`) and hands them to tfjs before the backend starts. */
function setWasmPaths(wasm: WasmModule, paths: WasmPaths): void {
  if (typeof paths === 'string') {
    if (!paths.endsWith('/')) {
      throw new WasmBackendError(`wasmPaths must be a folder URL ending in "/" (tfjs appends the file name to it), got ${JSON.stringify(paths)}. Pass ${JSON.stringify(`${paths}/`)}.`);
    }
  } else {
    const missing = WASM_BINARY_NAMES.filter((name) => typeof paths[name] !== 'string' || paths[name] === '');
    const unknown = Object.keys(paths).filter((name) => !(WASM_BINARY_NAMES as readonly string[]).includes(name));
    if (missing.length > 0 || unknown.length > 0) {
      throw new WasmBackendError(
        `wasmPaths as a map needs a URL for each of ${WASM_BINARY_NAMES.join(', ')}` +
          `${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}${unknown.length > 0 ? `; not a tfjs-backend-wasm file: ${unknown.join(', ')}` : ''}. ` +
          'Or pass the folder that holds all three as a string ending in "/".',
      );
    }
  }
  try {
    wasm.setWasmPaths(paths);
  } catch (error) {
    throw new WasmBackendError(`tfjs-backend-wasm refused wasmPaths ${JSON.stringify(paths)}: ${(error as Error).message}`, { cause: error });
  }
}

async function importWasmModule(): Promise<WasmModule> {
  const imported = (await import('@tensorflow/tfjs-backend-wasm')) as WasmModule & { default?: WasmModule };
  // The package is CommonJS in Node: its exports may arrive as named exports or on `default`.
  return typeof imported.setThreadsCount === 'function' ? imported : (imported.default as WasmModule);
}

async function detect(): Promise<Detection> {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    return { available: false, reason: 'this JavaScript runtime has no WebAssembly' };
  }
  if (isNode()) {
    try {
      // Resolving only: cheap and side-effect free, the package is not evaluated.
      import.meta.resolve('@tensorflow/tfjs-backend-wasm');
    } catch {
      return {
        available: false,
        reason: '@tensorflow/tfjs-backend-wasm is not installed',
        fix: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0',
      };
    }
  }
  return { available: true, reason: 'WebAssembly is available' };
}
