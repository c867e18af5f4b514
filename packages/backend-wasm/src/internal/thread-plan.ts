/**
 * How many threads the wasm backend starts with, and why fewer than asked for when that is the case.
 * @internal
 */
import { nodeCoreCount } from '#node-threads';
import { isNode } from './is-node.js';

/** The most threads the tfjs wasm build can use: it preallocates 8 pthread workers. */
export const MAX_WASM_THREADS = 8;

export interface ThreadPlan {
  threads: number;
  /** Why fewer threads than requested (or than the default) will run. */
  fallback?: string;
}

/** Threads to start for `requested` (undefined: every core), and why fewer when that is the case. */
export function planThreads(requested: number | undefined): ThreadPlan {
  if (isNode()) {
    const wanted = requested ?? nodeCoreCount();
    if (wanted > MAX_WASM_THREADS) {
      return { threads: MAX_WASM_THREADS, fallback: `${wanted} threads requested; tfjs-backend-wasm runs at most ${MAX_WASM_THREADS}` };
    }
    return { threads: wanted };
  }
  const cores = typeof navigator === 'object' && typeof navigator.hardwareConcurrency === 'number' ? navigator.hardwareConcurrency : 1;
  const wanted = requested ?? cores;
  if (wanted === 1) return { threads: 1 };
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return {
      threads: 1,
      fallback: 'the page is not cross-origin isolated, so SharedArrayBuffer (needed by wasm threads) is unavailable; serve it with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"',
    };
  }
  return { threads: Math.min(wanted, MAX_WASM_THREADS) };
}

/**
 * Threads XNNPACK's operators get out of `threads`: `requested` when given (1 to `threads`); else 1
 * where our kernel pool will run (Node, `threadedKernels` not false, several threads), so that one
 * pool owns the cores — two pools over them oversubscribe (docs/results.md, 2026-12-07) — and all of
 * them elsewhere (a browser page, where our kernels stay on the calling thread).
 */
export function planXnnpackThreads(threads: number, options: { requested?: number; threadedKernels?: boolean }): number {
  if (options.requested !== undefined) return Math.max(1, Math.min(threads, Math.floor(options.requested)));
  const kernelPoolRuns = isNode() && options.threadedKernels !== false && threads > 1;
  return kernelPoolRuns ? 1 : threads;
}
