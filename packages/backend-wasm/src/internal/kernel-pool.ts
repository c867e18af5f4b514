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
 * the calling thread run at once. The filter gradient is a sum over images: each thread sums its
 * images into its own buffer and the caller adds them up.
 *
 * tfjs kernels are synchronous, so the caller blocks on `Atomics.wait` until every piece is done:
 * allowed on Node's main thread and in workers, not on a browser's main thread, which therefore
 * keeps one thread for our kernels (XNNPACK's operators still use all of them).
 *
 * Protocol, over one small SharedArrayBuffer: the caller writes each worker's piece (kernel index
 * and arguments) into that worker's slot, clears `done`, bumps `generation` and notifies; each
 * worker wakes on `generation`, runs its piece (or nothing, kernel −1), increments `done` and
 * notifies; the caller runs its own piece, then waits until `done` counts every worker. The
 * sequentially consistent Atomics order the plain writes on both sides.
 * @internal
 */
import { conv2dBackpropInputPanelFloats, conv2dForwardPanelFloats, winogradFilterGradientScratchFloats, winogradInputGradientPanelFloats, winogradPanelFloats } from './panels.js';
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
  'winograd_filter_gradient',
  'winograd_input_gradient',
  'relu_gradient',
] as const;
export type PoolKernel = (typeof poolKernels)[number];

/** Most arguments a kernel takes (conv2d_forward, conv2d_backprop_input: 15). */
const MAX_ARGUMENTS = 16;
/** Float64 entries per worker slot: kernel index, argument count, arguments. */
const SLOT = 2 + MAX_ARGUMENTS;
// Int32 header: generation, done, failures, stop.
const GENERATION = 0;
const DONE = 1;
const FAILURES = 2;
const STOP = 3;
const HEADER_BYTES = 16;
/** A piece that has not answered after this long means a dead worker: fail rather than hang. */
const WAIT_LIMIT_MS = 120_000;

