/**
 * Our WebAssembly-SIMD hot loops (csrc/training-kernels.c), instantiated over the tfjs wasm
 * module's own memory so they read and write tensors in place. Internal.
 *
 * The module (~8 KB; a plain and an FMA build, see `precompileSimdKernels`) is compiled
 * asynchronously by `precompileSimdKernels()` (the plugin's
 * `load()` awaits it; browsers refuse large synchronous compiles on the main thread) and
 * instantiated on first use, once per wasm backend instance; without a precompiled module it is
 * compiled synchronously then. When it cannot be instantiated (no SIMD, or a tfjs build that
 * does not expose its memory) callers fall back to their JS or XNNPACK paths.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatsShare, parallelKernels, startKernelPool, threadsFor, type KernelPool } from './kernel-pool.js';
import { simdKernelsBinary } from './simd-kernels-binary.js';
import { joinDetached } from './detached-calls.js';
import { isNode } from './is-node.js';

/** The exports of csrc/training-kernels.c; every pointer is a byte offset into the tfjs heap. */
export interface SimdKernels {
  max_pool_disjoint(out: number, x: number, batch: number, inHeight: number, inWidth: number, channels: number, filterHeight: number, filterWidth: number, outHeight: number, outWidth: number): void;
  max_pool_grad_disjoint(
    dx: number, x: number, dy: number, batch: number, inHeight: number, inWidth: number, channels: number,
    filterHeight: number, filterWidth: number, outHeight: number, outWidth: number,
  ): void;
  column_sums(out: number, x: number, scratch: number, rows: number, columns: number): void;
  /** dx = dy · step(x) over `size` floats (Relu's gradient). */
  relu_gradient(dx: number, dy: number, x: number, size: number): void;
  /** out = max(x, 0) over `size` floats, NaN through (Relu). */
  relu(out: number, x: number, size: number): void;
  /** sums[j] = Σ_i (x[i, j] − mean[j])² (`columns` doubles). */
  centred_square_sums(sums: number, x: number, mean: number, rows: number, columns: number): void;
  /** sums = [Σ_i dy[i, j] | Σ_i dy[i, j] · (x[i, j] − mean[j])] (2 · `columns` doubles). */
  batch_norm_gradient_sums(sums: number, dy: number, x: number, mean: number, rows: number, columns: number): void;
  /** dx[i, j] = dy[i, j] · a[j] + (x[i, j] − mean[j]) · b[j] + c[j], coefficients = [a | b | c] (3 · `columns` floats). */
  batch_norm_input_gradient(dx: number, dy: number, x: number, mean: number, coefficients: number, rows: number, columns: number): void;
  batch_norm_channels(out: number, x: number, mean: number, factor: number, offset: number, rows: number, columns: number): void;
  pad_images(
    xp: number, x: number, batch: number, height: number, width: number, channels: number, padTop: number, padLeft: number,
    paddedHeight: number, paddedWidth: number,
  ): void;
  conv2d_backprop_filter(
    dw: number, xp: number, dy: number, batch: number, paddedHeight: number, paddedWidth: number, channels: number,
    filterHeight: number, filterWidth: number, outHeight: number, outWidth: number, outChannels: number,
    strideHeight: number, strideWidth: number,
  ): void;
  /**
   * `panel`: scratch of `conv2dForwardPanelFloats` floats (per thread when pooled). `bias` (a float32[CO] offset, 0:
   * none) and `relu` (1: max(·, 0)): FusedConv2D's epilogue on each output, as `bias_activation` would apply it.
   */
  conv2d_forward(
    out: number, xp: number, w: number, panel: number, batch: number, paddedHeight: number, paddedWidth: number, channels: number,
    filterHeight: number, filterWidth: number, outHeight: number, outWidth: number, outChannels: number,
    strideHeight: number, strideWidth: number, bias: number, relu: number,
  ): void;
  /** u[16, C, CO] = the Winograd F(2×2, 3×3) transform of a 3×3 HWIO filter (CO % 4 = 0); `tap` = C·CO (pieces: some of the C rows). */
  winograd_filter(u: number, w: number, channels: number, outChannels: number, tap: number): void;
  /** u[36, CO/8, C, 8] = the Winograd F(4×4, 3×3) transform of a 3×3 HWIO filter (CO % 8 = 0); `tap` = C·CO (pieces: some of the C rows). */
  winograd4_filter(u: number, w: number, channels: number, outChannels: number, tap: number): void;
  /**
   * 3×3 stride-1 convolution by Winograd F(2×2, 3×3) from `winograd_filter`'s u; xp padded to at least
   * 2·⌈OH/2⌉ + 2 × 2·⌈OW/2⌉ + 2; C % 4 = 0, CO % 8 = 0. `panel`: `winogradPanelFloats` floats (per thread when
   * pooled); `quads`: `WINOGRAD_QUADS`; `bias`, `relu`: the epilogue, as in `conv2d_forward`.
   */
  winograd_conv3x3(
    out: number, xp: number, u: number, panel: number, batch: number, paddedHeight: number, paddedWidth: number, channels: number,
    outHeight: number, outWidth: number, outChannels: number, quads: number, bias: number, relu: number,
  ): void;
  /**
   * 3×3 stride-1 convolution by Winograd F(4×4, 3×3) from `winograd4_filter`'s u, of x unpadded: the
   * kernel reads the zero padding (padTop rows, padLeft columns, and past the image as far as its 4 × 4
   * tiles reach) without a copy; C % 4 = 0, CO % 8 = 0. `panel`: `winograd4PanelFloats` floats (per
   * thread when pooled); `quads`: `WINOGRAD4_QUADS`; `bias`, `relu`: the epilogue, as in `conv2d_forward`;
   * `residual` (0: none): a tensor of out's shape added after the bias, before relu.
   */
  winograd4_conv3x3(
    out: number, x: number, u: number, panel: number, batch: number, inHeight: number, inWidth: number, channels: number,
    outHeight: number, outWidth: number, outChannels: number, padTop: number, padLeft: number, quads: number, bias: number, relu: number,
    residual: number,
  ): void;
  /**
   * dw (HWIO, 3×3) of winograd_conv3x3's convolution; xp, C and CO as there. `scratch`:
   * `winogradFilterGradientScratchFloats` floats (per thread when pooled); `block`: `winogradFilterGradientBlock`.
   */
  winograd_filter_gradient(
    dw: number, xp: number, dy: number, scratch: number, batch: number, paddedHeight: number, paddedWidth: number, channels: number,
    outHeight: number, outWidth: number, outChannels: number, block: number,
  ): void;
  /**
   * dw (HWIO, 3×3) of a 3×3 stride-1 convolution by Winograd F(4×4, 3×3); xp padded to at least
   * 4·⌈OH/4⌉ + 2 × 4·⌈OW/4⌉ + 2; C % 4 = 0, CO % 8 = 0. `scratch`: `winograd4FilterGradientScratchFloats` floats
   * (per thread when pooled); `block`: `WINOGRAD4_FILTER_GRADIENT_BLOCK`.
   */
  winograd4_filter_gradient(
    dw: number, x: number, dy: number, scratch: number, batch: number, inHeight: number, inWidth: number, channels: number,
    outHeight: number, outWidth: number, outChannels: number, padTop: number, padLeft: number, block: number,
  ): void;
  /**
   * dx of winograd_conv3x3's convolution (stride 1, padding pad_top/pad_left) as its adjoint over dy's tiles, from
   * ut = winograd_filter of the HWOI filter; C % 8 = 0, CO % 4 = 0. `panel`: `winogradInputGradientPanelFloats`.
   */
  winograd_input_gradient(
    dx: number, dy: number, ut: number, panel: number, batch: number, inHeight: number, inWidth: number, channels: number,
    outHeight: number, outWidth: number, outChannels: number, padTop: number, padLeft: number, quads: number,
  ): void;
  /**
   * dx of the F(4×4, 3×3) convolution (stride 1, padding pad_top/pad_left) as its adjoint over dy's 4 × 4 tiles, from
   * ut = winograd4_filter of the HWOI filter; C % 8 = 0, CO % 4 = 0. `panel`: `winograd4InputGradientPanelFloats`
   * floats (per thread when pooled); `quads`: `WINOGRAD4_INPUT_GRADIENT_QUADS`.
   */
  winograd4_input_gradient(
    dx: number, dy: number, ut: number, panel: number, batch: number, inHeight: number, inWidth: number, channels: number,
    outHeight: number, outWidth: number, outChannels: number, padTop: number, padLeft: number, quads: number,
  ): void;
  bias_activation(out: number, bias: number, rows: number, columns: number, hasBias: number, relu: number): void;
  transpose_filter(wt: number, w: number, depth: number, outChannels: number, paddedDepth: number): void;
  /** t[j, i] = m[i, j] for a rows × columns matrix m. */
  transpose_matrix(t: number, m: number, rows: number, columns: number): void;
  /** dx[n, row0 + i·rowStep, col0 + j·colStep, c] = phase[n, i, j, c] (phase: N × phaseHeight × phaseWidth × C). */
  scatter_phase(
    dx: number, phase: number, batch: number, height: number, width: number, channels: number, phaseHeight: number, phaseWidth: number,
    row0: number, col0: number, rowStep: number, colStep: number,
  ): void;
  crop_images(
    dx: number, dxp: number, batch: number, height: number, width: number, channels: number, padTop: number, padLeft: number,
    paddedHeight: number, paddedWidth: number,
  ): void;
  /** `panel`: scratch of `conv2dBackpropInputPanelFloats` floats (per thread when pooled). */
  conv2d_backprop_input(
    dxp: number, dy: number, wt: number, panel: number, batch: number, paddedHeight: number, paddedWidth: number, channels: number,
    filterHeight: number, filterWidth: number, outHeight: number, outWidth: number, outChannels: number,
    strideHeight: number, strideWidth: number,
  ): void;
  binary_channels(out: number, x: number, v: number, rows: number, columns: number, op: number): void;
  /** One SGD-with-momentum update of `size` floats into fresh thetaOut, velocityOut (kernels/sgd-momentum.ts). */
  sgd_momentum(thetaOut: number, velocityOut: number, theta: number, velocity: number, gradient: number, size: number, momentum: number, learningRate: number, weightDecay: number, nesterov: number): void;
  /** Σ x² over `size` floats, float32 blocks of 1024 added in double (kernels/global-norm.ts). */
  sum_squares(x: number, size: number): number;
  /** One Adam / AdamW update of `size` floats into fresh thetaOut, mOut, vOut; `params`: its ten float32 settings (kernels/adam.ts). */
  adam_update(thetaOut: number, mOut: number, vOut: number, theta: number, m: number, v: number, gradient: number, size: number, params: number): void;
  /** B [K, N] (or, `transposed`, stored [N, K]) into `matmulColumnsFloats` floats of 8-column slices for `matmul`. */
  pack_columns(bp: number, b: number, depth: number, columns: number, transposed: number): void;
  /** `bp`: B packed by `pack_columns`; `panel`: scratch of `matmulPanelFloats` floats (A packed by quads of rows; pooled pieces use their rows' part). */
  matmul(out: number, a: number, bp: number, panel: number, rows: number, depth: number, columns: number, strideM: number, strideK: number): void;
  col2im(
    dx: number, cols: number, batch: number, height: number, width: number, channels: number, filterHeight: number,
    filterWidth: number, outHeight: number, outWidth: number, strideHeight: number, strideWidth: number, padTop: number,
    padLeft: number,
  ): void;
}

