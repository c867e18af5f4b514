/**
 * How closely our wasm kernels must agree with the tfjs `cpu` backend, in one place.
 *
 * Metric: the max-norm relative error, max|ours − cpu| / max(max|cpu|, 1e-6). Both sides are
 * float32 but sum in different orders (XNNPACK GEMM blocks vs the cpu loops), so the error grows
 * with the reduction length; these bounds leave ~10x headroom over what we measure.
 */
export const tolerances = {
  /** One kernel (forward value or one gradient through `tf.grad`). */
  kernel: 1e-5,
  /** A whole model's gradient on a small batch: many chained kernels, BN divisions. */
  modelGradient: 1e-4,
} as const;

/** Max-norm relative error of `actual` against `expected` (see `tolerances`). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(a) !== Number.isNaN(e)) return Infinity;
    maxDiff = Math.max(maxDiff, Math.abs(a - e));
    maxRef = Math.max(maxRef, Math.abs(e));
  }
  return maxDiff / Math.max(maxRef, 1e-6);
}
