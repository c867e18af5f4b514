/**
 * Identity and same-dtype Cast without a copy: out = x, sharing x's heap buffer (reference
 * counted, like stock wasm Reshape and cpu's Identity). Stock wasm copies the whole buffer; a
 * training step calls these ~40 times (tf.grad seeds and passes gradients through Identity, the
 * ReLU gradient casts its float32 mask to float32), up to 1.4 M elements each in the seed CNN.
 * Safe because no wasm kernel writes into its inputs. Strings and dtype changes keep the stock
 * kernels.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { input, type WasmKernelArgs, wasmKernel } from '../internal/heap.js';
import { stockKernel } from '../internal/stock-kernels.js';

function share(args: WasmKernelArgs, x: TensorInfo): TensorInfo {
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function identity(args: WasmKernelArgs): TensorInfo {
  const x = input(args, 'Identity', 'x');
  return x.dtype === 'string' ? stockKernel('Identity')(args) : share(args, x);
}

function cast(args: WasmKernelArgs): TensorInfo {
  const x = input(args, 'Cast', 'x');
  const { dtype } = args.attrs as unknown as { dtype: string };
  return dtype === x.dtype && x.dtype !== 'string' ? share(args, x) : stockKernel('Cast')(args);
}

/** Our Identity for the `wasm` backend (no copy). */
export const identityConfig = wasmKernel('Identity', identity);

/** Our Cast for the `wasm` backend (no copy when the dtype does not change). */
export const castConfig = wasmKernel('Cast', cast);
