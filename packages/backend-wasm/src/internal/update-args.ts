/**
 * The checked inputs and attrs of our per-variable update kernels (DigitlabSgdMomentum,
 * DigitlabAdam): every tensor input float32 and shaped like the first (the variable), the numeric
 * attrs finite, the flags booleans, each failure naming the kernel, the argument and its value.
 * @internal
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { input, type WasmKernelArgs } from './heap.js';

/** Inputs `names` of `kernelName`, in order: present, float32, all shaped like the first. */
export function variableShapedInputs(args: WasmKernelArgs, kernelName: string, names: readonly string[]): TensorInfo[] {
  const tensors = names.map((name) => input(args, kernelName, name));
  const [first] = tensors as [TensorInfo];
  tensors.forEach((tensor, index) => {
    if (tensor.dtype !== 'float32' || tensor.shape.join() !== first.shape.join()) {
      throw new Error(`${kernelName}: ${names[index]} must be float32 and shaped like ${names[0]} [${first.shape.join(', ')}] (got ${tensor.dtype} [${tensor.shape.join(', ')}])`);
    }
  });
  return tensors;
}

/** `kernelName`'s attrs with `numbers` finite (`weightDecay`, when among them, ≥ 0) and `flags` booleans. */
export function updateAttrs<T>(args: WasmKernelArgs, kernelName: string, numbers: readonly (keyof T & string)[], flags: readonly (keyof T & string)[]): T {
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  for (const name of numbers) {
    const value = attrs[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${kernelName}: attr ${name} must be a finite number (got ${String(value)})`);
  }
  if (numbers.includes('weightDecay' as keyof T & string) && (attrs['weightDecay'] as number) < 0) {
    throw new Error(`${kernelName}: attr weightDecay must be >= 0 (got ${String(attrs['weightDecay'])})`);
  }
  for (const name of flags) {
    if (typeof attrs[name] !== 'boolean') throw new Error(`${kernelName}: attr ${name} must be true or false (got ${String(attrs[name])})`);
  }
  return attrs as T;
}