/** The emscripten module fields we rely on (present in tfjs-backend-wasm 4.22's three builds). */
interface EmscriptenModule {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Which build of the module runs: with f32x4.relaxed_madd (FMA) or plain mul + add. */
export type SimdKernelsBuild = 'relaxed' | 'plain';
type Variant = 'plain' | 'shared' | 'relaxedPlain' | 'relaxedShared';

const instances = new WeakMap<object, { build: SimdKernelsBuild; kernels: SimdKernels | null }>();
const compiled: Partial<Record<Variant, WebAssembly.Module>> = {};
// Chosen by precompileSimdKernels (the plugin's load option); plain until then, so that kernels
// used without the plugin never depend on an engine feature nobody asked for.
let selected: SimdKernelsBuild = 'plain';

// The smallest module using relaxed SIMD: (func (param v128 v128 v128) (result v128)
// (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))).
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code section
]);

/**
 * Whether this engine validates relaxed SIMD (Chrome ≥ 114, Node ≥ 22; Node 20 only after the app
 * ran `v8.setFlagsFromString('--experimental-wasm-relaxed-simd')`). Not cached: the app may set
 * that flag after a first check, and validating 37 bytes costs nothing.
 */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(relaxedProbe);
}

/**
 * Selects the build our kernels use from now on (FMA when `relaxedSimd` is not false and the
 * engine supports it) and compiles it ahead of use, asynchronously. Never throws: a variant that
 * does not compile (no WebAssembly SIMD) is left to `simdKernels`, which then returns null; a
 * relaxed variant that does not compile falls back to the plain one.
 */
