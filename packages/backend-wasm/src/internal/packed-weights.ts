/**
 * Packed forms of weight operands (a filter's Winograd transform, a matrix packed into column
 * slices), kept on the heap between kernel calls for as long as the tensor they were packed from
 * lives. Inference with one model then packs each weight once instead of on every call: at batch 1
 * the per-call Winograd filter transform took as long as a third of ResNet-mini's convolutions.
 *
 * Why a tensor's `dataId` identifies its values: tfjs never writes into a buffer after its kernel
 * produced it (every kernel writes only its fresh outputs; `Variable.assign` moves the variable to
 * the new value's `dataId`), and a `dataId` is an object never reused for other data. The form key
 * names the packing and the dimensions it read, since reshaped aliases share a `dataId`. Entries
 * whose tensor the backend has freed are released on the next miss, so a training loop (new
 * weights every step) holds at most one packed copy per weight beyond the live ones. Internal.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Per backend: source `dataId` → form key → heap pointer of the packed bytes. */
const caches = new WeakMap<BackendWasm, Map<object, Map<string, number>>>();

/**
 * Byte offset of `weight` packed by `pack` into `bytes` fresh heap bytes, packed on the first call
 * for this (`weight`, `form`) and reused after it. `form` must name the packing and every
 * dimension it depends on (e.g. `winograd:16x32`). The pointer stays valid while `weight` lives.
 */
export function packedWeight(backend: BackendWasm, weight: TensorInfo, form: string, bytes: number, pack: (pointer: number) => void): number {
  let cache = caches.get(backend);
  if (cache === undefined) {
    cache = new Map();
    caches.set(backend, cache);
  }
  const forms = cache.get(weight.dataId);
  const cached = forms?.get(form);
  if (cached !== undefined) return cached;
  releaseFreed(backend, cache);
  const heap = backend.wasm as unknown as HeapAllocator;
  const pointer = heap._malloc(bytes);
  pack(pointer);
  if (forms) forms.set(form, pointer);
  else cache.set(weight.dataId, new Map([[form, pointer]]));
  return pointer;
}

/** Number of packed forms `backend` holds (tests: entries of freed weights must go). */
export function packedWeightCount(backend: BackendWasm): number {
  let count = 0;
  for (const forms of caches.get(backend)?.values() ?? []) count += forms.size;
  return count;
}

/** Frees the packed forms of tensors `backend` no longer holds. */
function releaseFreed(backend: BackendWasm, cache: Map<object, Map<string, number>>): void {
  const heap = backend.wasm as unknown as HeapAllocator;
  for (const [dataId, forms] of cache) {
    if (backend.dataIdMap.has(dataId)) continue;
    for (const pointer of forms.values()) heap._free(pointer);
    cache.delete(dataId);
  }
}
