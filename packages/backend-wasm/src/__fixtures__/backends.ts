/** Test helpers: run the same computation on `cpu` and on `wasm` (with our kernels) and compare. */
// First: the FMA build of our kernels must be able to validate (see relaxed-simd.ts).
import './relaxed-simd.js';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers them all.
import '@tensorflow/tfjs-layers';
import { createWasmPlugin } from '../plugin.js';

let loaded: Promise<unknown> | undefined;

/** Loads the wasm plugin once per test file. */
export function loadWasm(): Promise<unknown> {
  loaded ??= createWasmPlugin().load();
  return loaded;
}

export { random, randomValues, runOn } from './compare-backends.js';
