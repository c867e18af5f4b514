/**
 * Runs our SIMD kernels on every thread of the threaded wasm build, in Node. Internal.
 *
 * tfjs-backend-wasm spreads XNNPACK's operators over its pthreads, but our kernels (the
 * convolution gradients, the dense-layer GEMMs, pooling and per-channel gradients: most of a
 * training step) ran on the calling thread only, so a step barely moved from 1 to 8 threads
 * (seed-cnn on a 16-core host: 780 → 1,482 img/s, PyTorch 1,466 → 7,677). Here `threads − 1`
 * `worker_threads` each instantiate the same compiled kernel module over the backend's shared
 * memory (the module has no stack and no data, so instances share nothing but that memory), and a
 * call is cut into disjoint pieces — images of a batch, rows of a matrix — that the workers and
 * the calling thread run at once, as many as its work has whole shares (`poolThresholds`), so a
 * small call stays on the caller. The filter gradient, column sums and batch-norm sums are sums
 * over rows or images: each thread sums its own into its own buffer and the caller adds them up.
 * Where this pool runs, XNNPACK's operators run on one thread (thread-plan.ts
 * `planXnnpackThreads`), so that the two pools do not compete for the cores.
 *
 * tfjs kernels are synchronous, so the caller blocks on `Atomics.wait` until every piece is done:
 * allowed on Node's main thread and in workers, not on a browser's main thread, which therefore
 * keeps one thread for our kernels (XNNPACK's operators still use all of them).
 *
 * A call may have more pieces than threads (`poolBalance`): thread t owns the t-th range of
 * consecutive pieces (the same images each call, so the activations a thread wrote stay in its
 * core's cache for its next piece), runs its first piece, claims the rest of its range in order,
 * then claims what the others have not started yet (`runClaimed`): a thread that started late or
 * runs slower (a vCPU the host took for a while) does fewer pieces instead of holding the others
 * at the end of the call. A piece's scratch panel belongs to the thread that runs it: the call
 * names the argument, and each thread writes its own panel there.
 *
 * A call may also be detached (`KernelPool.detach`, inter-op parallelism): posted whole to a ring
 * that the first worker runs in order while the caller goes on; until the ring is empty the caller
 * splits nothing (`parallelKernels` plans one piece), and when it joins it runs what the worker has
 * not started yet (`claimDetached`) before waiting for the rest.
 *
 * Protocol, over one small SharedArrayBuffer: the caller writes the call (kernel index, piece
 * count, panel argument) and every piece's arguments into the table, resets each range's claim
 * counter, clears `done`, bumps the split-call counter and `generation` and notifies; each worker
 * wakes on `generation`, runs the detached calls waiting in the ring (the first worker), then, if
 * the split-call counter moved, its pieces (`runClaimed`), increments `done` and notifies; the
 * caller runs its own, then waits until `done` counts every worker. A detached call bumps the ring's
 * posted counter and `generation`. The sequentially consistent Atomics order the plain writes on
 * both sides.
 * @internal
 */
import { conv2dBackpropInputPanelFloats, conv2dForwardPanelFloats, winogradFilterGradientScratchFloats, winograd4FilterGradientScratchFloats, winogradInputGradientPanelFloats, winograd4InputGradientPanelFloats, winogradPanelFloats, winograd4PanelFloats } from './panels.js';
import type { SimdKernels } from './simd-kernels.js';
import { startEvalWorker, type EvalWorker } from '#node-threads';

/** Kernel exports a pool can split, in the order their indices travel to the workers. */
const poolKernels = [
  'conv2d_forward',
  'conv2d_backprop_filter',
  'conv2d_backprop_input',
  'matmul',
  'pad_images',
  'crop_images',
  'col2im',
  'max_pool_grad_disjoint',
  'max_pool_disjoint',
  'binary_channels',
  'batch_norm_channels',
  'bias_activation',
  'winograd_conv3x3',
  'winograd4_conv3x3',
  'winograd_filter_gradient',
  'winograd4_filter_gradient',
  'winograd_input_gradient',
  'winograd4_input_gradient',
  'relu_gradient',
  'batch_norm_input_gradient',
  'column_sums',
  'centred_square_sums',
  'batch_norm_gradient_sums',
  'relu',
  'sgd_momentum',
  'adam_update',
  'winograd_filter',
  'winograd4_filter',
  'scatter_phase',
] as const;
export type PoolKernel = (typeof poolKernels)[number];

/** Most arguments a kernel takes (conv2d_forward: 17). */
const MAX_ARGUMENTS = 17;
/** Most pieces one call can hand out. */
const MAX_PIECES = 64;
/** Float64 entries per piece in the table: argument count, arguments. */
const PIECE = 1 + MAX_ARGUMENTS;
// Int32 header: generation, done, failures, stop, poll budget (µs), workers started on this call, workers asleep,
// split calls posted, detached calls posted, claimed, done and failed; 48 bytes keep the Float64 call and table aligned. After the
// table, one Int32 claim counter per thread's range, then the ring of detached calls.
const GENERATION = 0;
const DONE = 1;
const FAILURES = 2;
const STOP = 3;
const SPIN = 4;
const STARTED = 5;
const SLEEPING = 6;
const CALLS = 7;
const DETACHED_POSTED = 8;
const DETACHED_CLAIMED = 9;
const DETACHED_DONE = 10;
const DETACHED_FAILURES = 11;
const HEADER_INTS = 12;
const HEADER_BYTES = 48;
// Float64 call description after the header: kernel index, piece count, panel argument (−1: none), panel base, panel bytes.
const CALL_FLOATS = 5;
const TABLE_BYTES = HEADER_BYTES + CALL_FLOATS * 8;
const CLAIMS_BYTES = TABLE_BYTES + MAX_PIECES * PIECE * 8;
/** Detached calls the ring holds (see `KernelPool.detach`); a further one waits for the oldest to finish. */
const DETACHED_SLOTS = 32;
/** Most kernel calls one detached job runs, in order (e.g. a padded copy, then the kernel that reads it). */
const DETACHED_CALLS = 2;
/** Float64 entries per call of a detached job: kernel index (−1: none), argument count, arguments. */
const DETACHED_CALL = 2 + MAX_ARGUMENTS;
/** Float64 entries per detached job. */
const DETACHED = DETACHED_CALLS * DETACHED_CALL;
/** Byte offset of the ring of detached calls, after the claim counters of a pool of `threads`. */
const detachedBytes = (threads: number) => CLAIMS_BYTES + Math.ceil((threads * 4) / 8) * 8;