export async function precompileSimdKernels(options: { relaxedSimd?: boolean } = {}): Promise<SimdKernelsBuild> {
  selected = options.relaxedSimd !== false && relaxedSimdSupported() ? 'relaxed' : 'plain';
  const compileSelected = () => Promise.all([variantFor(false), variantFor(true)].map(compileVariant));
  if (selected === 'relaxed' && (await compileSelected()).includes(false)) selected = 'plain';
  if (selected === 'plain') await compileSelected();
  return selected;
}

/** The build `simdKernels` instantiates (see `precompileSimdKernels`). */
export function selectedSimdKernelsBuild(): SimdKernelsBuild {
  return selected;
}

async function compileVariant(variant: Variant): Promise<boolean> {
  if (compiled[variant]) return true;
  try {
    compiled[variant] = await WebAssembly.compile(decodeBase64(simdKernelsBinary[variant].base64));
    return true;
  } catch {
    return false; // Reported by simdKernels() returning null (or by the plain fallback).
  }
}

function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const pools = new WeakMap<object, { build: SimdKernelsBuild; pool: KernelPool; kernels: SimdKernels; xnnpackThreads: number }>();

/**
 * Our SIMD kernels bound to `backend`'s memory, or `null` when they cannot run here. Where
 * `startSimdKernelPool` started workers for this backend (and build), the splittable kernels run
 * on all of them.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  const pooled = pools.get(backend);
  if (pooled !== undefined && pooled.build === selected) return pooled.kernels;
  return singleThreadKernels(backend);
}

/**
 * Starts `threads − 1` workers that run our kernels beside the calling thread (see
 * internal/kernel-pool.ts), for the current build. Returns the thread count our kernels now use,
 * or why they stay on one thread.
 */