/** The worker's whole program (CommonJS, started with `{ eval: true }`). */
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, slot, names, maxArguments } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const functions = names.map((name) => kernels[name]);
const header = new Int32Array(control, 0, 4);
const task = new Float64Array(control, ${HEADER_BYTES} + slot * (2 + maxArguments) * 8, 2 + maxArguments);
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(header, ${GENERATION}, seen);
  seen = Atomics.load(header, ${GENERATION});
  if (Atomics.load(header, ${STOP}) === 1) break;
  const index = task[0];
  if (index >= 0) {
    try {
      functions[index](...task.subarray(2, 2 + task[1]));
    } catch {
      Atomics.add(header, ${FAILURES}, 1);
    }
  }
  Atomics.add(header, ${DONE}, 1);
  Atomics.notify(header, ${DONE});
}
`;

/** One piece of a kernel call: its arguments (byte offsets and integers). */
type Piece = number[];

/** A started pool. `threads` counts the calling thread. */
export interface KernelPool {
  readonly threads: number;
  /** How many split calls of each kernel ran (tests check that a path really went through the pool). */
  readonly runs: Partial<Record<PoolKernel, number>>;
  /** Runs `kernel` once per piece, piece 0 on the calling thread; returns when all are done. */
  run(kernel: PoolKernel, pieces: Piece[]): void;
  /** Stops the workers (tests; a process that exits needs no call). */
  close(): Promise<void>;
}

/**
 * Starts `threads − 1` workers over `memory` (shared) running `module` (the shared-memory build of
 * our kernels), next to `kernels`, the calling thread's instance of the same module.
 */
export async function startKernelPool(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: SimdKernels, threads: number): Promise<KernelPool> {
  const workers = threads - 1;
  const control = new SharedArrayBuffer(HEADER_BYTES + workers * SLOT * 8);
  const header = new Int32Array(control, 0, 4);
  const slots = Array.from({ length: workers }, (_, slot) => new Float64Array(control, HEADER_BYTES + slot * SLOT * 8, SLOT));
  const started = Array.from({ length: workers }, (_, slot) => {
    const worker = startEvalWorker(workerSource, { module, memory, control, slot, names: poolKernels, maxArguments: MAX_ARGUMENTS });
    // Blocked in Atomics.wait for the life of the process: never what keeps it alive.
    worker.unref();
    return new Promise<EvalWorker>((resolve, reject) => {
      worker.once('message', () => resolve(worker));
      worker.once('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  });
  const running = await Promise.all(started);

  const runs: Partial<Record<PoolKernel, number>> = {};
  return {
    threads,
    runs,
    run(kernel, pieces) {
      const call = kernels[kernel] as (...args: number[]) => void;
      if (pieces.length === 1) return call(...pieces[0]!); // nothing to hand out
      runs[kernel] = (runs[kernel] ?? 0) + 1;
      const index = poolKernels.indexOf(kernel);
      for (let slot = 0; slot < workers; slot++) {
        const task = slots[slot]!;
        const piece = pieces[slot + 1];
        task[0] = piece ? index : -1;
        if (piece) {
          task[1] = piece.length;
          task.set(piece, 2);
        }
      }
      Atomics.store(header, DONE, 0);
      Atomics.add(header, GENERATION, 1);
      Atomics.notify(header, GENERATION);
      try {
        call(...pieces[0]!);
      } finally {
        // Even when our own piece trapped: the workers' pieces must end before the next call reuses the slots.
        const deadline = Date.now() + WAIT_LIMIT_MS;
        for (let done = Atomics.load(header, DONE); done < workers; done = Atomics.load(header, DONE)) {
          if (Date.now() > deadline) throw new Error(`a wasm kernel worker did not finish ${kernel} within ${WAIT_LIMIT_MS / 1000} s; restart the process, and to keep our kernels on one thread pass { threadedKernels: false } to createWasmPlugin`);
          Atomics.wait(header, DONE, done, 1000);
        }
      }
      const failures = Atomics.exchange(header, FAILURES, 0);
      if (failures > 0) throw new Error(`${kernel} trapped on ${failures} wasm kernel worker(s) (out-of-bounds memory?): a bug in digitlab's kernels; please report it with the shapes involved, and pass { threadedKernels: false } to createWasmPlugin meanwhile`);
    },
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

/** Multiply-adds of a Winograd F(2×2, 3×3) kernel: 16 products per 2 × 2 tile, input and output channel. */
function winogradWork(batch: number, outHeight: number, outWidth: number, channels: number, outChannels: number): number {
  return batch * Math.ceil(outHeight / 2) * Math.ceil(outWidth / 2) * 16 * channels * outChannels;
}

/**
 * Below `work` multiply-adds a call stays on one thread (waking the workers costs ~20-50 µs), and
 * below `floats` floats touched for the copies and per-element kernels. Tests set both to 0.
 */
export const poolThresholds = { work: 1 << 18, floats: 1 << 16 };

/**
 * `kernels` whose splittable calls run on `pool`: the same signatures, the same results (each
 * output element is computed by one thread from the same inputs in the same order, except the
 * filter gradient, whose per-thread partial sums are added in a fixed order). `scratch` lends
 * heap memory for those partial sums.
 */