/**
 * Runs thread `thread`'s share of a call of `count` pieces over `threads` threads. The pieces form
 * min(threads, count) ranges of consecutive pieces, range r owned by thread r: the owner runs the
 * range's first piece (reserved: `claims[r]` starts at 1), then claims the next unclaimed piece of
 * its range through `claims[r]` until none is left, then does the same in the other ranges. Every
 * piece runs exactly once. The worker's program embeds this function's source.
 */
function runClaimed(thread: number, threads: number, count: number, claims: Int32Array, run: (piece: number) => void): void {
  const ranges = Math.min(threads, count);
  const start = (range: number) => Math.floor((range * count) / ranges);
  if (thread < ranges) run(start(thread));
  for (let i = 0; i < ranges; i++) {
    const range = (thread + i) % ranges;
    for (let piece = start(range) + Atomics.add(claims, range, 1); piece < start(range + 1); piece = start(range) + Atomics.add(claims, range, 1)) run(piece);
  }
}
/**
 * Claims the oldest detached call nobody has started: its index in posting order, or −1 when none
 * is left. The first worker claims them in turn; the caller claims the rest when it joins. The
 * worker's program embeds this function's source.
 */
function claimDetached(header: Int32Array, posted: number, claimed: number): number {
  for (;;) {
    const next = Atomics.load(header, claimed);
    if (next >= Atomics.load(header, posted)) return -1;
    if (Atomics.compareExchange(header, claimed, next, next + 1) === next) return next;
  }
}

/**
 * Runs detached job `job` (its index in posting order) from `ring`, a ring of `slots` jobs of
 * `calls` entries of `callFloats` floats (kernel index, −1: none; argument count; arguments): each
 * call in order, as `call(kernelIndex, args)`. The worker's program embeds this function's source.
 */
function runDetachedJob(ring: Float64Array, job: number, slots: number, calls: number, callFloats: number, call: (kernel: number, args: Float64Array) => void): void {
  const start = (job % slots) * calls * callFloats;
  for (let entry = start; entry < start + calls * callFloats && ring[entry]! >= 0; entry += callFloats) {
    call(ring[entry]!, ring.subarray(entry + 2, entry + 2 + ring[entry + 1]!));
  }
}

/**
 * How long an idle pool thread polls before it sleeps (see `KernelPool.spinMicroseconds`). Waking
 * a thread that sleeps in `Atomics.wait` takes a futex wake-up, and on a virtual machine whose vCPU
 * went idle an inter-processor interrupt through the hypervisor and the host's scheduler: 15-120
 * µs for an empty round trip here, and past 1 ms at times (a worker asleep when a call came had
 * often not started 1 ms later), against pieces of 0.05-0.5 ms for the split batch-norm passes.
 * A training step's split calls come every few hundred µs, with gaps of a few ms where tfjs runs
 * JS and unsplit kernels between them, so a 10 ms poll keeps both sides awake through a step
 * (1 ms let the worker fall asleep in those gaps: resnet-mini's 2-thread step 263 → 225 ms, with
 * the streak below 216; seed-cnn inference 9.3 → 7.3 ms; medians of 40 interleaved steps).
 * Polling only pays while the pool's threads have the cores to themselves: on a busy machine a
 * polling thread takes the time slice that the thread it waits for needs. So the caller stops the
 * polling (both sides) for `SPIN_BACKOFF_CALLS` calls once `LATE_STREAK` judged calls in a row
 * found a worker late: a polling worker that had not started its piece `START_GRACE_MS` after the
 * caller ran out of pieces, or one not finished within the caller's poll (this budget, or half the
 * caller's time if longer). One late call alone is no busy machine: our own process's V8 threads
 * (GC, compiler: 27-42 ms of CPU a resnet-mini step) take a worker's core now and then, and
 * stopping the poll for 64 calls on each made the calls after it pay wake-ups. Then it polls
 * again, judging from the second call on (the workers may still be asleep for the first).
 */
export const POOL_SPIN_MICROSECONDS = 10_000;
/** How long after the caller ran out of pieces a polling worker may take to start its own before it counts as late. */
const START_GRACE_MS = 0.1;
/** Judged calls in a row with a late worker that stop the polling (see `POOL_SPIN_MICROSECONDS`). */
export const LATE_STREAK = 3;
/** Split calls without polling after `LATE_STREAK` late ones (see `POOL_SPIN_MICROSECONDS`). */
export const SPIN_BACKOFF_CALLS = 64;
/** A piece that has not answered after this long means a dead worker: fail rather than hang. */
const WAIT_LIMIT_MS = 120_000;

