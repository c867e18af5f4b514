/**
 * DigitlabAdam: one Adam or AdamW update of a variable (`@digitlab/trainer`'s `adam` / `adamw`, which
 * write it as 12-15 ops a variable), in one pass:
 *
 *   inputs theta, m, v, gradient (float32, one shape); attrs beta1, beta2, epsilon, learningRate,
 *   correction1 = 1 − β1^t, correction2 = 1 − β2^t, weightDecay λ, decoupled → outputs [θ', m', v'] with
 *   g' = g + λ·θ (Adam, λ > 0; else g),   m' = β1·m + (1 − β1)·g',   v' = β2·v + (1 − β2)·g'²,
 *   θ' = θ − (lr·λ)·θ (AdamW, λ > 0) − lr·((m'/c1) / (√(v'/c2) + ε))
 *
 * every product, quotient, root and sum rounded to float32 as tfjs's ops round theirs (1 − β1, 1 − β2
 * and lr·λ taken in double first, then float32, as the trainer's scalars are), so the values equal
 * the op-by-op update's bit for bit. It reads θ, m, v, g once and writes θ', m', v' once where the ops
 * make a pass each; split over the kernel pool by elements like the other memory-bound passes.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { updateAttrs, variableShapedInputs } from '../internal/update-args.js';
import { heapFloats, heapOffset, simdKernels, withScratch } from '../internal/simd-kernels.js';

/** Kernel name (inputs theta, m, v, gradient; attrs beta1, beta2, epsilon, learningRate, correction1, correction2, weightDecay, decoupled; outputs theta, m, v). */
export const ADAM = 'DigitlabAdam';

interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  correction1: number;
  correction2: number;
  weightDecay: number;
  decoupled: boolean;
}

/** The attrs, checked (internal/update-args.ts), and the bias corrections > 0. */
function attrsOf(args: WasmKernelArgs): AdamAttrs {
  const attrs = updateAttrs<AdamAttrs>(args, ADAM, ['beta1', 'beta2', 'epsilon', 'learningRate', 'correction1', 'correction2', 'weightDecay'], ['decoupled']);
  for (const name of ['correction1', 'correction2'] as const) {
    if (!(attrs[name] > 0)) throw new Error(`${ADAM}: attr ${name} (1 − β^t) must be > 0 (got ${attrs[name]})`);
  }
  return attrs;
}

/** The ten float32 settings of csrc `adam_update`, in its order. */
function paramsOf({ beta1, beta2, epsilon, learningRate, correction1, correction2, weightDecay, decoupled }: AdamAttrs): number[] {
  return [beta1, 1 - beta1, beta2, 1 - beta2, correction1, correction2, epsilon, learningRate, decoupled ? 0 : weightDecay, decoupled ? learningRate * weightDecay : 0];
}

function adamUpdate(args: WasmKernelArgs): TensorInfo[] {
  const { backend } = args;
  const [theta, m, v, gradient] = variableShapedInputs(args, ADAM, ['theta', 'm', 'v', 'gradient']) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const params = paramsOf(attrsOf(args));
  const size = sizeOf(theta.shape);
  const outputs = [0, 1, 2].map(() => backend.makeOutput([...theta.shape], 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
  const kernels = simdKernels(backend);
  if (kernels) {
    withScratch(backend, params.length * 4, (pointer) => {
      heapFloats(backend, pointer, params.length).set(params);
      const at = (tensor: TensorInfo) => heapOffset(backend, tensor);
      kernels.adam_update(at(outputs[0]), at(outputs[1]), at(outputs[2]), at(theta), at(m), at(v), at(gradient), size, pointer);
    });
    return outputs;
  }
  // An engine without WebAssembly SIMD: the same float32 steps in JS.
  const f = Math.fround;
  const [b1, oneB1, b2, oneB2, c1, c2, epsilon, lr, decay, lrDecay] = params.map(f) as [number, number, number, number, number, number, number, number, number, number];
  const [t, m0, v0, g0, tOut, mOut, vOut] = [theta, m, v, gradient, ...outputs].map((tensor) => heapF32(backend, tensor)) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < size; i++) {
    const g = decay > 0 ? f(g0[i]! + f(t[i]! * decay)) : g0[i]!;
    const m1 = f(f(m0[i]! * b1) + f(g * oneB1));
    const v1 = f(f(v0[i]! * b2) + f(f(g * g) * oneB2));
    const base = lrDecay > 0 ? f(t[i]! - f(t[i]! * lrDecay)) : t[i]!;
    const step = f(f(m1 / c1) / f(f(Math.sqrt(f(v1 / c2))) + epsilon));
    mOut[i] = m1;
    vOut[i] = v1;
    tOut[i] = base - f(step * lr);
  }
  return outputs;
}

/** Our Adam / AdamW update kernel for the `wasm` backend. */
export const adamConfig = wasmKernel(ADAM, adamUpdate);
