/**
 * Our WebAssembly-SIMD hot loops (csrc/training-kernels.c), instantiated over the tfjs wasm
 * module's own memory so they read and write tensors in place. Internal.
 *
 * The module is tiny (~3 KB), so it is compiled synchronously (allowed on a browser main thread
 * below 4 KB) on first use, once per wasm backend instance. When it cannot be instantiated
 * (no SIMD, or a tfjs build that does not expose its memory) callers fall back to their JS loops.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernelsBinary } from './simd-kernels-binary.js';

/** The exports of csrc/training-kernels.c; every pointer is a byte offset into the tfjs heap. */
export interface SimdKernels {
  max_pool_grad_disjoint(
    dx: number, x: number, dy: number, batch: number, inHeight: number, inWidth: number, channels: number,
    filterHeight: number, filterWidth: number, outHeight: number, outWidth: number,
  ): void;
  column_sums(out: number, x: number, scratch: number, rows: number, columns: number): void;
  batch_norm_channels(out: number, x: number, mean: number, factor: number, offset: number, rows: number, columns: number): void;
}

/** The emscripten module fields we rely on (present in tfjs-backend-wasm 4.22's three builds). */
interface EmscriptenModule {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const instances = new WeakMap<object, SimdKernels | null>();

function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Our SIMD kernels bound to `backend`'s memory, or `null` when they cannot run here. */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  const cached = instances.get(backend);
  if (cached !== undefined) return cached;
  let kernels: SimdKernels | null = null;
  try {
    const module = backend.wasm as unknown as EmscriptenModule;
    // Non-threaded builds export their memory; the threaded build creates it in JS.
    const memory = module.asm?.memory ?? module.wasmMemory;
    if (memory) {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const binary = shared ? simdKernelsBinary.shared : simdKernelsBinary.plain;
      const compiled = new WebAssembly.Module(decodeBase64(binary.base64));
      const instance = new WebAssembly.Instance(compiled, { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    }
  } catch {
    kernels = null; // e.g. no WebAssembly SIMD: the JS loops run instead.
  }
  instances.set(backend, kernels);
  return kernels;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId)!.memoryOffset;
}

/** Runs `body` with `bytes` of scratch from the tfjs heap (`_malloc`), freed afterwards. */
export function withScratch<T>(backend: BackendWasm, bytes: number, body: (pointer: number) => T): T {
  const module = backend.wasm as unknown as EmscriptenModule;
  const pointer = module._malloc(bytes);
  try {
    return body(pointer);
  } finally {
    module._free(pointer);
  }
}

/** A Float32Array view of `length` floats at byte offset `pointer` of the tfjs heap. */
export function heapFloats(backend: BackendWasm, pointer: number, length: number): Float32Array {
  return new Float32Array((backend.wasm as unknown as EmscriptenModule).HEAPF32.buffer, pointer, length);
}
