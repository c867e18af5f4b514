/**
 * Relu's gradient as one kernel. tfjs-core differentiates `relu` as mul(dy, cast(step(x))): a Step
 * kernel writing a mask as large as x, then a Multiply reading it back. `DigitlabReluGradient`
 * computes dx = dy · step(x) in one pass over dy and x (csrc `relu_gradient`), the same to the bit
 * (step(x) = 1 for x > 0, 0 otherwise, NaN for NaN; dy·0 stays ±0, or NaN for an infinite dy).
 *
 * The kernel exists on `wasm` only, so `installReluGradient` replaces tfjs-core's gradient of
 * `Relu` (a global registry, as tfjs's own gradients are) with one that runs it where the current
 * backend has it and falls back to tfjs-core's exact formula everywhere else: the cpu, webgl and
 * node backends compute what they always did.
 */
import { cast, engine, getBackend, getKernel, mul, registerGradient, step, zerosLike, type GradConfig, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { heapOffset, simdKernels } from '../internal/simd-kernels.js';

/** Name of our fused kernel (inputs `dy`, `x`; output dy · step(x)). */
export const RELU_GRADIENT = 'DigitlabReluGradient';

function reluGradient(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = input(args, RELU_GRADIENT, 'dy');
  const x = input(args, RELU_GRADIENT, 'x');
  const size = sizeOf(x.shape);
  if (dy.dtype !== 'float32' || x.dtype !== 'float32' || sizeOf(dy.shape) !== size) {
    throw new Error(`${RELU_GRADIENT}: dy and x must be float32 tensors of one size (got ${dy.dtype} [${dy.shape.join(', ')}] and ${x.dtype} [${x.shape.join(', ')}])`);
  }
  const out = backend.makeOutput([...x.shape], 'float32');
  const kernels = simdKernels(backend);
  if (kernels) {
    kernels.relu_gradient(heapOffset(backend, out), heapOffset(backend, dy), heapOffset(backend, x), size);
    return out;
  }
  // An engine without WebAssembly SIMD: the same formula in JS.
  const [dx, gradient, values] = [heapF32(backend, out), heapF32(backend, dy), heapF32(backend, x)];
  for (let i = 0; i < size; i++) {
    const v = values[i] as number;
    dx[i] = (gradient[i] as number) * (Number.isNaN(v) ? v : v > 0 ? 1 : 0);
  }
  return out;
}

/** Our fused Relu gradient for the `wasm` backend. */
export const reluGradientConfig = wasmKernel(RELU_GRADIENT, reluGradient);

/** dy · step(x): our kernel where the current backend registers it, tfjs-core's formula elsewhere. */
function reluGradientOf(dy: Tensor, x: Tensor): Tensor {
  const fused = dy.dtype === 'float32' && x.dtype === 'float32' && dy.size === x.size && getKernel(RELU_GRADIENT, getBackend()) !== undefined;
  return fused ? (engine().runKernel(RELU_GRADIENT, { dy, x }) as Tensor) : mul(dy, cast(step(x), 'float32'));
}

/** The gradient of `Relu`, as tfjs-core's (`Relu_grad`) but through `reluGradientOf`. */
const reluGradConfig: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as Tensor[];
    return { x: () => reluGradientOf(dy as Tensor, x as Tensor) };
  },
};

/** Second derivatives through our kernel: ∂(dy · step(x))/∂dy = step(x); ∂/∂x = 0 (almost everywhere, as for step). */
const reluGradientGradConfig: GradConfig = {
  kernelName: RELU_GRADIENT,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved) => {
    const [x] = saved as Tensor[];
    return { dy: () => reluGradientOf(ddx as Tensor, x as Tensor), x: () => zerosLike(x as Tensor) };
  },
};

/**
 * Makes `Relu`'s gradient run `DigitlabReluGradient` on backends that have it (idempotent). Called
 * by `registerWasmTrainingKernels`.
 */
export function installReluGradient(): void {
  registerGradient(reluGradConfig);
  registerGradient(reluGradientGradConfig);
}