export async function startSimdKernelPool(backend: BackendWasm, threads: number, xnnpackThreads = threads): Promise<{ threads: number; reason?: string }> {
  const existing = pools.get(backend);
  if (existing !== undefined && existing.build === selected) return { threads: existing.pool.threads };
  if (existing !== undefined) await stopSimdKernelPool(backend); // workers of the other build
  if (threads < 2) return { threads: 1 };
  if (!isNode()) {
    return { threads: 1, reason: "a browser's main thread cannot block on Atomics.wait, so our training kernels run on the calling thread (XNNPACK's use every thread)" };
  }
  const kernels = singleThreadKernels(backend);
  const module = backend.wasm as unknown as EmscriptenModule;
  const memory = wasmMemory(module);
  const compiledModule = compiled[variantFor(true)];
  if (!kernels || !memory || !(memory.buffer instanceof SharedArrayBuffer) || !compiledModule) {
    return { threads: 1, reason: 'our kernels run on one thread: the wasm memory is not shared or the SIMD module did not compile' };
  }
  try {
    const pool = await startKernelPool(compiledModule, memory, kernels, threads);
    const scratch = {
      malloc: (bytes: number) => module._malloc(bytes),
      free: (pointer: number) => module._free(pointer),
      floats: (pointer: number, length: number) => new Float32Array(module.HEAPF32.buffer, pointer, length),
      doubles: (pointer: number, length: number) => new Float64Array(module.HEAPF32.buffer, pointer, length),
    };
    pools.set(backend, { build: selected, pool, kernels: parallelKernels(kernels, pool, scratch), xnnpackThreads });
    return { threads };
  } catch (error) {
    return { threads: 1, reason: `our kernels run on one thread: their workers failed to start (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** `backend`'s kernel pool (threads, split calls so far, its spin budget), if one runs (tests, benchmarks). */
export function simdKernelPool(backend: BackendWasm): Pick<KernelPool, 'threads' | 'runs' | 'timings' | 'pieces' | 'spinMicroseconds' | 'lateCalls' | 'detachedRuns' | 'detachedPending'> | undefined {
  return pools.get(backend)?.pool;
}

/**
 * `backend`'s kernel pool where it takes detached calls (internal/detached-calls.ts): two threads,
 * the caller's and one worker's. With more, a detached call would leave the other workers idle
 * while the caller splits nothing, so those pools split every call instead.
 */
export function detachingPool(backend: BackendWasm): KernelPool | undefined {
  const pooled = pools.get(backend);
  return pooled !== undefined && pooled.build === selected && pooled.pool.threads === 2 ? pooled.pool : undefined;
}

/**
 * Whether XNNPACK's operators run on several threads beside our kernel pool (the plugin's
 * `xnnpackThreads`): then both pools compete for the cores, and inference convolutions go to
 * XNNPACK; otherwise ours, split over our pool, do the parallel work.
 */
export function xnnpackShares(backend: BackendWasm): boolean {
  const pooled = pools.get(backend);
  return pooled !== undefined && pooled.xnnpackThreads > 1;
}

/** Whether a per-element kernel over `floats` floats would run on several threads of `backend`'s pool. */
export function splitsOverPool(backend: BackendWasm, floats: number): boolean {
  const pooled = pools.get(backend);
  return pooled !== undefined && pooled.build === selected && threadsFor(pooled.pool.threads, floats, floatsShare(pooled.pool), floats) > 1;
}

/** Stops `backend`'s kernel workers, if any (tests). */
export async function stopSimdKernelPool(backend: BackendWasm): Promise<void> {
  joinDetached(backend);
  const pooled = pools.get(backend);
  pools.delete(backend);
  await pooled?.pool.close();
}

/** The tfjs module's memory: non-threaded builds export it; the threaded build creates it in JS. */
function wasmMemory(module: EmscriptenModule): WebAssembly.Memory | undefined {
  return module.asm?.memory ?? module.wasmMemory;
}

/** The module variant of the selected build for a shared or a plain memory. */
function variantFor(shared: boolean): Variant {
  if (selected === 'relaxed') return shared ? 'relaxedShared' : 'relaxedPlain';
  return shared ? 'shared' : 'plain';
}

function singleThreadKernels(backend: BackendWasm): SimdKernels | null {
  const cached = instances.get(backend);
  if (cached !== undefined && cached.build === selected) return cached.kernels;
  let kernels: SimdKernels | null = null;
  try {
    const memory = wasmMemory(backend.wasm as unknown as EmscriptenModule);
    if (memory) {
      const variant = variantFor(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
      const wasmModule = compiled[variant] ?? new WebAssembly.Module(decodeBase64(simdKernelsBinary[variant].base64));
      const instance = new WebAssembly.Instance(wasmModule, { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    }
  } catch {
    kernels = null; // e.g. no WebAssembly SIMD: the JS loops run instead.
  }
  instances.set(backend, { build: selected, kernels });
  return kernels;
}

/**
 * Runs `body` with a scratch panel for each thread our kernels may split a call over (`floats`
 * each, consecutive; the pool hands piece i the i-th).
 */
export function withPanels<T>(backend: BackendWasm, floats: number, body: (pointer: number) => T): T {
  return withScratch(backend, (simdKernelPool(backend)?.threads ?? 1) * floats * 4, body);
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId)!.memoryOffset;
}

/** `bytes` of scratch from the tfjs heap (`_malloc`), for a caller that frees it later itself. */
export function heapScratch(backend: BackendWasm, bytes: number): { pointer: number; free(): void } {
  const module = backend.wasm as unknown as EmscriptenModule;
  const pointer = module._malloc(bytes);
  return { pointer, free: () => module._free(pointer) };
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