/** The worker's whole program (CommonJS, started with `{ eval: true }`). */
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, counters, thread, threads, names, ringOffset } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const functions = names.map((name) => kernels[name]);
const header = new Int32Array(control, 0, ${HEADER_INTS});
const call = new Float64Array(control, ${HEADER_BYTES}, ${CALL_FLOATS});
const table = new Float64Array(control, ${TABLE_BYTES}, ${MAX_PIECES * PIECE});
const claims = new Int32Array(control, ${CLAIMS_BYTES}, threads);
const detached = new Float64Array(control, ringOffset, ${DETACHED_SLOTS * DETACHED});
const pieces = new Int32Array(counters);
${runClaimed.toString()}
${claimDetached.toString()}
${runDetachedJob.toString()}
parentPort.postMessage('ready');
let seen = 0;
let calls = 0;
for (;;) {
  // Poll a while for the next call before sleeping (see POOL_SPIN_MICROSECONDS).
  const spinUntil = performance.now() + Atomics.load(header, ${SPIN}) / 1000;
  while (Atomics.load(header, ${GENERATION}) === seen && performance.now() < spinUntil) {
    for (let i = 0; i < 64 && Atomics.load(header, ${GENERATION}) === seen; i++);
  }
  if (Atomics.load(header, ${GENERATION}) === seen) {
    Atomics.add(header, ${SLEEPING}, 1);
    Atomics.wait(header, ${GENERATION}, seen);
    Atomics.sub(header, ${SLEEPING}, 1);
  }
  seen = Atomics.load(header, ${GENERATION});
  if (Atomics.load(header, ${STOP}) === 1) break;
  // Detached calls, in the order posted: the first worker's (the caller splits nothing meanwhile, and claims what is left when it joins).
  if (thread === 1) {
    for (let claimed = claimDetached(header, ${DETACHED_POSTED}, ${DETACHED_CLAIMED}); claimed >= 0; claimed = claimDetached(header, ${DETACHED_POSTED}, ${DETACHED_CLAIMED})) {
      try {
        runDetachedJob(detached, claimed, ${DETACHED_SLOTS}, ${DETACHED_CALLS}, ${DETACHED_CALL}, (kernel, args) => functions[kernel](...args));
        Atomics.add(pieces, thread, 1);
      } catch {
        Atomics.add(header, ${DETACHED_FAILURES}, 1);
      }
      Atomics.add(header, ${DETACHED_DONE}, 1);
      Atomics.notify(header, ${DETACHED_DONE});
    }
  }
  // A wake-up for detached calls only: no split call to join.
  if (Atomics.load(header, ${CALLS}) === calls) continue;
  calls += 1;
  Atomics.add(header, ${STARTED}, 1);
  const kernel = functions[call[0]], count = call[1], panelArgument = call[2], panel = call[3] + thread * call[4];
  try {
    runClaimed(thread, threads, count, claims, (piece) => {
      const args = table.subarray(piece * ${PIECE} + 1, piece * ${PIECE} + 1 + table[piece * ${PIECE}]);
      if (panelArgument >= 0) args[panelArgument] = panel;
      kernel(...args);
      Atomics.add(pieces, thread, 1);
    });
  } catch {
    Atomics.add(header, ${FAILURES}, 1);
  }
  Atomics.add(header, ${DONE}, 1);
  Atomics.notify(header, ${DONE});
}
`;

/** One piece of a kernel call: its arguments (byte offsets and integers). */
type Piece = number[];
/** A call's pieces, with the thread panels they take if any. */
type Split = Piece[] | { pieces: Piece[]; panels: ThreadPanels };

/**
 * Scratch panels of a call, one per thread: the thread that runs a piece writes `base + thread ·
 * bytes` into its argument `argument` (thread 0 the caller).
 */
export interface ThreadPanels {
  argument: number;
  base: number;
  bytes: number;
}

/** A kernel's split calls, and the calling thread's side of them (`KernelPool.timings`). */
export interface PoolTiming {
  calls: number;
  ownMs: number;
  waitMs: number;
  woke: number;
}

/** A started pool. `threads` counts the calling thread. */
export interface KernelPool {
  readonly threads: number;
  /**
   * How long (µs) an idle thread of the pool — a worker after its piece, the caller waiting for
   * the workers' pieces — polls before it sleeps in `Atomics.wait`, while polling pays
   * (`POOL_SPIN_MICROSECONDS`; benches set 0 to compare).
   */
  spinMicroseconds: number;
  /**
   * Whether a call now would wait for a worker's wake-up: polling is off (`spinMicroseconds` 0, or
   * backing off after late calls), so workers sleep between calls, or a worker sleeps in `Atomics.wait`.
   */
  readonly sleeping: boolean;
  /** Split calls so far whose workers were late for the caller's poll (`LATE_STREAK` in a row stop polling for a while). */
  readonly lateCalls: number;
  /** How many split calls of each kernel ran (tests check that a path really went through the pool; `timings`' counts). */
  readonly runs: Partial<Record<PoolKernel, number>>;
  /**
   * Per kernel, over its split calls: their count, the calling thread's ms on its own pieces, its ms
   * waiting for the workers after them (the barrier), and the calls that found a worker asleep (a wake-up paid):
   * where a step's two-thread time goes, for bench/thread-diagnosis.mjs and bench/pool-settings.mjs.
   */
  readonly timings: Partial<Record<PoolKernel, PoolTiming>>;
  /**
   * Pieces each thread has run, index 0 the calling thread, i the i-th worker (tests and
   * bench/thread-diagnosis.mjs check that split calls really reach every thread).
   */
  readonly pieces: readonly number[];
  /**
   * Runs `kernel` once per piece, thread t (0: the calling thread) the t-th range of them, and
   * whatever it claims of the others' (`runClaimed`); `panels`: each thread's scratch panel.
   * Returns when all are done.
   */
  run(kernel: PoolKernel, pieces: Piece[], panels?: ThreadPanels): void;
  /**
   * Hands whole kernel calls (up to two, run in order: one job) to the first worker and returns at
   * once: inter-op parallelism, the caller going on with other kernels meanwhile. Detached jobs run
   * one after the other in the order posted; until all are done (`detachedPending`), `run` keeps every piece on
   * the caller. The caller must not touch what they write, nor free what they read, before `join`.
   */
  detach(calls: ReadonlyArray<readonly [PoolKernel, readonly number[]]>): void;
  /** Detached calls posted and not yet finished. */
  readonly detachedPending: number;
  /** Waits until every detached call has finished (at once when none is pending). */
  join(): void;
  /** How many calls of each kernel ran detached (`detach`), for tests and benches. */
  readonly detachedRuns: Partial<Record<PoolKernel, number>>;
  /** Stops the workers (tests; a process that exits needs no call). */
  close(): Promise<void>;
}

/**
 * Starts `threads − 1` workers over `memory` (shared) running `module` (the shared-memory build of
 * our kernels), next to `kernels`, the calling thread's instance of the same module.
 */
export async function startKernelPool(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: SimdKernels, threads: number): Promise<KernelPool> {
  const workers = threads - 1;
  const control = new SharedArrayBuffer(detachedBytes(threads) + DETACHED_SLOTS * DETACHED * 8);
  const claims = new Int32Array(control, CLAIMS_BYTES, threads);
  const detachedCalls = new Float64Array(control, detachedBytes(threads), DETACHED_SLOTS * DETACHED);
  // Separate from `control`, which the caller writes before every call: counters on other cache lines.
  const counters = new SharedArrayBuffer(Math.max(threads, 1) * 4);
  const pieceCounts = new Int32Array(counters);
  const header = new Int32Array(control, 0, HEADER_INTS);
  let spinMicroseconds = POOL_SPIN_MICROSECONDS;
  Atomics.store(header, SPIN, spinMicroseconds);
  /** Calls left before polling resumes after a late worker (0: polling). */
  let backoff = 0;
  /**
   * Whether the next call's lateness counts: not while the workers may still be asleep from before
   * polling (re)started (the first call, the first after a back-off).
   */
  let judge = false;
  let lateCalls = 0;
  /** Judged calls in a row that found a worker late. */
  let streak = 0;
  const callDescription = new Float64Array(control, HEADER_BYTES, CALL_FLOATS);
  const table = new Float64Array(control, TABLE_BYTES, MAX_PIECES * PIECE);
  const started = Array.from({ length: workers }, (_, slot) => {
    const worker = startEvalWorker(workerSource, { module, memory, control, counters, thread: slot + 1, threads, names: poolKernels, ringOffset: detachedBytes(threads) });
    // Blocked in Atomics.wait for the life of the process: never what keeps it alive.
    worker.unref();
    return new Promise<EvalWorker>((resolve, reject) => {
      worker.once('message', () => resolve(worker));
      worker.once('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  });
  const running = await Promise.all(started);

  const timings: Partial<Record<PoolKernel, PoolTiming>> = {};
  const detachedRuns: Partial<Record<PoolKernel, number>> = {};
  const detachedPending = () => Atomics.load(header, DETACHED_POSTED) - Atomics.load(header, DETACHED_DONE);
  /** Waits (a poll, then sleeps) for the next detached call to finish, if one is pending; fails rather than hang on a dead worker. */
  const waitDetached = () => {
    const done = Atomics.load(header, DETACHED_DONE);
    if (done === Atomics.load(header, DETACHED_POSTED)) return;
    const spinUntil = performance.now() + spinMicroseconds / 1000;
    while (Atomics.load(header, DETACHED_DONE) === done && performance.now() < spinUntil) for (let i = 0; i < 64; i++);
    if (Atomics.load(header, DETACHED_DONE) !== done) return;
    if (Atomics.wait(header, DETACHED_DONE, done, WAIT_LIMIT_MS) === 'timed-out') throw new Error(`a wasm kernel worker did not finish a detached kernel within ${WAIT_LIMIT_MS / 1000} s; restart the process, and to keep our kernels on one thread pass { threadedKernels: false } to createWasmPlugin`);
  };
  return {
    threads,
    get spinMicroseconds() {
      return spinMicroseconds;
    },
    set spinMicroseconds(value: number) {
      spinMicroseconds = Math.max(0, Math.round(value));
      backoff = 0;
      judge = false;
      streak = 0;
      Atomics.store(header, SPIN, spinMicroseconds);
    },
    get sleeping() {
      return Atomics.load(header, SPIN) === 0 || Atomics.load(header, SLEEPING) > 0;
    },
    get lateCalls() {
      return lateCalls;
    },
    get runs() {
      return Object.fromEntries(Object.entries(timings).map(([kernel, timing]) => [kernel, timing.calls]));
    },
    timings,
    get pieces() {
      return Array.from(pieceCounts);
    },
    run(kernel, pieces, panels) {
      const call = kernels[kernel] as (...args: number[]) => void;
      const runOwn = (piece: Piece) => {
        if (panels) piece[panels.argument] = panels.base;
        call(...piece);
      };
      if (pieces.length === 1) return runOwn(pieces[0]!); // nothing to hand out
      // The first worker runs detached calls: every piece stays here (callers plan one piece meanwhile; this is the backstop).
      if (detachedPending() > 0) {
        for (const piece of pieces) {
          runOwn(piece);
          Atomics.add(pieceCounts, 0, 1);
        }
        return;
      }
      if (pieces.length > MAX_PIECES) throw new Error(`${kernel}: ${pieces.length} pieces, more than the pool's table holds (${MAX_PIECES}); a bug in digitlab's kernel split, please report it`);
      callDescription.set([poolKernels.indexOf(kernel), pieces.length, panels?.argument ?? -1, panels?.base ?? 0, panels?.bytes ?? 0]);
      // Piece 0, the first of range 0, is reserved to the caller: only the others go through the table.
      for (let p = 1; p < pieces.length; p++) {
        table[p * PIECE] = pieces[p]!.length;
        table.set(pieces[p]!, p * PIECE + 1);
      }
      for (let range = 0; range < threads; range++) Atomics.store(claims, range, 1);
      Atomics.store(header, DONE, 0);
      Atomics.store(header, STARTED, 0);
      Atomics.add(header, CALLS, 1);
      Atomics.add(header, GENERATION, 1);
      // A worker asleep now starts late by its wake-up; only one that was polling and still had not
      // started soon after the caller ran out of pieces shows a busy machine.
      const polling = Atomics.load(header, SLEEPING) === 0;
      Atomics.notify(header, GENERATION);
      const start = performance.now();
      try {
        runClaimed(0, threads, pieces.length, claims, (piece) => {
          runOwn(pieces[piece]!);
          Atomics.add(pieceCounts, 0, 1);
        });
      } finally {
        const end = performance.now();
        if (backoff === 0 && spinMicroseconds > 0) {
          // Late: a polling worker had not started START_GRACE_MS after the caller ran all it could take
          // (it had no core), or a worker had not finished within the poll, which grows with the caller's
          // time (a piece of several ms may run a little slower on a worker without anything being wrong).
          const spinUntil = end + Math.max(spinMicroseconds / 1000, (end - start) / 2);
          let late = false;
          while (Atomics.load(header, DONE) < workers) {
            const now = performance.now();
            if (now >= spinUntil || (polling && now >= end + START_GRACE_MS && Atomics.load(header, STARTED) < workers)) {
              late = true;
              break;
            }
            for (let i = 0; i < 64 && Atomics.load(header, DONE) < workers; i++);
          }
          if (judge) {
            lateCalls += late ? 1 : 0;
            streak = late ? streak + 1 : 0;
            if (streak >= LATE_STREAK) {
              streak = 0;
              backoff = SPIN_BACKOFF_CALLS;
              Atomics.store(header, SPIN, 0);
            }
          }
          judge = true;
        } else if (backoff > 0 && --backoff === 0) {
          Atomics.store(header, SPIN, spinMicroseconds);
          judge = false;
        }
        // Even when our own piece trapped: the workers' pieces must end before the next call reuses the slots.
        const deadline = Date.now() + WAIT_LIMIT_MS;
        for (let done = Atomics.load(header, DONE); done < workers; done = Atomics.load(header, DONE)) {
          if (Date.now() > deadline) throw new Error(`a wasm kernel worker did not finish ${kernel} within ${WAIT_LIMIT_MS / 1000} s; restart the process, and to keep our kernels on one thread pass { threadedKernels: false } to createWasmPlugin`);
          Atomics.wait(header, DONE, done, 1000);
        }
        const timing = timings[kernel] ?? { calls: 0, ownMs: 0, waitMs: 0, woke: 0 };
        timings[kernel] = timing;
        timing.calls += 1;
        timing.ownMs += end - start;
        timing.waitMs += performance.now() - end;
        timing.woke += polling ? 0 : 1;
      }
      const failures = Atomics.exchange(header, FAILURES, 0);
      if (failures > 0) throw new Error(`${kernel} trapped on ${failures} wasm kernel worker(s) (out-of-bounds memory?): a bug in digitlab's kernels; please report it with the shapes involved, and pass { threadedKernels: false } to createWasmPlugin meanwhile`);
    },
    detach(calls) {
      if (calls.length > DETACHED_CALLS) throw new Error(`a detached job of ${calls.length} calls, more than the pool's ring holds (${DETACHED_CALLS}); a bug in digitlab's kernels, please report it`);
      if (workers === 0) return calls.forEach(([kernel, args]) => (kernels[kernel] as (...values: number[]) => void)(...args));
      const posted = Atomics.load(header, DETACHED_POSTED);
      // The ring is full: wait for its oldest job.
      while (posted - Atomics.load(header, DETACHED_DONE) >= DETACHED_SLOTS) waitDetached();
      const slot = (posted % DETACHED_SLOTS) * DETACHED;
      for (let c = 0; c < DETACHED_CALLS; c++) {
        const entry = calls[c];
        detachedCalls[slot + c * DETACHED_CALL] = entry ? poolKernels.indexOf(entry[0]) : -1;
        if (!entry) continue;
        detachedCalls[slot + c * DETACHED_CALL + 1] = entry[1].length;
        detachedCalls.set(entry[1], slot + c * DETACHED_CALL + 2);
        detachedRuns[entry[0]] = (detachedRuns[entry[0]] ?? 0) + 1;
      }
      Atomics.add(header, DETACHED_POSTED, 1);
      Atomics.add(header, GENERATION, 1);
      Atomics.notify(header, GENERATION);
    },
    get detachedPending() {
      return detachedPending();
    },
    join() {
      // Run what the worker has not started, oldest first, then wait for what it runs.
      for (let claimed = claimDetached(header, DETACHED_POSTED, DETACHED_CLAIMED); claimed >= 0; claimed = claimDetached(header, DETACHED_POSTED, DETACHED_CLAIMED)) {
        try {
          runDetachedJob(detachedCalls, claimed, DETACHED_SLOTS, DETACHED_CALLS, DETACHED_CALL, (kernel, args) => (kernels[poolKernels[kernel]!] as (...values: number[]) => void)(...args));
          Atomics.add(pieceCounts, 0, 1);
        } finally {
          Atomics.add(header, DETACHED_DONE, 1);
        }
      }
      while (detachedPending() > 0) waitDetached();
      const failures = Atomics.exchange(header, DETACHED_FAILURES, 0);
      if (failures > 0) throw new Error(`a detached kernel trapped on a wasm kernel worker (out-of-bounds memory?): a bug in digitlab's kernels; please report it with the shapes involved, and pass { threadedKernels: false } to createWasmPlugin meanwhile`);
    },
    detachedRuns,
    async close() {
      Atomics.store(header, STOP, 1);
      Atomics.add(header, GENERATION, 1);
      Atomics.notify(header, GENERATION);
      await Promise.all(running.map((worker) => worker.terminate()));
    },
  };
}

