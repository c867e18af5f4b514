/**
 * The `wasm` backend plugin: tfjs-backend-wasm (SIMD, optionally threaded) plus our training
 * kernels.
 */
import { env, getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import type { BackendPlugin, Detection, LoadedBackend, LoadOptions } from '@digitlab/backend';
import { WasmBackendError } from './errors.js';
import { registerWasmTrainingKernels } from './register-kernels.js';

/**
 * Priority under `auto`: above `cpu` (which should stay below 100) and below the native engines
 * (`tensorflow`, `cuda`, which should be above 100).
 */
export const WASM_PLUGIN_PRIORITY = 100;

/** Options of `createWasmPlugin`. */
export interface WasmPluginOptions {
  /** Receives the backend decisions (threads, fallbacks) as one line each. */
  log?: (message: string) => void;
}

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

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
      const requested = loadOptions.threads;
      if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
        throw new WasmBackendError(`threads must be a positive integer, got ${String(requested)}.`);
      }
      // Threaded wasm in Node needs worker fixes that are not in place yet: one thread, said why.
      const threadsFallback = requested !== undefined && requested > 1 ? 'multi-threaded wasm is not enabled in this version' : undefined;
      env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);

      let switched: boolean;
      try {
        switched = await setBackend('wasm');
        await ready();
      } catch (error) {
        throw new WasmBackendError(`the wasm backend failed to initialise: ${(error as Error).message}`, { cause: error });
      }
      if (!switched || getBackend() !== 'wasm') {
        throw new WasmBackendError(`the wasm backend failed to initialise (tf.setBackend("wasm") returned false; current backend: "${getBackend()}").`);
      }
      const kernels = registerWasmTrainingKernels();
      const simd = (await env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      const capabilities: Record<string, string | number | boolean> = {
        simd,
        threads: 1,
        kernels: [...kernels.added, ...kernels.replaced, ...kernels.unchanged].length,
      };
      if (threadsFallback) capabilities.threadsFallback = threadsFallback;
      log(`using wasm (${simd ? 'simd' : 'no simd'}, 1 thread${threadsFallback ? `: ${threadsFallback}` : ''})`);
      return { name: 'wasm', tfjsBackendName: 'wasm', capabilities };
    },
  };
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

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';
}
