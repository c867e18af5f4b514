/**
 * DigitlabSgdMomentum: one SGD-with-momentum update of a variable (PyTorch's formulation, as
 * `@digitlab/trainer`'s `sgd` writes it op by op), in one pass instead of four or five kernels:
 *
 *   inputs theta, velocity, gradient (float32, one shape); attrs momentum μ, learningRate lr,
 *   weightDecay λ, nesterov → outputs [θ', v'] with
 *   g' = g + λ·θ (λ > 0, else g),   v' = μ·v + g',   θ' = θ − lr·(nesterov ? g' + μ·v' : v')
 *
 * every product and sum rounded to float32 as tfjs's mul, add and sub round theirs (the attrs are
 * float32 as tfjs's scalars are), so the values equal the op-by-op update's bit for bit. The op-by-op
 * update reads and writes each variable-sized tensor 4-5 times over as many kernel calls a variable
 * (248 a resnet-mini step); this reads θ, v, g once and writes θ', v' once, split over the kernel
 * pool by elements where the pool splits memory-bound passes. The trainer runs it where the current
 * backend registers it (by this name).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { updateAttrs, variableShapedInputs } from '../internal/update-args.js';
import { heapOffset, simdKernels } from '../internal/simd-kernels.js';

/** Kernel name (inputs theta, velocity, gradient; attrs momentum, learningRate, weightDecay, nesterov; outputs theta, velocity). */
export const SGD_MOMENTUM = 'DigitlabSgdMomentum';

interface SgdMomentumAttrs {
  momentum: number;
  learningRate: number;
  weightDecay: number;
  nesterov: boolean;
}

function sgdMomentum(args: WasmKernelArgs): TensorInfo[] {
  const { backend } = args;
  const [theta, velocity, gradient] = variableShapedInputs(args, SGD_MOMENTUM, ['theta', 'velocity', 'gradient']) as [TensorInfo, TensorInfo, TensorInfo];
  const { momentum, learningRate, weightDecay, nesterov } = updateAttrs<SgdMomentumAttrs>(args, SGD_MOMENTUM, ['momentum', 'learningRate', 'weightDecay'], ['nesterov']);
  const size = sizeOf(theta.shape);
  const thetaOut = backend.makeOutput([...theta.shape], 'float32');
  const velocityOut = backend.makeOutput([...theta.shape], 'float32');
  const kernels = simdKernels(backend);
  if (kernels) {
    const at = (tensor: TensorInfo) => heapOffset(backend, tensor);
    kernels.sgd_momentum(at(thetaOut), at(velocityOut), at(theta), at(velocity), at(gradient), size, momentum, learningRate, weightDecay, nesterov ? 1 : 0);
    return [thetaOut, velocityOut];
  }
  // An engine without WebAssembly SIMD: the same float32 steps in JS.
  const [t, v, g, tOut, vOut] = [theta, velocity, gradient, thetaOut, velocityOut].map((tensor) => heapF32(backend, tensor)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const [mu, lr, decay] = [Math.fround(momentum), Math.fround(learningRate), Math.fround(weightDecay)];
  const f = Math.fround;
  for (let i = 0; i < size; i++) {
    const decayed = decay > 0 ? f(g[i]! + f(t[i]! * decay)) : g[i]!;
    const moved = f(f(v[i]! * mu) + decayed);
    const step = nesterov ? f(decayed + f(moved * mu)) : moved;
    vOut[i] = moved;
    tOut[i] = t[i]! - f(step * lr);
  }
  return [thetaOut, velocityOut];
}

/** Our SGD-with-momentum update kernel for the `wasm` backend. */
export const sgdMomentumConfig = wasmKernel(SGD_MOMENTUM, sgdMomentum);
