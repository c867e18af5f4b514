/**
 * Packed forms of weight operands (a filter's Winograd transform, a matrix packed into column
 * slices), kept on the heap between kernel calls for as long as the tensor they were packed from
 * lives. Inference with one model then packs each weight once instead of on every call: at batch 1
 * the per-call Winograd filter transform took as long as a third of ResNet-mini's convolutions.
 *
 * Why a tensor's `dataId` identifies its values: tfjs never writes into a buffer after its kernel
 * produced it (every kernel writes only its fresh outputs; `Variable.assign` moves the variable to
 * the new value's `dataId`), and a `dataId` is an object never reused for other data. The form key
 * names the packing and the dimensions it read, since reshaped aliases share a `dataId`.
 *
 * A form is kept from its second use on: a training step uses each weight once per form (the
 * update gives it a new `dataId` before the next step), so training keeps nothing (ResNet-18's
 * transformed filters alone would hold ~150 MB), while repeated inference and frozen layers pack
 * once. Kept forms of tensors the backend has freed are released on the next packing. Internal.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Per backend: source `dataId` → form key → heap pointer of the kept packed bytes. */
const kept = new WeakMap<BackendWasm, Map<object, Map<string, number>>>();
/** Forms packed once and not kept yet, per source `dataId` (weak: nothing to release). */
const packedOnce = new WeakMap<object, Set<string>>();

/**
 * Runs `body` with the byte offset of `weight` packed by `pack` into `bytes` heap bytes. From the
 * second call for this (`weight`, `form`) on, the packed bytes are kept and `pack` does not run
 * again. `form` must name the packing and every dimension it depends on (e.g. `winograd:16x32`).
 */
export function withPackedWeight<T>(backend: BackendWasm, weight: TensorInfo, form: string, bytes: number, pack: (pointer: number) => void, body: (pointer: number) => T): T {
  let cache = kept.get(backend);
  if (cache === undefined) {
    cache = new Map();
    kept.set(backend, cache);
  }
  const forms = cache.get(weight.dataId);
  const cached = forms?.get(form);
  if (cached !== undefined) return body(cached);
  const heap = backend.wasm as unknown as HeapAllocator;
  const seen = packedOnce.get(weight.dataId);
  if (!seen?.has(form)) {
    if (seen) seen.add(form);
    else packedOnce.set(weight.dataId, new Set([form]));
    const pointer = heap._malloc(bytes);
    try {
      pack(pointer);
      return body(pointer);
    } finally {
      heap._free(pointer);
    }
  }
  releaseFreed(backend, cache);
  const pointer = heap._malloc(bytes);
  pack(pointer);
  if (forms) forms.set(form, pointer);
  else cache.set(weight.dataId, new Map([[form, pointer]]));
  return body(pointer);
}

/** Number of packed forms `backend` keeps (tests: weights used once keep none, freed weights' forms go). */
export function keptPackedWeightCount(backend: BackendWasm): number {
  let count = 0;
  for (const forms of kept.get(backend)?.values() ?? []) count += forms.size;
  return count;
}

/** Frees the kept forms of tensors `backend` no longer holds. */
function releaseFreed(backend: BackendWasm, cache: Map<object, Map<string, number>>): void {
  const heap = backend.wasm as unknown as HeapAllocator;
  for (const [dataId, forms] of cache) {
    if (backend.dataIdMap.has(dataId)) continue;
    for (const pointer of forms.values()) heap._free(pointer);
    cache.delete(dataId);
  }
}
