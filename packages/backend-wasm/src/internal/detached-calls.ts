/**
 * Inter-op parallelism: a kernel call handed whole to a worker of the kernel pool
 * (`KernelPool.detach`) while the calling thread goes on with the next kernels. Internal.
 *
 * A training step's backward pass computes, layer after layer, a filter gradient that nothing reads
 * until the optimizer runs, and an input gradient that the layer below needs at once. With two
 * threads the filter gradients run detached on the worker while the caller runs the input gradients,
 * the batch-norm and ReLU gradients and tfjs's JS between kernels on its own: the worker no longer
 * idles through the caller's serial stretches, and neither side waits at a barrier per call.
 *
 * Tensors stay safe without tfjs knowing: a detached call's outputs are not ready and its inputs must
 * not be freed before it ends. So the backend's bookkeeping is watched (hooks installed once per
 * backend): looking up a pending output's data (`dataIdMap.get`, through which every kernel, read
 * and `typedArrayFromHeap` finds a tensor's memory), or disposing any tensor a pending call reads or
 * writes, first waits for every detached call (`join`), then frees what they held (padded copies,
 * scratch). Reference counting (`incRef`, `refCount`) does not wait: it touches no tensor data.
 * @internal
 */
import { engine } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelPool, PoolKernel } from './kernel-pool.js';

type DataId = object;

interface Detached {
  pool: KernelPool;
  /** Tensors pending calls write: looking their data up waits. */
  writes: Set<DataId>;
  /** Tensors pending calls read or write: disposing them waits. */
  touches: Set<DataId>;
  /** What to free once the pending calls are done. */
  releases: Array<() => void>;
}

const states = new WeakMap<BackendWasm, Detached>();

/** The kernel calls of one detached job, run in order. */
export type DetachedCalls = Array<readonly [PoolKernel, readonly number[]]>;

/**
 * Which kernels run detached where a pool of two threads runs (benches and tests switch them off to
 * compare), and the least work (multiply-adds) a call needs to: 8 M, ~0.4-0.8 ms of one thread, well
 * above a worker's wake-up and the caller's wait for the last call at the join. Below it a call runs
 * in place: seed-cnn's batch-1 training step took 5.2 → 6.5 ms (medians, 2 threads) with every
 * filter gradient (0.2-2.2 M multiply-adds) detached. Tests set `minWork` 0.
 */
export const detachedKernels = { filterGradient: true, minWork: 1 << 23 };

/**
 * Whether a filter-gradient call of `work` multiply-adds runs detached now: switched on, large
 * enough, and no `tf.profile` running (it times each kernel call as it returns, so a detached call
 * would count as free and its wait fall on whichever kernel joins).
 */
export function detachesFilterGradient(work: number): boolean {
  return detachedKernels.filterGradient && work >= detachedKernels.minWork && !engine().state.profiling;
}

/** Waits for `backend`'s detached calls and frees what they held. */
export function joinDetached(backend: BackendWasm): void {
  const state = states.get(backend);
  if (state === undefined || state.touches.size === 0) return;
  try {
    state.pool.join();
  } finally {
    const releases = state.releases.splice(0);
    state.writes.clear();
    state.touches.clear();
    for (const release of releases) release();
  }
}

/**
 * Runs `calls` (kernel and arguments, in order) on `pool`'s worker, detached: `writes` (their
 * outputs) and `reads` stay pending until `backend` needs them (see the header); `release` runs
 * once they have finished.
 */
export function runDetached(backend: BackendWasm, pool: KernelPool, calls: DetachedCalls, tensors: { reads: DataId[]; writes: DataId[] }, release: () => void): void {
  const state = states.get(backend) ?? watch(backend, pool);
  if (state.pool !== pool) {
    // The backend's pool was replaced (another build of our kernels): finish what the old one was given.
    joinDetached(backend);
    state.pool = pool;
  }
  pool.detach(calls);
  for (const id of tensors.writes) {
    state.writes.add(id);
    state.touches.add(id);
  }
  for (const id of tensors.reads) state.touches.add(id);
  state.releases.push(release);
}

/** Installs the hooks that keep detached calls' tensors safe (see the header). */
function watch(backend: BackendWasm, pool: KernelPool): Detached {
  const state: Detached = { pool, writes: new Set(), touches: new Set(), releases: [] };
  states.set(backend, state);
  const dataIdMap = backend.dataIdMap as unknown as { get(id: DataId): unknown };
  const get = dataIdMap.get.bind(dataIdMap);
  let bookkeeping = 0;
  dataIdMap.get = (id) => {
    if (bookkeeping === 0 && state.writes.has(id)) joinDetached(backend);
    return get(id);
  };
  for (const method of ['incRef', 'refCount'] as const) {
    const original = (backend[method] as (id: DataId) => unknown).bind(backend);
    (backend as unknown as Record<string, (id: DataId) => unknown>)[method] = (id) => {
      bookkeeping += 1;
      try {
        return original(id);
      } finally {
        bookkeeping -= 1;
      }
    };
  }
  const disposeData = backend.disposeData.bind(backend);
  backend.disposeData = (id: DataId, force?: boolean) => {
    if (state.touches.has(id)) joinDetached(backend);
    return disposeData(id as never, force);
  };
  return state;
}
