/**
 * Registers our training kernels on the `wasm` backend: adds the ones stock
 * tfjs-backend-wasm 4.22 lacks and replaces its slow ones.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { WasmBackendError } from './errors.js';
import { captureStockKernel } from './internal/stock-kernels.js';
import type { WasmKernelFunc } from './internal/heap.js';
import { batchMatMulConfig } from './kernels/batch-mat-mul.js';
import { conv2dConfig } from './kernels/conv2d.js';
import { conv2dResidualConfig, fusedConv2dConfig, fusedMatMulConfig } from './kernels/fused.js';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { maxPoolConfig, maxPoolGradConfig } from './kernels/max-pool.js';
import { fusedBatchNormConfig } from './kernels/fused-batch-norm.js';
import { castConfig, identityConfig } from './kernels/identity.js';
import { meanConfig, sumConfig } from './kernels/leading-axes-reduction.js';
import { tileConfig } from './kernels/tile.js';
import { addConfig, multiplyConfig, subConfig } from './kernels/channel-binary.js';
import { installReluGradient, reluGradientConfig } from './kernels/relu-gradient.js';
import { reluConfig } from './kernels/relu.js';
import { batchNormGradientConfig, batchNormMomentsConfig } from './kernels/batch-norm-training.js';
import { sgdMomentumConfig } from './kernels/sgd-momentum.js';
import { adamConfig } from './kernels/adam.js';
import { globalNormConfig } from './kernels/global-norm.js';

/** Every kernel of ours, in registration order. */
const ourKernels: readonly KernelConfig[] = [conv2dConfig, fusedConv2dConfig, conv2dResidualConfig, fusedMatMulConfig, conv2dBackpropFilterConfig, conv2dBackpropInputConfig, maxPoolConfig, maxPoolGradConfig, batchMatMulConfig, tileConfig, sumConfig, meanConfig, identityConfig, castConfig, fusedBatchNormConfig, multiplyConfig, addConfig, subConfig, reluConfig, reluGradientConfig, batchNormMomentsConfig, batchNormGradientConfig, sgdMomentumConfig, adamConfig, globalNormConfig];

/** Stock kernels ours call internally; captured before anything is replaced. */
const stockDependencies = ['MaxPool', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul', 'Transpose', 'Conv2D', 'FusedConv2D', 'Tile', 'Sum', 'Mean', 'Identity', 'Cast', 'FusedBatchNorm', 'Multiply', 'Add', 'Sub', 'Elu', 'Relu', 'Relu6', 'Sigmoid', 'LeakyRelu', 'Prelu'] as const;

const ourKernelFuncs = new WeakSet<object>(ourKernels.map((config) => config.kernelFunc));

/** What `registerWasmTrainingKernels` did. */
export interface RegisteredKernels {
  /** Kernels stock wasm did not have. */
  added: string[];
  /** Stock kernels now replaced by ours. */
  replaced: string[];
  /** Kernels that were already ours (a repeated call). */
  unchanged: string[];
}

/**
 * Adds our training kernels to the `wasm` backend and replaces the slow stock ones, and routes
 * `Relu`'s gradient through our fused kernel where a backend has it (kernels/relu-gradient.ts; other
 * backends keep tfjs-core's formula). Idempotent:
 * a second call changes nothing. A replaced kernel keeps the stock `setupFunc` / `disposeFunc`,
 * so the wasm backend initialises and disposes the same way whether ours is in place or not.
 *
 * Needs `@tensorflow/tfjs-backend-wasm` to have been imported (its kernels registered); the
 * backend itself may or may not be initialised yet.
 *
 * @throws WasmBackendError when the stock wasm kernels are not registered.
 */
export function registerWasmTrainingKernels(): RegisteredKernels {
  for (const name of stockDependencies) {
    const registered = getKernel(name, 'wasm');
    if (!registered) {
      throw new WasmBackendError(
        `the stock wasm kernel "${name}" is not registered. Import "@tensorflow/tfjs-backend-wasm" (4.22.0) before calling registerWasmTrainingKernels(), or use createWasmPlugin().load().`,
      );
    }
    if (!ourKernelFuncs.has(registered.kernelFunc)) captureStockKernel(name, registered.kernelFunc as unknown as WasmKernelFunc);
  }
  const result: RegisteredKernels = { added: [], replaced: [], unchanged: [] };
  for (const config of ourKernels) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing && ourKernelFuncs.has(existing.kernelFunc)) {
      result.unchanged.push(config.kernelName);
      continue;
    }
    if (existing) {
      unregisterKernel(config.kernelName, 'wasm');
      registerKernel({ ...config, setupFunc: existing.setupFunc, disposeFunc: existing.disposeFunc });
      result.replaced.push(config.kernelName);
    } else {
      registerKernel(config);
      result.added.push(config.kernelName);
    }
  }
  installReluGradient();
  return result;
}

/** Names of the kernels this package provides for `wasm`. */
export function wasmTrainingKernelNames(): string[] {
  return ourKernels.map((config) => config.kernelName);
}