export function parallelKernels(
  kernels: SimdKernels,
  pool: KernelPool,
  scratch: { malloc(bytes: number): number; free(pointer: number): void; floats(pointer: number, length: number): Float32Array },
): SimdKernels {
  const threads = pool.threads;
  const F = 4; // bytes per float
  const whole = (kernel: PoolKernel, args: readonly number[]) => (kernels[kernel] as (...values: number[]) => void)(...args);
  /** Pieces of a per-image kernel: `offsets` are [argument index, floats per image]. */
  const byImages = (args: readonly number[], batchIndex: number, offsets: [number, number][]): Piece[] =>
    split(args[batchIndex]!, threads).map(([n0, n1]) => {
      const piece = [...args];
      for (const [argument, perImage] of offsets) piece[argument] = args[argument]! + n0 * perImage * F;
      piece[batchIndex] = n1 - n0;
      return piece;
    });
  /** Gives piece i the i-th of the consecutive scratch panels at `panel` (argument `index`; see `withPanels`). */
  const ownPanels = (pieces: Piece[], index: number, panel: number, floats: number): Piece[] =>
    pieces.map((piece, i) => {
      piece[index] = panel + i * floats * F;
      return piece;
    });
  const worth = (work: number, count: number) => count > 1 && work >= poolThresholds.work;
  const worthCopying = (floats: number, count: number) => count > 1 && floats >= poolThresholds.floats;
  /** `kernel` cut into the pieces `plan` returns, or run whole on this thread when it returns null. */
  const splitting = <K extends PoolKernel>(kernel: K, plan: (args: Parameters<SimdKernels[K]>) => Piece[] | null) =>
    ((...args: Parameters<SimdKernels[K]>) => {
      const pieces = plan(args);
      if (pieces) pool.run(kernel, pieces);
      else whole(kernel, args);
    }) as unknown as SimdKernels[K];

  /**
   * A filter gradient (argument 0: dw of `size` floats) cut into per-image pieces: piece 0 writes dw
   * itself, the others their own partial sums, added to it in piece order.
   */
  const summedPieces = (kernel: PoolKernel, pieces: Piece[], size: number) => {
    const partials = pieces.length - 1;
    const dw = pieces[0]![0]!;
    const buffer = scratch.malloc(partials * size * F);
    try {
      pieces.forEach((piece, index) => {
        if (index > 0) piece[0] = buffer + (index - 1) * size * F;
      });
      pool.run(kernel, pieces);
      const total = scratch.floats(dw, size);
      const partial = scratch.floats(buffer, partials * size);
      for (let p = 0; p < partials; p++) {
        for (let i = 0, j = p * size; i < size; i++, j++) total[i] = (total[i] as number) + (partial[j] as number);
      }
    } finally {
      scratch.free(buffer);
    }
  };

  return {
    ...kernels,
    conv2d_backprop_filter(...args) {
      const [, , , batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels] = args;
      const size = filterHeight * filterWidth * channels * outChannels;
      if (!worth(size * outHeight * outWidth * batch, batch)) return whole('conv2d_backprop_filter', args);
      const pieces = byImages(args, 3, [[1, paddedHeight * paddedWidth * channels], [2, outHeight * outWidth * outChannels]]);
      summedPieces('conv2d_backprop_filter', pieces, size);
    },
    winograd_filter_gradient(...args) {
      const [, , , scratchPointer, batch, paddedHeight, paddedWidth, channels, outHeight, outWidth, outChannels] = args;
      const size = 9 * channels * outChannels;
      if (!worth(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch)) return whole('winograd_filter_gradient', args);
      const pieces = byImages(args, 4, [[1, paddedHeight * paddedWidth * channels], [2, outHeight * outWidth * outChannels]]);
      summedPieces('winograd_filter_gradient', ownPanels(pieces, 3, scratchPointer, winogradFilterGradientScratchFloats(channels, outChannels)), size);
    },
    conv2d_forward: splitting('conv2d_forward', (args) => {
      const [, , , panel, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels] = args;
      if (!worth(batch * outHeight * outWidth * outChannels * filterHeight * filterWidth * channels, batch)) return null;
      const pieces = byImages(args, 4, [[0, outHeight * outWidth * outChannels], [1, paddedHeight * paddedWidth * channels]]);
      return ownPanels(pieces, 3, panel, conv2dForwardPanelFloats(filterHeight, filterWidth, channels, outChannels));
    }),
    winograd_conv3x3: splitting('winograd_conv3x3', (args) => {
      const [, , , panel, batch, paddedHeight, paddedWidth, channels, outHeight, outWidth, outChannels, quads] = args;
      if (!worth(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch)) return null;
      const pieces = byImages(args, 4, [[0, outHeight * outWidth * outChannels], [1, paddedHeight * paddedWidth * channels]]);
      return ownPanels(pieces, 3, panel, winogradPanelFloats(channels, quads));
    }),
    winograd_input_gradient: splitting('winograd_input_gradient', (args) => {
      const [, , , panel, batch, inHeight, inWidth, channels, outHeight, outWidth, outChannels, , , quads] = args;
      if (!worth(winogradWork(batch, outHeight, outWidth, channels, outChannels), batch)) return null;
      const pieces = byImages(args, 4, [[0, inHeight * inWidth * channels], [1, outHeight * outWidth * outChannels]]);
      return ownPanels(pieces, 3, panel, winogradInputGradientPanelFloats(outChannels, quads));
    }),
    conv2d_backprop_input: splitting('conv2d_backprop_input', (args) => {
      const [, , , panel, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels] = args;
      if (!worth(batch * outHeight * outWidth * outChannels * filterHeight * filterWidth * channels, batch)) return null;
      const pieces = byImages(args, 4, [[0, paddedHeight * paddedWidth * channels], [1, outHeight * outWidth * outChannels]]);
      return ownPanels(pieces, 3, panel, conv2dBackpropInputPanelFloats(outHeight, outWidth, outChannels, filterHeight * filterWidth * channels));
    }),
    matmul: splitting('matmul', (args) => {
      const [out, a, , panel, rows, depth, columns, strideM] = args;
      if (!worth(rows * depth * columns, rows)) return null;
      // Rows in multiples of the 4-row register tile; each piece packs its rows into their part of the panel.
      return split(rows, threads, 4).map(([m0, m1]) => {
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
      if (!worthCopying(batch * paddedHeight * paddedWidth * channels, batch)) return null;
      return byImages(args, 2, [[0, paddedHeight * paddedWidth * channels], [1, height * width * channels]]);
    }),
    crop_images: splitting('crop_images', (args) => {
      const [, , batch, height, width, channels, , , paddedHeight, paddedWidth] = args;
      if (!worthCopying(batch * paddedHeight * paddedWidth * channels, batch)) return null;
      return byImages(args, 2, [[0, height * width * channels], [1, paddedHeight * paddedWidth * channels]]);
    }),
    col2im: splitting('col2im', (args) => {
      const [, , batch, height, width, channels, filterHeight, filterWidth, outHeight, outWidth] = args;
      const taps = outHeight * outWidth * filterHeight * filterWidth * channels;
      if (!worthCopying(batch * taps, batch)) return null;
      return byImages(args, 2, [[0, height * width * channels], [1, taps]]);
    }),
    max_pool_grad_disjoint: splitting('max_pool_grad_disjoint', (args) => {
      const [, , , batch, inHeight, inWidth, channels, , , outHeight, outWidth] = args;
      const image = inHeight * inWidth * channels;
      if (!worthCopying(batch * image, batch)) return null;
      return byImages(args, 3, [[0, image], [1, image], [2, outHeight * outWidth * channels]]);
    }),
    max_pool_disjoint: splitting('max_pool_disjoint', (args) => {
      const [, , batch, inHeight, inWidth, channels, , , outHeight, outWidth] = args;
      const image = inHeight * inWidth * channels;
      if (!worthCopying(batch * image, batch)) return null;
      return byImages(args, 2, [[0, outHeight * outWidth * channels], [1, image]]);
    }),
    binary_channels: splitting('binary_channels', (args) => {
      const [, , , rows, columns] = args;
      return worthCopying(rows * columns, rows) ? byImages(args, 3, [[0, columns], [1, columns]]) : null;
    }),
    relu_gradient: splitting('relu_gradient', (args) => {
      const [, , , size] = args;
      return worthCopying(size, size) ? byImages(args, 3, [[0, 1], [1, 1], [2, 1]]) : null;
    }),
    bias_activation: splitting('bias_activation', (args) => {
      const [, , rows, columns] = args;
      return worthCopying(rows * columns, rows) ? byImages(args, 2, [[0, columns]]) : null;
    }),
    batch_norm_channels: splitting('batch_norm_channels', (args) => {
      const [, , , , , rows, columns] = args;
      return worthCopying(rows * columns, rows) ? byImages(args, 5, [[0, columns], [1, columns]]) : null;
    }),
  };
}
