/**
 * FusedConv2D and _FusedMatMul (what tfjs-layers' Conv2D and Dense run outside of gradient
 * recording, i.e. for inference). FusedConv2D: our Conv2D (where it pays, see conv2d.ts
 * `conv2dChoice`), which adds the bias and applies relu to each output as it stores it
 * (`ConvEpilogue`: no second pass over the output, ~4% of a resnet-mini inference). _FusedMatMul:
 * our matmul, then the bias and relu in one pass (csrc/training-kernels.c `bias_activation`).
 * elu, relu6, sigmoid, leakyrelu and prelu run after either through their stock kernels (stock
 * tfjs-backend-wasm 4.22's own _FusedMatMul gets elu wrong with transposed operands: the kernel
 * tests caught it). Biases that are not one value per output channel use the stock kernels.
 *
 * DigitlabConv2DResidual (ours alone; @digitlab/models' `inferenceFunction` runs it where the
 * backend registers it): relu((x ⊛ filter + bias) + residual), a ResNet block's last convolution,
 * its shortcut add and its ReLU in one call. The F(4×4) kernel adds the residual in its epilogue;
 * our other convolutions add it and apply relu in two passes after; elsewhere (dilations, NCHW, a
 * bias that is not one value a channel) the registered FusedConv2D, Add and Relu run in turn. Bit
 * for bit what those three kernels give. Inference only: it has no gradient.
 */
import { getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmBackendError } from '../errors.js';
import { conv2dGeometry, type ConvBackpropAttrs } from '../internal/conv-geometry.js';
import { input, sizeOf, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { heapOffset, simdKernels, type SimdKernels } from '../internal/simd-kernels.js';
import { stockKernel } from '../internal/stock-kernels.js';
import { conv2dDirect, type ConvEpilogue } from './conv2d.js';
import { simdMatMul } from './batch-mat-mul.js';

interface FusedAttrs {
  activation?: string;
  leakyreluAlpha?: number;
}

/** Activations applied after our epilogue by the stock wasm kernel of that name. */
const stockActivations: Record<string, string> = { elu: 'Elu', relu6: 'Relu6', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu' };

/** The kernels when ours apply: bias absent or one float32 per output channel, a known activation. */
function epilogueKernels(args: WasmKernelArgs, channels: number): SimdKernels | null {
  const { activation = 'linear' } = args.attrs as unknown as FusedAttrs;
  const bias = (args.inputs as Record<string, TensorInfo | undefined>).bias;
  if (activation !== 'linear' && activation !== 'relu' && !(activation in stockActivations)) return null;
  if (bias && (bias.dtype !== 'float32' || sizeOf(bias.shape) !== channels || bias.shape.length > 1)) return null;
  return simdKernels(args.backend);
}

/**
 * Bias and relu in place (one pass over `out`), then `stockActivation`.
 */
function epilogue(backend: BackendWasm, kernels: SimdKernels, out: TensorInfo, args: WasmKernelArgs, channels: number): TensorInfo {
  const { activation = 'linear' } = args.attrs as unknown as FusedAttrs;
  const bias = (args.inputs as Record<string, TensorInfo | undefined>).bias;
  const relu = activation === 'relu';
  if (bias || relu) {
    kernels.bias_activation(heapOffset(backend, out), bias ? heapOffset(backend, bias) : 0, sizeOf(out.shape) / channels, channels, bias ? 1 : 0, relu ? 1 : 0);
  }
  return stockActivation(backend, out, args);
}

/** An activation other than linear and relu through its stock kernel (a new tensor; `out` is released); else `out`. */
function stockActivation(backend: BackendWasm, out: TensorInfo, args: WasmKernelArgs): TensorInfo {
  const { activation = 'linear', leakyreluAlpha } = args.attrs as unknown as FusedAttrs;
  const name = stockActivations[activation];
  if (!name) return out;
  const alpha = (args.inputs as Record<string, TensorInfo | undefined>).preluActivationWeights;
  const activated =
    name === 'Prelu'
      ? stockKernel(name)({ inputs: { x: out, alpha: alpha! }, attrs: {}, backend })
      : stockKernel(name)({ inputs: { x: out }, attrs: name === 'LeakyRelu' ? { alpha: leakyreluAlpha ?? 0.2 } : {}, backend });
  backend.disposeData(out.dataId);
  return activated;
}

function fusedConv2d(args: WasmKernelArgs): TensorInfo {
  const filter = input(args, 'FusedConv2D', 'filter');
  const kernels = epilogueKernels(args, filter.shape[3] as number);
  const { activation = 'linear' } = args.attrs as unknown as FusedAttrs;
  const bias = (args.inputs as Record<string, TensorInfo | undefined>).bias;
  const inKernel: ConvEpilogue = { bias: bias ? heapOffset(args.backend, bias) : 0, relu: activation === 'relu' ? 1 : 0 };
  const out = kernels ? conv2dDirect(args, 'FusedConv2D', inKernel) : null;
  if (!kernels || !out) return stockKernel('FusedConv2D')(args);
  return stockActivation(args.backend, out, args);
}

function fusedMatMul(args: WasmKernelArgs): TensorInfo {
  const a = input(args, '_FusedMatMul', 'a');
  const b = input(args, '_FusedMatMul', 'b');
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const columns = b.shape[b.shape.length - (transposeB ? 2 : 1)] as number;
  const kernels = sizeOf(a.shape.slice(0, -2)) === 1 && sizeOf(b.shape.slice(0, -2)) === 1 && a.dtype === 'float32' && b.dtype === 'float32' ? epilogueKernels(args, columns) : null;
  const out = kernels ? simdMatMul(args.backend, kernels, a, b, transposeA, transposeB) : null;
  if (!kernels || !out) return stockKernel('_FusedMatMul')(args);
  return epilogue(args.backend, kernels, out, args, columns);
}

/** The kernel name of the convolution with a residual add and relu (see the header); @digitlab/models names it too. */
export const CONV2D_RESIDUAL = 'DigitlabConv2DResidual';

function conv2dResidual(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = input(args, CONV2D_RESIDUAL, 'x');
  const filter = input(args, CONV2D_RESIDUAL, 'filter');
  const residual = input(args, CONV2D_RESIDUAL, 'residual');
  const bias = (args.inputs as Record<string, TensorInfo | undefined>).bias;
  const attrs = args.attrs as unknown as ConvBackpropAttrs;
  const g = conv2dGeometry(CONV2D_RESIDUAL, x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const outShape = (attrs.dataFormat ?? 'NHWC') === 'NHWC' ? [g.batch, g.outHeight, g.outWidth, g.outChannels] : [g.batch, g.outChannels, g.outHeight, g.outWidth];
  if (residual.dtype !== 'float32' || residual.shape.join() !== outShape.join()) {
    throw new WasmBackendError(
      `${CONV2D_RESIDUAL} adds the residual to the convolution's output, of shape [${outShape.join(', ')}], but got a ${residual.dtype} tensor of shape [${residual.shape.join(', ')}]. Pass the float32 shortcut tensor of the output's shape.`,
    );
  }
  const kernels = epilogueKernels({ ...args, attrs: { activation: 'relu' } }, g.outChannels);
  const out = kernels ? conv2dDirect(args, CONV2D_RESIDUAL, { bias: bias ? heapOffset(backend, bias) : 0, relu: 1, residual: heapOffset(backend, residual) }) : null;
  if (out) return out;
  const run = (name: string, inputs: Record<string, TensorInfo>, kernelAttrs: object = {}) =>
    getKernel(name, 'wasm')!.kernelFunc({ inputs, attrs: kernelAttrs as never, backend }) as TensorInfo;
  const convolved = run('FusedConv2D', bias ? { x, filter, bias } : { x, filter }, { ...attrs, activation: 'linear' });
  const sum = run('Add', { a: convolved, b: residual });
  backend.disposeData(convolved.dataId);
  const activated = run('Relu', { x: sum });
  backend.disposeData(sum.dataId);
  return activated;
}

/** Our DigitlabConv2DResidual for the `wasm` backend. */
export const conv2dResidualConfig = wasmKernel(CONV2D_RESIDUAL, conv2dResidual);

/** Our FusedConv2D for the `wasm` backend. */
export const fusedConv2dConfig = wasmKernel('FusedConv2D', fusedConv2d);

/** Our _FusedMatMul for the `wasm` backend. */
export const fusedMatMulConfig = wasmKernel('_FusedMatMul', fusedMatMul);
