/**
 * Floating-point operations of one kernel call, from the shapes `tf.profile` records (it records no
 * attributes). Convention: one multiply-add is 2 FLOPs, and a convolution counts every tap of its
 * window, padded ones included (as fvcore and PyTorch's profiler do). Strides, padding and dilation
 * need no attributes: they are already in the output shape.
 *
 * Layouts (tfjs): activations NHWC, conv filters HWIO [kh, kw, in, out], depthwise filters
 * [kh, kw, in, multiplier]. For a convolution with output [N, Ho, Wo, Co] and filter [kh, kw, Ci, Co]:
 *   forward, input gradient (∂x) and filter gradient (∂W) each cost 2·N·Ho·Wo·Co·kh·kw·Ci
 * (the same multiply-adds, summed over different indices). A batched product C[b] = A[b]·B[b] with
 * C [.., M, N] costs 2·batch·M·N·K, and K = (product of A's last two dims) / M whichever way A is
 * transposed.
 */

/** A kernel call as far as counting needs: its name and the shapes `tf.profile` recorded. */
export interface KernelShapes {
  name: string;
  /** In the order of the kernel's inputs (`x, filter` / `x, dy` / `dy, filter` / `a, b`); null for an absent optional input. */
  inputShapes: readonly (readonly number[] | null)[];
  outputShapes: readonly (readonly number[])[];
}

const product = (dims: readonly number[]) => dims.reduce((total, dim) => total * dim, 1);

/** 2 · (output elements) · (taps per output) for a convolution whose output is `output` and filter `filter` (HWIO). */
function convolution(output: readonly number[] | null | undefined, filter: readonly number[] | null | undefined): number | undefined {
  if (output?.length !== 4 || filter?.length !== 4) return undefined;
  const [kh = 0, kw = 0, inChannels = 0] = filter;
  return 2 * product(output) * kh * kw * inChannels;
}

/** 2 · (output elements) · kh · kw for a depthwise convolution: each output channel reads one input channel. */
function depthwise(output: readonly number[] | null | undefined, filter: readonly number[] | null | undefined): number | undefined {
  if (output?.length !== 4 || filter?.length !== 4) return undefined;
  const [kh = 0, kw = 0] = filter;
  return 2 * product(output) * kh * kw;
}

/** 2 · batch · M · N · K for C = A·B, with C [..batch, M, N]. */
function matMul(a: readonly number[] | null | undefined, output: readonly number[] | undefined): number | undefined {
  if (!a || a.length < 2 || !output || output.length < 2) return undefined;
  const rows = output[output.length - 2] ?? 0;
  if (rows === 0) return 0;
  const inner = product(a.slice(-2)) / rows;
  return 2 * product(output) * inner;
}

/**
 * The FLOPs of one call of a compute-bound kernel, or `undefined` for a memory-bound one (element-wise,
 * pooling, reductions, batch-norm passes, copies) where a FLOP rate says little.
 */
export function kernelFlops({ name, inputShapes, outputShapes }: KernelShapes): number | undefined {
  const [first, second] = inputShapes;
  const [output] = outputShapes;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D':
      // Inputs x, filter (bias and activation are element-wise, not counted).
      return convolution(output, second);
    case 'Conv2DBackpropInput':
      // Inputs dy [N, Ho, Wo, Co], filter; output ∂x. Same multiply-adds as the forward pass from dy.
      return convolution(first, second);
    case 'Conv2DBackpropFilter':
      // Inputs x, dy [N, Ho, Wo, Co]; output ∂W [kh, kw, Ci, Co].
      return convolution(second, output);
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D':
      return depthwise(output, second);
    case 'DepthwiseConv2dNativeBackpropInput':
      return depthwise(first, second);
    case 'DepthwiseConv2dNativeBackpropFilter':
      return depthwise(second, output);
    case 'BatchMatMul':
    case '_FusedMatMul':
      return matMul(first, output);
    default:
      return undefined;
  }
}