/** [start, end) ranges cutting `count` into at most `parts` non-empty pieces, starts aligned to `align`. */
export function split(count: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(count / align);
  const pieces = Math.min(parts, units);
  const ranges: [number, number][] = [];
  for (let part = 0, start = 0; part < pieces; part++) {
    const end = Math.min(count, Math.round(((part + 1) * units) / pieces) * align);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/**
 * Multiply-adds of a Winograd kernel: (tile + 2)² products per `tile` × `tile` output tile, input and
 * output channel (F(2×2, 3×3): 16; F(4×4, 3×3): 36).
 */
function winogradWork(batch: number, outHeight: number, outWidth: number, channels: number, outChannels: number, tile: 2 | 4 = 2): number {
  return batch * Math.ceil(outHeight / tile) * Math.ceil(outWidth / tile) * (tile + 2) ** 2 * channels * outChannels;
}

/**
 * The least work each thread of a split call must get, so that a piece outlasts the cost of
 * handing it out many times over: `work` multiply-adds (the convolutions and GEMMs; ~50-100 µs of
 * one thread at 10-20 GMAC/s; waking a worker and waiting for it costs ~20-40 µs here) and
 * `floats` floats touched (the copies, per-element kernels and reductions: 256 KB). A call gets
 * one thread per whole share, up to the pool's size: below two shares it runs on the calling
 * thread alone, so adding threads never slows a small call down. The memory-bound passes gain
 * little speed of their own from a second thread on the 2-vCPU machines here, but they split by
 * images (rows of N·H·W pixels) as the convolutions do, so each thread writes the activations its
 * next convolution piece reads into its own core's cache: run whole on the caller (from 4 MB a
 * thread, as they once did), they left the worker's half of the next convolution to fetch them
 * from the other core, and resnet-mini's training step on 2 threads took 11% longer (medians of 60
 * interleaved steps, docs/results.md).
 * A memory-bound pass splits that way only while the workers poll (`KernelPool.sleeping` false:
 * a convolution or another split call came within the poll); with polling off or a worker asleep it needs
 * `wakeFloats` floats a thread, so a pass on its own never pays a wake-up and keeps a worker
 * polling for the next one. Without it a batch-1 training step, whose only calls above `floats` are
 * the optimizer's updates of the largest weight (2 a step), kept the worker polling through the
 * whole step for ~50 µs of work, and 2 threads trained at 0.57-0.86x of 1 thread's speed (docs/results.md).
 * Tests set all three to 0 (every call splits over every thread).
 */
export const poolThresholds = { work: 1 << 20, floats: 1 << 16, wakeFloats: 1 << 20 };

/** The floats a thread a memory-bound call over `pool` needs to split now (`poolThresholds`). */
export function floatsShare(pool: Pick<KernelPool, 'sleeping'>): number {
  return pool.sleeping ? poolThresholds.wakeFloats : poolThresholds.floats;
}

/**
 * Pieces per thread of a split convolution (forward and input gradient, direct and Winograd), so
 * that a thread that falls behind leaves the last pieces of its range to the others (`runClaimed`).
 * With one piece a thread, a resnet-mini training step on 2 threads (batch 64, AMD EPYC) spent
 * 40-60 ms of its ~200 ms of split calls with the caller waiting for the worker, and the worker
 * 20-66 ms waiting for the caller: the threads' pieces of a call ended apart, either way round.
 * With 4 (and the memory-bound passes split, `poolThresholds`), the step's median went 213-241 →
 * 184-211 ms, ahead of 2 and 8 (docs/results.md). Reductions (filter gradients, column and
 * batch-norm sums) keep one piece a thread: each piece adds a partial sum of the whole output.
 * Benches set 1 to compare.
 */
export const poolBalance = { piecesPerThread: 4 };

/** Threads a call of `work` units (`share` per thread at least) over `count` splittable items gets: 1 means run whole. */
export function threadsFor(threads: number, work: number, share: number, count: number): number {
  const shares = share > 0 ? Math.floor(work / share) : Infinity;
  return Math.max(1, Math.min(threads, count, shares));
}

/** Heap access for the partial sums of split reductions. */
export interface PoolScratch {
  malloc(bytes: number): number;
  free(pointer: number): void;
  floats(pointer: number, length: number): Float32Array;
  doubles(pointer: number, length: number): Float64Array;
}

/**
 * `kernels` whose splittable calls run on `pool`: the same signatures, the same results (each
 * output element is computed by one thread from the same inputs in the same order, except the
 * reductions — filter gradients, column sums and batch-norm sums — whose per-thread partial sums
 * are added in a fixed order on the calling thread). `scratch` lends heap memory for those partial
 * sums.
 */
export function parallelKernels(kernels: SimdKernels, pool: KernelPool, scratch: PoolScratch): SimdKernels {
  const F = 4; // bytes per float
  const D = 8; // bytes per double
  const whole = (kernel: PoolKernel, args: readonly number[]) => (kernels[kernel] as (...values: number[]) => void)(...args);
  /** The pool's threads a split call may take now: the caller alone while the first worker runs detached calls. */
  const free = () => (pool.detachedPending > 0 ? 1 : pool.threads);
  /** Threads for `work` multiply-adds over `count` items (images, rows). */
  const computeThreads = (work: number, count: number) => threadsFor(free(), work, poolThresholds.work, count);
  /** Threads for `floats` floats touched over `count` items. */
  const copyThreads = (floats: number, count: number) => threadsFor(free(), floats, floatsShare(pool), count);
  /** Pieces of a per-item kernel over `parts` threads: `offsets` are [argument index, floats per item]; items in multiples of `align`. */
  const byItems = (args: readonly number[], countIndex: number, offsets: [number, number][], parts: number, align = 1): Piece[] =>
    split(args[countIndex]!, parts, align).map(([n0, n1]) => {
      const piece = [...args];
      for (const [argument, perItem] of offsets) piece[argument] = args[argument]! + n0 * perItem * F;
      piece[countIndex] = n1 - n0;
      return piece;
    });
  /**
   * A per-element kernel over `args[sizeIndex]` floats whose `arrays` arguments point at float
   * arrays of that size, cut in multiples of 4 floats: every piece but the last runs the SIMD loop only.
   */
  const perElement = (args: readonly number[], sizeIndex: number, arrays: number[]): Piece[] => {
    const size = args[sizeIndex]!;
    return byItems(args, sizeIndex, arrays.map((argument): [number, number] => [argument, 1]), copyThreads(size, Math.ceil(size / 4)), 4);
  };
  /**
   * `parts` threads' worth of a convolution over `count` images as `poolBalance.piecesPerThread`
   * pieces a thread, each of `minItems` images at least (a Winograd kernel's group of tiles).
   */
  const balancedPieces = (args: readonly number[], countIndex: number, offsets: [number, number][], parts: number, minItems = 1): Piece[] => {
    const count = args[countIndex]!;
    const pieces = parts < 2 ? parts : Math.max(parts, Math.min(MAX_PIECES, parts * poolBalance.piecesPerThread, Math.floor(count / minItems)));
    return byItems(args, countIndex, offsets, pieces);
  };
  /** Pieces whose argument `index` is the scratch panel of the thread that runs them: thread t's of the consecutive panels at `panel` (see `withPanels`). */
  const ownPanels = (pieces: Piece[], index: number, panel: number, floats: number): { pieces: Piece[]; panels: ThreadPanels } => ({ pieces, panels: { argument: index, base: panel, bytes: floats * F } });
  /** `kernel` cut into the pieces `plan` returns, or run whole on this thread when it returns one piece. */
  const splitting = <K extends PoolKernel>(kernel: K, plan: (args: Parameters<SimdKernels[K]>) => Split) =>
    ((...args: Parameters<SimdKernels[K]>) => {
      const planned = plan(args);
      const { pieces, panels } = Array.isArray(planned) ? { pieces: planned, panels: undefined } : planned;
      if (pieces.length > 1) pool.run(kernel, pieces, panels);
      else whole(kernel, args);
    }) as unknown as SimdKernels[K];

  /**
   * A filter gradient (argument 0: dw of `size` floats) cut into per-image pieces: piece 0 writes dw
   * itself, the others their own partial sums, added to it in piece order by the SIMD element-wise
   * add (`binary_channels` op 1 over one row, in place: float32 sums, as a JS loop storing into a
   * Float32Array rounds them, at 4 floats an instruction).
   */
  const summedPieces = (kernel: PoolKernel, { pieces, panels }: { pieces: Piece[]; panels?: ThreadPanels }, size: number) => {
    const partials = pieces.length - 1;
    const dw = pieces[0]![0]!;
    const buffer = scratch.malloc(partials * size * F);
    try {
      pieces.forEach((piece, index) => {
        if (index > 0) piece[0] = buffer + (index - 1) * size * F;
      });
      pool.run(kernel, pieces, panels);
      for (let p = 0; p < partials; p++) kernels.binary_channels(dw, dw, buffer + p * size * F, 1, size, 1);
    } finally {
      scratch.free(buffer);
    }
  };

  /**
   * A column reduction over the rows of an x[rows, columns] (argument `sumsIndex`: `size` doubles
   * it overwrites) cut into pieces of whole 16-row blocks (csrc COLUMN_SUM_BLOCK, so each piece
   * forms the same float32 block sums as one thread would): piece 0 writes the sums itself, the
   * others into their own doubles, added to piece 0's in piece order. `rowOffsets`: [argument,
   * floats per row] of the row-major inputs; `rowsIndex`: the argument counting rows.
   */
  const summedRows = (kernel: 'centred_square_sums' | 'batch_norm_gradient_sums', args: readonly number[], sumsIndex: number, size: number, rowsIndex: number, rowOffsets: [number, number][]) => {
    const rows = args[rowsIndex]!;
    const columns = rowOffsets[0]![1];
    const parts = copyThreads(rows * columns * rowOffsets.length, Math.ceil(rows / 16));
    if (parts < 2) return whole(kernel, args);
    const pieces = byItems(args, rowsIndex, rowOffsets, parts, 16);
    const buffer = scratch.malloc((pieces.length - 1) * size * D);
    try {
      pieces.forEach((piece, index) => {
        if (index > 0) piece[sumsIndex] = buffer + (index - 1) * size * D;
      });
      pool.run(kernel, pieces);
      addPartials(scratch.doubles(args[sumsIndex]!, size), scratch.doubles(buffer, (pieces.length - 1) * size), size);
    } finally {
      scratch.free(buffer);
    }
  };

  return {
    ...kernels,
    conv2d_backprop_filter(...args) {
      const [, , , batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels] = args;
      const size = filterHeight * filterWidth * channels * outChannels;
      // The partial sums cost a write and a read of dw per extra thread on the caller: count them against the work.
      const parts = computeThreads(size * outHeight * outWidth * batch, batch);
      if (parts < 2) return whole('conv2d_backprop_filter', args);
      const pieces = byItems(args, 3, [[1, paddedHeight * paddedWidth * channels], [2, outHeight * outWidth * outChannels]], parts);
      summedPieces('conv2d_backprop_filter', { pieces }, size);
    },
    winograd_filter_gradient(...args) {
      const [, , , scratchPointer, batch, paddedHeight, paddedWidth, channels, outHeight, outWidth, outChannels] = args;
      const size = 9 * channels * outChannels;
      const parts = computeThreads(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch);
      if (parts < 2) return whole('winograd_filter_gradient', args);
      const pieces = byItems(args, 4, [[1, paddedHeight * paddedWidth * channels], [2, outHeight * outWidth * outChannels]], parts);
      summedPieces('winograd_filter_gradient', ownPanels(pieces, 3, scratchPointer, winogradFilterGradientScratchFloats(channels, outChannels)), size);
    },
    winograd4_filter_gradient(...args) {
      const [, , , scratchPointer, batch, inHeight, inWidth, channels, outHeight, outWidth, outChannels] = args;
      const size = 9 * channels * outChannels;
      // Its multiply-adds: 36 products per 4 × 4 tile, input and output channel.
      const work = batch * Math.ceil(outHeight / 4) * Math.ceil(outWidth / 4) * 36 * channels * outChannels;
      const parts = computeThreads(work, batch);
      if (parts < 2) return whole('winograd4_filter_gradient', args);
      const pieces = byItems(args, 4, [[1, inHeight * inWidth * channels], [2, outHeight * outWidth * outChannels]], parts);
      summedPieces('winograd4_filter_gradient', ownPanels(pieces, 3, scratchPointer, winograd4FilterGradientScratchFloats(channels, outChannels)), size);
    },
    conv2d_forward: splitting('conv2d_forward', (args) => {
      const [, , , panel, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels] = args;
      const parts = computeThreads(batch * outHeight * outWidth * outChannels * filterHeight * filterWidth * channels, batch);
      const pieces = balancedPieces(args, 4, [[0, outHeight * outWidth * outChannels], [1, paddedHeight * paddedWidth * channels]], parts);
      return ownPanels(pieces, 3, panel, conv2dForwardPanelFloats(filterHeight, filterWidth, channels, outChannels));
    }),
    winograd_conv3x3: splitting('winograd_conv3x3', (args) => {
      const [, , , panel, batch, paddedHeight, paddedWidth, channels, outHeight, outWidth, outChannels, quads] = args;
      const parts = computeThreads(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch);
      const pieces = balancedPieces(args, 4, [[0, outHeight * outWidth * outChannels], [1, paddedHeight * paddedWidth * channels]], parts, groupImages(4 * quads, outHeight, outWidth, 2));
      return ownPanels(pieces, 3, panel, winogradPanelFloats(channels, quads));
    }),
    // Split by images as F(2×2); its work counted as F(2×2)'s (the same convolution: the threshold only sorts out small calls).
    winograd4_conv3x3: splitting('winograd4_conv3x3', (args) => {
      const [, , , panel, batch, inHeight, inWidth, channels, outHeight, outWidth, outChannels, , , quads, , , residual] = args;
      const parts = computeThreads(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch);
      const perImage: [number, number][] = [[0, outHeight * outWidth * outChannels], [1, inHeight * inWidth * channels]];
      if (residual) perImage.push([16, outHeight * outWidth * outChannels]); // 0 (none) stays 0
      const pieces = balancedPieces(args, 4, perImage, parts, groupImages(4 * quads, outHeight, outWidth, 4));
      return ownPanels(pieces, 3, panel, winograd4PanelFloats(channels, quads));
    }),
    winograd_input_gradient: splitting('winograd_input_gradient', (args) => {
      const [, , , panel, batch, inHeight, inWidth, channels, outHeight, outWidth, outChannels, , , quads] = args;
      const parts = computeThreads(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch);
      const pieces = balancedPieces(args, 4, [[0, inHeight * inWidth * channels], [1, outHeight * outWidth * outChannels]], parts, groupImages(4 * quads, outHeight, outWidth, 2));
      return ownPanels(pieces, 3, panel, winogradInputGradientPanelFloats(outChannels, quads));
    }),
    // By images, as its F(2×2) sibling: overlapping windows of neighbouring tiles stay within one image, so no two pieces add into one row.
    winograd4_input_gradient: splitting('winograd4_input_gradient', (args) => {
      const [, , , panel, batch, inHeight, inWidth, channels, outHeight, outWidth, outChannels, , , quads] = args;
      const parts = computeThreads(winogradWork(batch, outHeight, outWidth, channels, outChannels, 4), batch);
      const pieces = balancedPieces(args, 4, [[0, inHeight * inWidth * channels], [1, outHeight * outWidth * outChannels]], parts, groupImages(4 * quads, outHeight, outWidth, 4));
      return ownPanels(pieces, 3, panel, winograd4InputGradientPanelFloats(outChannels, quads));
    }),
    conv2d_backprop_input: splitting('conv2d_backprop_input', (args) => {
      const [, , , panel, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels] = args;
      const parts = computeThreads(batch * outHeight * outWidth * outChannels * filterHeight * filterWidth * channels, batch);
      const pieces = balancedPieces(args, 4, [[0, paddedHeight * paddedWidth * channels], [1, outHeight * outWidth * outChannels]], parts);
      return ownPanels(pieces, 3, panel, conv2dBackpropInputPanelFloats(outHeight, outWidth, outChannels, filterHeight * filterWidth * channels));
    }),
    matmul: splitting('matmul', (args) => {
      const [out, a, , panel, rows, depth, columns, strideM] = args;
      const parts = computeThreads(rows * depth * columns, Math.ceil(rows / 4));
      // Rows in multiples of the 4-row register tile; each piece packs its rows into their part of the panel.
      return split(rows, parts, 4).map(([m0, m1]) => {
        const piece: Piece = [...args];
        piece[0] = out + m0 * columns * F;
        piece[1] = a + m0 * strideM * F;
        piece[3] = panel + m0 * depth * F;
        piece[4] = m1 - m0;
        return piece;
      });
    }),
    pad_images: splitting('pad_images', (args) => {
      const [, , batch, height, width, channels, , , paddedHeight, paddedWidth] = args;
      const parts = copyThreads(batch * paddedHeight * paddedWidth * channels, batch);
      return byItems(args, 2, [[0, paddedHeight * paddedWidth * channels], [1, height * width * channels]], parts);
    }),
    crop_images: splitting('crop_images', (args) => {
      const [, , batch, height, width, channels, , , paddedHeight, paddedWidth] = args;
      const parts = copyThreads(batch * paddedHeight * paddedWidth * channels, batch);
      return byItems(args, 2, [[0, height * width * channels], [1, paddedHeight * paddedWidth * channels]], parts);
    }),
    col2im: splitting('col2im', (args) => {
      const [, , batch, height, width, channels, filterHeight, filterWidth, outHeight, outWidth] = args;
      const taps = outHeight * outWidth * filterHeight * filterWidth * channels;
      return byItems(args, 2, [[0, height * width * channels], [1, taps]], copyThreads(batch * taps, batch));
    }),
    max_pool_grad_disjoint: splitting('max_pool_grad_disjoint', (args) => {
      const [, , , batch, inHeight, inWidth, channels, , , outHeight, outWidth] = args;
      const image = inHeight * inWidth * channels;
      return byItems(args, 3, [[0, image], [1, image], [2, outHeight * outWidth * channels]], copyThreads(batch * image, batch));
    }),
    max_pool_disjoint: splitting('max_pool_disjoint', (args) => {
      const [, , batch, inHeight, inWidth, channels, , , outHeight, outWidth] = args;
      const image = inHeight * inWidth * channels;
      return byItems(args, 2, [[0, outHeight * outWidth * channels], [1, image]], copyThreads(batch * image, batch));
    }),
    binary_channels: splitting('binary_channels', (args) => {
      const [out, x, v, rows, columns] = args;
      if (rows > 1) return byItems(args, 3, [[0, columns], [1, columns]], copyThreads(rows * columns, rows));
      // One row (two tensors of one shape): by columns, in multiples of 4 (the SIMD loop).
      return split(columns, copyThreads(columns, Math.ceil(columns / 4)), 4).map(([j0, j1]) => {
        const piece: Piece = [...args];
        piece[0] = out + j0 * F;
        piece[1] = x + j0 * F;
        piece[2] = v + j0 * F;
        piece[4] = j1 - j0;
        return piece;
      });
    }),
    relu_gradient: splitting('relu_gradient', (args) => perElement(args, 3, [0, 1, 2])),
    relu: splitting('relu', (args) => perElement(args, 2, [0, 1])),
    sgd_momentum: splitting('sgd_momentum', (args) => perElement(args, 5, [0, 1, 2, 3, 4])),
    adam_update: splitting('adam_update', (args) => perElement(args, 7, [0, 1, 2, 3, 4, 5, 6])),
    // Filter transforms by input-channel rows (each writes its rows of every position, `tap` apart): 16 or 36 floats written per filter row read.
    winograd_filter: splitting('winograd_filter', (args) => byItems(args, 2, [[0, args[3]], [1, args[3]]], copyThreads(16 * args[2] * args[3], args[2]))),
    // F(4×4)'s u holds each position's 8-co blocks as C × 8 slices: a filter row starts 8 floats into its block.
    winograd4_filter: splitting('winograd4_filter', (args) => byItems(args, 2, [[0, 8], [1, args[3]]], copyThreads(36 * args[2] * args[3], args[2]))),
    scatter_phase: splitting('scatter_phase', (args) => {
      const [, , batch, height, width, channels, phaseHeight, phaseWidth] = args;
      return byItems(args, 2, [[0, height * width * channels], [1, phaseHeight * phaseWidth * channels]], copyThreads(batch * phaseHeight * phaseWidth * channels, batch));
    }),
    bias_activation: splitting('bias_activation', (args) => {
      const [, , rows, columns] = args;
      return byItems(args, 2, [[0, columns]], copyThreads(rows * columns, rows));
    }),
    batch_norm_channels: splitting('batch_norm_channels', (args) => {
      const [, , , , , rows, columns] = args;
      return byItems(args, 5, [[0, columns], [1, columns]], copyThreads(rows * columns, rows));
    }),
    batch_norm_input_gradient: splitting('batch_norm_input_gradient', (args) => {
      const [, , , , , rows, columns] = args;
      return byItems(args, 5, [[0, columns], [1, columns], [2, columns]], copyThreads(3 * rows * columns, rows));
    }),
    centred_square_sums(...args) {
      const columns = args[4];
      summedRows('centred_square_sums', args, 0, columns, 3, [[1, columns]]);
    },
    batch_norm_gradient_sums(...args) {
      const columns = args[5];
      summedRows('batch_norm_gradient_sums', args, 0, 2 * columns, 4, [[1, columns], [2, columns]]);
    },
    column_sums(...args) {
      const [out, , sums, rows, columns] = args;
      const parts = copyThreads(rows * columns, Math.ceil(rows / 16));
      if (parts < 2) return kernels.column_sums(...args);
      // Each piece writes its own float copy too (the kernel's `out`): piece 0 into a throwaway, fixed below.
      const pieces = byItems(args, 3, [[1, columns]], parts, 16);
      const buffer = scratch.malloc(pieces.length * columns * (D + F));
      try {
        pieces.forEach((piece, index) => {
          piece[0] = buffer + pieces.length * columns * D + index * columns * F;
          if (index > 0) piece[2] = buffer + (index - 1) * columns * D;
        });
        pool.run('column_sums', pieces);
        const total = scratch.doubles(sums, columns);
        addPartials(total, scratch.doubles(buffer, (pieces.length - 1) * columns), columns);
        const floats = scratch.floats(out, columns);
        for (let j = 0; j < columns; j++) floats[j] = total[j] as number;
      } finally {
        scratch.free(buffer);
      }
    },
  };
}

/** Images that hold one group of `groupTiles` Winograd tiles (`tile` × `tile` outputs each) of a height × width output, at least 1. */
function groupImages(groupTiles: number, height: number, width: number, tile: number): number {
  return Math.ceil(groupTiles / (Math.ceil(height / tile) * Math.ceil(width / tile)));
}

/** total[i] += Σ_p partials[p · size + i], partials in order. */
function addPartials(total: Float64Array | Float32Array, partials: Float64Array | Float32Array, size: number): void {
  for (let j = 0; j < partials.length; j += size) {
    for (let i = 0; i < size; i++) total[i] = (total[i] as number) + (partials[j + i] as number);
  }
}
